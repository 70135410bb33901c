import { crc32, inflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readWorksheetRows } from '#connectors/xlsx-reader.ts';
import { attribute, childElements, parseXml } from '#connectors/xml-tree.ts';
import { renderStatementXlsx, statementWorkbook } from '#statement/tables.ts';
import type { StatementView } from '#statement/view.ts';
import {
  columnName,
  writeXlsx,
  type XlsxCell,
  type XlsxWorkbook,
  XlsxWriterError,
} from '#statement/xlsx-writer.ts';
import { loadChineseView, loadHuajianView, loadView } from './fixture.ts';

/**
 * The workbook as the statement wrote it with exceljs before it had its own writer, with one fix:
 * exceljs wrote text that looks like an Excel escape (`_x0041_`) as it was, so it read back as the
 * character (`A`); here it is escaped first (`_x005F_x0041_`), as Excel and our writer do.
 */
async function writeWithExcelJs(description: XlsxWorkbook): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const { properties } = description;
  workbook.creator = properties.creator ?? '';
  workbook.lastModifiedBy = properties.lastModifiedBy ?? '';
  workbook.created = properties.created;
  workbook.modified = properties.modified;
  workbook.title = properties.title ?? '';
  for (const sheet of description.sheets) {
    const worksheet = workbook.addWorksheet(sheet.name, {
      views: sheet.frozenRows ? [{ state: 'frozen', ySplit: sheet.frozenRows }] : [],
    });
    for (const row of sheet.rows) {
      const added = worksheet.addRow(
        row.map((cell) =>
          'text' in cell ? cell.text.replace(/_(?=x[0-9A-Fa-f]{4}_)/g, '_x005F_') : cell.number,
        ),
      );
      row.forEach((cell, index) => {
        if (cell.format) added.getCell(index + 1).numFmt = cell.format;
        if (cell.bold) added.getCell(index + 1).font = { bold: true };
      });
    }
    sheet.widths?.forEach((width, index) => {
      worksheet.getColumn(index + 1).width = width;
    });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

async function loadWithExcelJs(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(new Uint8Array(bytes).buffer);
  return workbook;
}

/** What a spreadsheet user sees of a workbook, as exceljs reads it. */
async function seenByExcelJs(bytes: Buffer) {
  const workbook = await loadWithExcelJs(bytes);
  return {
    properties: {
      creator: workbook.creator,
      lastModifiedBy: workbook.lastModifiedBy,
      created: workbook.created,
      modified: workbook.modified,
      title: workbook.title,
    },
    sheets: workbook.worksheets.map((worksheet) => {
      const rows: unknown[][] = [];
      worksheet.eachRow({ includeEmpty: true }, (row) => {
        const cells: unknown[] = [];
        row.eachCell({ includeEmpty: true }, (cell) => {
          cells.push({
            value: cell.value,
            type: cell.type,
            numFmt: cell.numFmt,
            bold: cell.font?.bold === true,
          });
        });
        rows.push(cells);
      });
      const view = worksheet.views[0];
      return {
        name: worksheet.name,
        frozen: view && {
          state: view.state,
          ySplit: 'ySplit' in view ? view.ySplit : undefined,
          topLeftCell: 'topLeftCell' in view ? view.topLeftCell : undefined,
        },
        widths: (worksheet.columns ?? []).map((column) => column.width),
        rows,
      };
    }),
  };
}

/** Every sheet as our own reader reads it. */
function seenByOurReader(bytes: Buffer, names: readonly string[]) {
  return names.map((name) => readWorksheetRows(bytes, name));
}

const withAudience = (view: StatementView, audience: 'client' | 'internal'): StatementView => ({
  ...view,
  audience,
});

function edgeCaseView(): StatementView {
  const view = loadView();
  return {
    ...view,
    lines: [
      { category: 'other', description: '  leading and trailing  ', amount: '-0.01' },
      { category: 'other', description: 'Huge <&> "quoted"', amount: '12345678901234567.89' },
      { category: 'other', description: 'line\nbreak\ttab _x0041_ stays', amount: '-1234567.5' },
      { category: 'other', description: '𝌆 astral and 结算单', amount: '0.00' },
    ],
    variance: [],
  };
}

const VIEWS: Array<[string, () => StatementView]> = [
  ['en internal', () => withAudience(loadView(), 'internal')],
  ['en client', () => withAudience(loadView(), 'client')],
  ['zh-CN internal (CNY)', () => withAudience(loadChineseView(), 'internal')],
  ['zh-CN client (CNY)', () => withAudience(loadChineseView(), 'client')],
  ['huajian zh-CN internal', () => withAudience(loadHuajianView(), 'internal')],
  ['huajian zh-CN client', () => withAudience(loadHuajianView(), 'client')],
  ['edge cases: negatives, text amounts, blanks, escapes, an empty table', edgeCaseView],
  ['every table empty', () => ({ ...loadView(), lines: [], variance: [], billing: [], journal: [] })],
];

describe('the statement workbook as exceljs wrote it', () => {
  it.each(VIEWS)(
    '%s: same sheets, cells, types, formats, bold headers, frozen rows, widths and properties',
    async (_, load) => {
      const view = load();
      const ours = renderStatementXlsx(view);
      const theirs = await writeWithExcelJs(statementWorkbook(view));
      const seen = await seenByExcelJs(ours);
      const expected = await seenByExcelJs(theirs);
      // exceljs takes 9 for its default width and writes none for it; the statement asked for 9.
      for (const sheet of expected.sheets) sheet.widths = sheet.widths.map((width) => width ?? 9);
      expect(seen).toEqual(expected);
      const names = seen.sheets.map((sheet) => sheet.name);
      expect(names).toEqual(
        view.audience === 'client' ? ['billing'] : ['lines', 'variance', 'billing', 'journal'],
      );
      expect(seenByOurReader(ours, names)).toEqual(seenByOurReader(theirs, names));
      // The comparison is not vacuous: headers are bold, the first row is frozen, amounts are formatted.
      for (const sheet of seen.sheets) {
        expect(sheet.frozen).toEqual({ state: 'frozen', ySplit: 1, topLeftCell: 'A2' });
        expect(sheet.rows[0]?.every((cell) => (cell as { bold: boolean }).bold)).toBe(true);
      }
      expect(seen.properties.created).toEqual(new Date(`${view.issueDate}T00:00:00Z`));
    },
  );

  it('formats amounts with the currency digits: two for EUR, none for JPY, three for KWD', async () => {
    const formats = async (currency: string) => {
      const view = { ...loadView(), currency, audience: 'client' as const };
      const billing = (await loadWithExcelJs(renderStatementXlsx(view))).getWorksheet('billing');
      return billing?.getRow(2).getCell(5).numFmt;
    };
    expect(await formats('EUR')).toBe('#,##0.00');
    expect(await formats('JPY')).toBe('#,##0');
    expect(await formats('KWD')).toBe('#,##0.000');
  });

  it('keeps text amounts, negative amounts and zh-CN text as written', async () => {
    const workbook = await loadWithExcelJs(renderStatementXlsx(edgeCaseView()));
    const lines = workbook.getWorksheet('lines');
    expect(lines?.getRow(2).getCell(2).value).toBe('  leading and trailing  ');
    expect(lines?.getRow(2).getCell(7).value).toBe(-0.01);
    expect(lines?.getRow(3).getCell(2).value).toBe('Huge <&> "quoted"');
    expect(lines?.getRow(3).getCell(7).value).toBe('12345678901234567.89');
    expect(lines?.getRow(4).getCell(2).value).toBe('line\nbreak\ttab _x0041_ stays');
    expect(lines?.getRow(5).getCell(2).value).toBe('𝌆 astral and 结算单');
    expect(workbook.getWorksheet('variance')?.rowCount).toBe(1);
    const chinese = await loadWithExcelJs(renderStatementXlsx(withAudience(loadChineseView(), 'client')));
    expect(chinese.getWorksheet('billing')?.getRow(1).values).toEqual([
      undefined,
      '说明',
      '计费依据',
      '数量',
      '单价',
      '金额',
      '原因',
      '币种',
    ]);
  });
});

interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
  readonly time: number;
  readonly date: number;
}

/** The archive read from its central directory, checking each entry's local header and CRC. */
function unzip(bytes: Buffer): ZipEntry[] {
  const end = bytes.length - 22;
  expect(bytes.readUInt32LE(end)).toBe(0x06054b50);
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  expect(at + bytes.readUInt32LE(end + 12)).toBe(end);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n += 1) {
    expect(bytes.readUInt32LE(at)).toBe(0x02014b50);
    const nameLength = bytes.readUInt16LE(at + 28);
    const name = bytes.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const local = bytes.readUInt32LE(at + 42);
    expect(bytes.readUInt32LE(local)).toBe(0x04034b50);
    // The local header repeats the central one: version, flags, method, time, date, CRC, sizes, name.
    expect(bytes.subarray(local + 4, local + 30).equals(bytes.subarray(at + 6, at + 32))).toBe(true);
    expect(bytes.subarray(local + 30, local + 30 + nameLength).toString('utf8')).toBe(name);
    const start = local + 30 + nameLength + bytes.readUInt16LE(local + 28);
    const compressed = bytes.subarray(start, start + bytes.readUInt32LE(at + 20));
    const data = bytes.readUInt16LE(at + 10) === 8 ? inflateRawSync(compressed) : compressed;
    expect(data.length).toBe(bytes.readUInt32LE(at + 24));
    expect(crc32(data)).toBe(bytes.readUInt32LE(at + 16));
    entries.push({ name, data, time: bytes.readUInt16LE(at + 12), date: bytes.readUInt16LE(at + 14) });
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return entries;
}

const dosDate = (isoDate: string) => {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  return ((year - 1980) << 9) | (month << 5) | day;
};

describe('the statement workbook as a package', () => {
  it.each(VIEWS)(
    '%s: every part a content type or relationship names exists and parses, every CRC checks',
    (_, load) => {
      const entries = unzip(renderStatementXlsx(load()));
      const parts = new Map(entries.map((entry) => [entry.name, entry.data.toString('utf8')]));
      expect(parts.size).toBe(entries.length);
      const xml = new Map([...parts].map(([name, text]) => [name, parseXml(text)]));

      const types = xml.get('[Content_Types].xml');
      if (!types) throw new Error('no [Content_Types].xml');
      const defaults = new Set(childElements(types, 'Default').map((d) => attribute(d, 'Extension')));
      const overrides = childElements(types, 'Override').map((o) =>
        (attribute(o, 'PartName') ?? '').slice(1),
      );
      for (const part of overrides)
        expect(parts.has(part), `${part} is named in [Content_Types].xml`).toBe(true);
      for (const part of parts.keys()) {
        const typed = overrides.includes(part) || defaults.has(part.slice(part.lastIndexOf('.') + 1));
        expect(typed, `${part} has a content type`).toBe(true);
      }

      const relationshipParts = [...parts.keys()].filter((name) => name.endsWith('.rels'));
      expect(relationshipParts).toEqual(['_rels/.rels', 'xl/_rels/workbook.xml.rels']);
      for (const rels of relationshipParts) {
        const folder = rels.replace(/_rels\/[^/]*$/, '');
        for (const relationship of childElements(xml.get(rels) ?? types, 'Relationship')) {
          const target = `${folder}${attribute(relationship, 'Target')}`;
          expect(parts.has(target), `${target} is named in ${rels}`).toBe(true);
        }
      }
      // Each sheet of the workbook is reached through a relationship of the workbook.
      const workbookRels = new Map(
        childElements(xml.get('xl/_rels/workbook.xml.rels') ?? types, 'Relationship').map((r) => [
          attribute(r, 'Id'),
          attribute(r, 'Target'),
        ]),
      );
      const sheets = childElements(
        childElements(xml.get('xl/workbook.xml') ?? types, 'sheets')[0] ?? types,
        'sheet',
      );
      expect(sheets.length).toBeGreaterThan(0);
      for (const sheet of sheets)
        expect(parts.has(`xl/${workbookRels.get(attribute(sheet, 'r:id'))}`)).toBe(true);
    },
  );

  it('is the same bytes for the same view, and another issue date changes only its dates', () => {
    const view = loadView();
    const first = renderStatementXlsx(view);
    expect(renderStatementXlsx(loadView()).equals(first)).toBe(true);

    const later = renderStatementXlsx({ ...view, issueDate: '2031-07-04' });
    expect(later.equals(first)).toBe(false);
    const before = unzip(first);
    const after = unzip(later);
    expect(after.map((entry) => entry.name)).toEqual(before.map((entry) => entry.name));
    expect(new Set(before.map((entry) => `${entry.time}/${entry.date}`))).toEqual(
      new Set([`0/${dosDate(view.issueDate)}`]),
    );
    expect(new Set(after.map((entry) => `${entry.time}/${entry.date}`))).toEqual(
      new Set([`0/${dosDate('2031-07-04')}`]),
    );
    after.forEach((entry, index) => {
      const text = entry.data.toString('utf8');
      const expected = (before[index]?.data.toString('utf8') ?? '').replaceAll(
        `${view.issueDate}T00:00:00Z`,
        '2031-07-04T00:00:00Z',
      );
      expect(text, entry.name).toBe(expected);
    });
    expect(after.find((entry) => entry.name === 'docProps/core.xml')?.data.toString('utf8')).toContain(
      '<dcterms:modified xsi:type="dcterms:W3CDTF">2031-07-04T00:00:00Z</dcterms:modified>',
    );
  });
});

describe('writeXlsx', () => {
  const properties = {
    created: new Date('2025-04-02T00:00:00Z'),
    modified: new Date('2025-04-02T00:00:00Z'),
  };

  it('names columns as Excel does', () => {
    expect([1, 26, 27, 52, 53, 702, 703, 16384].map(columnName)).toEqual([
      'A',
      'Z',
      'AA',
      'AZ',
      'BA',
      'ZZ',
      'AAA',
      'XFD',
    ]);
  });

  it('writes cell references past column Z', async () => {
    const row: XlsxCell[] = Array.from({ length: 30 }, (_, i) => ({ number: i }));
    const workbook = await loadWithExcelJs(
      writeXlsx({ properties, sheets: [{ name: 'wide', rows: [row] }] }),
    );
    expect(workbook.getWorksheet('wide')?.getCell('AD1').value).toBe(29);
    expect(
      readWorksheetRows(writeXlsx({ properties, sheets: [{ name: 'wide', rows: [row] }] }))?.[0]?.cells[29],
    ).toBe('29');
  });

  it('refuses a sheet name Excel would refuse, a name used twice, a row too wide and a number that is not finite', () => {
    expect(() => writeXlsx({ properties, sheets: [{ name: 'a/b', rows: [] }] })).toThrow(XlsxWriterError);
    expect(() => writeXlsx({ properties, sheets: [{ name: 'x'.repeat(32), rows: [] }] })).toThrow(
      /not one Excel accepts/,
    );
    expect(() =>
      writeXlsx({
        properties,
        sheets: [
          { name: 'Lines', rows: [] },
          { name: 'lines', rows: [] },
        ],
      }),
    ).toThrow(/used twice/);
    expect(() =>
      writeXlsx({ properties, sheets: [{ name: 's', rows: [[{ number: Number.NaN }]] }] }),
    ).toThrow(/s!A1 holds NaN/);
  });

  /** Any UTF-16 text: code points of every plane, control characters, lone surrogates, `_xHHHH_` look-alikes. */
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 16 }),
    fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 16,
    }),
    fc
      .tuple(fc.string({ maxLength: 3 }), fc.stringMatching(/^[0-9A-Fa-f]{4}$/), fc.string({ maxLength: 3 }))
      .map(([a, hex, b]) => `${a}_x${hex}_${b}`),
  );

  it('writes any text so that exceljs and our reader read the same text back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyText, { minLength: 1, maxLength: 8 }), async (texts) => {
        const bytes = writeXlsx({
          properties,
          sheets: [{ name: 'texts', rows: texts.map((text) => [{ text }]) }],
        });
        const sheet = (await loadWithExcelJs(bytes)).getWorksheet('texts');
        expect(texts.map((_, index) => sheet?.getRow(index + 1).getCell(1).value)).toEqual(texts);
        expect(readWorksheetRows(bytes)?.map((row) => row.cells[0])).toEqual(texts);
      }),
      { numRuns: 150 },
    );
  });

  /** A decimal's digits without sign, leading or trailing zeros: what must survive a trip through a number. */
  const canonical = (decimal: string) => {
    const negative = decimal.startsWith('-');
    const [int = '0', frac = ''] = decimal.replace(/^-/, '').split('.');
    const digits = `${int.replace(/^0+(?=\d)/, '')}${frac.replace(/0+$/, '') ? `.${frac.replace(/0+$/, '')}` : ''}`;
    return digits === '0' ? '0' : `${negative ? '-' : ''}${digits}`;
  };
  const decimal = fc
    .tuple(fc.boolean(), fc.stringMatching(/^\d{1,20}$/), fc.stringMatching(/^\d{0,4}$/))
    .map(([negative, int, frac]) => `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`);

  it('writes every amount as a number that reads back as the same decimal, or as its text', async () => {
    const view = loadView();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(anyText, decimal), { minLength: 1, maxLength: 6 }),
        async (pairs) => {
          const lines = pairs.map(([description, amount]) => ({
            category: 'other' as const,
            description,
            amount,
          }));
          const sheet = (await loadWithExcelJs(renderStatementXlsx({ ...view, lines }))).getWorksheet(
            'lines',
          );
          pairs.forEach(([description, amount], index) => {
            const row = sheet?.getRow(index + 2);
            expect(row?.getCell(2).value).toBe(description);
            const value = row?.getCell(7).value;
            const exact = canonical(String(Number(amount))) === canonical(amount);
            // An exact decimal is a number cell (a negative zero is zero); any other stays its text, never rounded.
            expect(value).toEqual(exact ? Number(amount) + 0 : amount);
            expect(row?.getCell(7).numFmt).toBe('#,##0.00');
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});

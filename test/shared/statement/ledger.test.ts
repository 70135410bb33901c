import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import type { Charter } from '#domain/charter.ts';
import { computeStatement } from '#domain/compute.ts';
import type { SettlementRecord } from '#domain/records.ts';
import type { Statement } from '#domain/statement.ts';
import {
  assertJournalBalanced,
  journalDocumentNumber,
  renderQuickBooksJournalCsv,
  renderSapJournalXml,
} from '#statement/journal.ts';
import { journalOf } from '#statement/ledger.ts';
import type { StatementView } from '#statement/view.ts';
import { toStatementView } from '#statement/view-of.ts';
import { charterWith, cost, time } from '../domain/fixtures.ts';

const H = 3600;

/**
 * A time-and-materials project: labour from timesheets (Toggl, not in the books), materials bills
 * from QuickBooks (accounts payable posted them), cloud usage from Cost Explorer (not in the books).
 */
const charter: Charter = charterWith({
  rateCards: [{ role: 'dev', currency: 'EUR', costRate: '50', billRate: '100', effectiveFrom: '2026-01-01' }],
  people: [{ id: 'a', role: 'dev' }],
  journal: [
    { category: 'labour', debit: '6100', credit: '2150' },
    { category: 'materials', debit: '6200', credit: '2100', booked: '6290' },
    { category: 'cloud', debit: '6300', credit: '2100' },
    { category: 'revenue', debit: '4000', credit: '4000' },
  ],
  accounting: {
    projectDimension: 'P-100',
    accountNames: {
      '6100': 'Project labour',
      '2150': 'Payroll clearing',
      '6200': 'Project materials',
      '6290': 'Materials',
      '6300': 'Project cloud',
      '2100': 'Accrued liabilities',
      '1260': 'Unbilled receivables',
      '4000': 'Services revenue',
      '2200': 'VAT payable',
    },
    tax: [{ name: 'VAT', ratePercent: '19', kinds: ['time'], account: '2200' }],
  },
});

const october: SettlementRecord[] = [
  time('a', '2026-10-05T09:00:00Z', 10 * H),
  cost('materials', '1200.00', '2026-10-07', { vendor: 'Steel Ltd', sourceId: 'bill-17' }),
  cost('cloud', '80.40', '2026-10-31', { source: 'aws-cost-explorer', vendor: 'AWS', sourceId: 'ce-10' }),
];
/** A late timesheet (2 h) and a corrected bill found after October was settled: revision 1. */
const octoberRevised: SettlementRecord[] = [
  ...october.filter((r) => r.sourceId !== 'bill-17'),
  time('a', '2026-10-06T09:00:00Z', 2 * H),
  cost('materials', '1150.00', '2026-10-07', { vendor: 'Steel Ltd', sourceId: 'bill-17' }),
];
const november: SettlementRecord[] = [
  time('a', '2026-11-03T09:00:00Z', 4 * H),
  cost('materials', '300.00', '2026-11-10', { vendor: 'Steel Ltd', sourceId: 'bill-21' }),
];

function statementOf(records: SettlementRecord[], period: string, revision: number): Statement {
  const asOf = period === '2026-10' ? '2026-10-31' : '2026-11-30';
  return computeStatement({ charter, records, period, asOf, revision, quarantine: [] });
}

function viewOf(statement: Statement, number: string, replaces?: StatementView): StatementView {
  return toStatementView(statement, charter, {
    number,
    issuer: { id: 'acme', name: 'Acme' },
    ...(replaces ? { replaces: { number: replaces.number, lines: replaces.journal } } : {}),
  });
}

/** A ledger that imports QuickBooks journal files as QuickBooks does: one entry per JournalNo, a number it holds already refused. */
class Ledger {
  readonly balances = new Map<string, Decimal>();
  readonly numbers = new Set<string>();
  refused = 0;

  post(account: string, cls: string, amount: Decimal.Value) {
    const key = `${account}|${cls}`;
    this.balances.set(key, (this.balances.get(key) ?? new Decimal(0)).plus(amount));
  }

  import(csv: string) {
    const rows = parse(csv, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    const entries = new Map<string, Record<string, string>[]>();
    for (const row of rows)
      entries.set(row.JournalNo as string, [...(entries.get(row.JournalNo as string) ?? []), row]);
    for (const [number, lines] of entries) {
      if (this.numbers.has(number)) {
        this.refused += 1;
        continue;
      }
      this.numbers.add(number);
      let balance = new Decimal(0);
      for (const line of lines) {
        const amount = new Decimal(line.Debits || 0).minus(line.Credits || 0);
        balance = balance.plus(amount);
        this.post(line.AccountName as string, line.Class ?? '', amount);
      }
      expect(balance.isZero(), `entry ${number} balances`).toBe(true);
    }
  }

  balance(account: string, cls = ''): string {
    return (this.balances.get(`${account}|${cls}`) ?? new Decimal(0)).toFixed(2);
  }

  accountTotal(account: string): string {
    let total = new Decimal(0);
    for (const [key, value] of this.balances) if (key.startsWith(`${account}|`)) total = total.plus(value);
    return total.toFixed(2);
  }
}

describe('journal by source of truth', () => {
  it('moves booked bills to the project, accrues the rest, recognises revenue and VAT, and balances', () => {
    const view = viewOf(statementOf(october, '2026-10', 0), 'ST-ACME-2026-000001');
    assertJournalBalanced(view.journal);
    const rows = view.journal.map((l) => [l.entry, l.account, l.project ?? '', l.debit, l.credit]);
    // Labour 10 h × 50 = 500 accrued against payroll clearing; materials 1200 moved from unassigned
    // 6290 to the project (no payable: accounts payable booked the bill); cloud 80.40 accrued;
    // revenue 10 h × 100 = 1000 as unbilled receivable; VAT 19 % of 1000 = 190.
    expect(rows).toEqual([
      ['1', '6100', 'P-100', '500.00', '0.00'],
      ['1', '2150', '', '0.00', '500.00'],
      ['2', '6200', 'P-100', '1200.00', '0.00'],
      ['2', '6290', '', '0.00', '1200.00'],
      ['3', '6300', 'P-100', '80.40', '0.00'],
      ['3', '2100', '', '0.00', '80.40'],
      ['4', '1260', 'P-100', '1000.00', '0.00'],
      ['4', '4000', 'P-100', '0.00', '1000.00'],
      ['5', '1260', 'P-100', '190.00', '0.00'],
      ['5', '2200', '', '0.00', '190.00'],
    ]);
    expect(view.journal.some((l) => l.account === '2000')).toBe(false);
    expect(view.journal.find((l) => l.account === '1260')?.party).toBe('Client');
  });

  it('posts nothing for booked bills when the ledger already codes them to the project', () => {
    const omitting = { ...charter, accounting: { ...charter.accounting, bookedCosts: 'omit' as const } };
    const lines = journalOf(statementOf(october, '2026-10', 0), omitting, '2026-10-31');
    expect(lines.some((l) => l.account === '6200' || l.account === '6290')).toBe(false);
    assertJournalBalanced(lines);
  });

  it('imports a month, its revision and the next month into the books without counting anything twice', () => {
    const ledger = new Ledger();
    // Accounts payable posts the supplier bills as they arrive: unassigned materials against payables.
    const apBill = (amount: string) => {
      ledger.post('Materials', '', amount);
      ledger.post('Accounts payable', '', new Decimal(amount).negated());
    };
    apBill('1200.00');
    apBill('-50.00'); // the supplier's credit note correcting bill 17 to 1150
    apBill('300.00');

    const r0 = viewOf(statementOf(october, '2026-10', 0), 'ST-ACME-2026-000001');
    const r1 = viewOf(statementOf(octoberRevised, '2026-10', 1), 'ST-ACME-2026-000002', r0);
    const nov = viewOf(statementOf(november, '2026-11', 0), 'ST-ACME-2026-000003');
    ledger.import(renderQuickBooksJournalCsv(r0));
    ledger.import(renderQuickBooksJournalCsv(r1));
    ledger.import(renderQuickBooksJournalCsv(nov));
    // A re-sent file (a retried export, a re-run settlement) is refused entry by entry.
    ledger.import(renderQuickBooksJournalCsv(r1));
    expect(ledger.refused).toBe(
      r1.journal.map((l) => l.entry).filter((e, i, a) => a.indexOf(e) === i).length,
    );

    // Payables hold the bills once: the journal never books a payable.
    expect(ledger.balance('Accounts payable')).toBe('-1450.00');
    // The project's materials are October as revised (1150) plus November (300); unassigned is empty.
    expect(ledger.balance('Project materials', 'P-100')).toBe('1450.00');
    expect(ledger.accountTotal('Materials')).toBe('0.00');
    // Labour: October revised 12 h × 50 + November 4 h × 50.
    expect(ledger.balance('Project labour', 'P-100')).toBe('800.00');
    expect(ledger.balance('Payroll clearing')).toBe('-800.00');
    expect(ledger.balance('Project cloud', 'P-100')).toBe('80.40');
    // Revenue: (12 + 4) h × 100; VAT 19 % of it.
    expect(ledger.balance('Services revenue', 'P-100')).toBe('-1600.00');
    expect(ledger.balance('VAT payable')).toBe('-304.00');
    expect(ledger.balance('Unbilled receivables', 'P-100')).toBe('1904.00');
    // Everything balances.
    expect([...ledger.balances.values()].reduce((a, b) => a.plus(b), new Decimal(0)).toFixed(2)).toBe('0.00');
  });

  it('writes QuickBooks rows with US dates, names, classes and the other side blank', () => {
    const csv = renderQuickBooksJournalCsv(viewOf(statementOf(october, '2026-10', 0), 'ST-ACME-2026-000001'));
    const lines = csv.trimEnd().split('\r\n');
    expect(csv.startsWith('\uFEFF')).toBe(false);
    expect(lines[0]).toBe('JournalNo,JournalDate,AccountName,Debits,Credits,Description,Name,Class');
    expect(lines[1]).toBe(
      '2026000001-1,10/31/2026,Project labour,500.00,,labour cost accrued to the project,,P-100',
    );
    expect(lines[2]).toBe(
      '2026000001-1,10/31/2026,Payroll clearing,,500.00,labour cost accrued (not yet in the books),,',
    );
    expect(journalDocumentNumber('ST-GLOBEX-2026-000042', 'R3')).toBe('2026000042-R3');
  });

  it('writes the SAP posting request: one journal entry per entry, S/H codes, signed amounts, WBS element', () => {
    const view = viewOf(statementOf(october, '2026-10', 0), 'ST-ACME-2026-000001');
    const xml = renderSapJournalXml(view, '1010');
    expect(xml).toContain('<sfin:JournalEntryBulkCreateRequest>');
    expect(xml.match(/<JournalEntryCreateRequest>/g)).toHaveLength(5);
    expect(xml).toContain('<DocumentReferenceID>2026000001-2</DocumentReferenceID>');
    expect(xml).toContain(
      '<AmountInTransactionCurrency currencyCode="EUR">-1200.00</AmountInTransactionCurrency>\n            <DebitCreditCode>H</DebitCreditCode>',
    );
    expect(xml).toContain('<WBSElement>P-100</WBSElement>');
    expect(xml).toContain('<CompanyCode>1010</CompanyCode>');
    // Every entry's signed amounts sum to zero.
    for (const entry of xml.split('<JournalEntryCreateRequest>').slice(1)) {
      const amounts = [...entry.matchAll(/currencyCode="EUR">(-?[\d.]+)</g)].map((m) => m[1] as string);
      expect(amounts.reduce((a, b) => a.plus(b), new Decimal(0)).isZero()).toBe(true);
    }
    // The same view gives the same bytes (no clock in it).
    expect(renderSapJournalXml(view, '1010')).toBe(xml);
  });
});

import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import type { CostRecord } from '#domain/records.ts';
import { fixture, fixtureJson } from './helpers.ts';

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const odata = (...results: Record<string, unknown>[]) => ({ d: { results } });
const invoice = (number: string, fields: Record<string, unknown>) => ({
  SupplierInvoice: number,
  FiscalYear: '2026',
  CompanyCode: '1010',
  PostingDate: '/Date(1792540800000)/',
  InvoicingParty: '17300001',
  DocumentCurrency: 'EUR',
  InvoiceGrossAmount: '100.00',
  SupplierInvoiceIsCreditMemo: '',
  SupplierInvoiceStatus: '5',
  ReverseDocument: '',
  ReverseDocumentFiscalYear: '',
  ...fields,
});
const total = (records: unknown[]) =>
  (records as CostRecord[]).reduce((sum, r) => sum + Number(r.amount) * 100, 0) / 100;

describe('sap', () => {
  it('signs by SupplierInvoiceIsCreditMemo, nets a reversal pair to zero and leaves unposted documents out', async () => {
    const result = await normalizeFile(
      'sap',
      encode([
        fixtureJson('sap/supplier-invoices-page-1.json'),
        fixtureJson('sap/supplier-invoices-page-2.json'),
      ]),
      { projectRef: 'site-nord', vendorNames: { '17300001': 'Beton Nord GmbH' } },
    );
    const costs = result.records as CostRecord[];
    expect(costs.map((c) => [c.sourceId, c.amount, c.date])).toEqual([
      ['2026-5105600101', '11900', '2026-10-12'],
      ['2026-5105600102', '2380.5', '2026-10-20'],
      ['2026-5105600110', '-2380.5', '2026-10-21'],
      ['2026-5105600111', '-595', '2026-10-21'],
    ]);
    // By hand: 11 900.00 + 2 380.50 − 2 380.50 (its reversal) − 595.00 (credit memo) = 11 305.00;
    // the parked 4 760.00 and the held 1 190.00 are not spend.
    expect(total(costs)).toBe(11_305);
    expect(costs[0]?.vendor).toBe('Beton Nord GmbH');
    expect(costs[1]?.description).toBe('Scaffolding rental; reversed by 5105600110/2026');
    expect(costs[2]).toMatchObject({
      document: 'credit-memo INV-7781',
      description: 'Reversal of 5105600102; reverses 5105600102/2026',
    });
    expect(costs[3]?.document).toBe('credit-memo CM-2026-003');
    const notes = result.notes.join('\n');
    expect(notes).toContain(
      'invoice 5105600102/2026 (2380.5) was reversed by document 5105600110/2026 (-2380.5); both are collected and net to zero',
    );
    expect(notes).toContain(
      '2 document(s) not posted are not spend and were left out: 5105600113/2026 parked (A) 4760 EUR; 5105600114/2026 entered and held (D) 1190 EUR',
    );
    expect(result.quarantined.map((q) => [q.reason, q.position])).toEqual([
      ['invalid-date', 'page 2 item 3'],
    ]);
  });

  it('leaves out a reversal pair whose documents carry the same sign, with a note', async () => {
    const result = await normalizeFile(
      'sap',
      encode(
        odata(
          invoice('5100000001', {
            ReverseDocument: '5100000002',
            ReverseDocumentFiscalYear: '2026',
            InvoiceGrossAmount: '1511.63',
          }),
          invoice('5100000002', { IsReversal: true, InvoiceGrossAmount: '1511.63' }),
          invoice('5100000003', { InvoiceGrossAmount: '20.00' }),
        ),
      ),
      { projectRef: 'p' },
    );
    expect(result.records.map((r) => r.sourceId)).toEqual(['2026-5100000003']);
    expect(result.notes.join('\n')).toContain(
      '5100000001/2026 was reversed by document 5100000002/2026 but both carry the same sign (1511.63); both are left out',
    );
  });

  it('quarantines both documents of a reversal whose amounts differ', async () => {
    const result = await normalizeFile(
      'sap',
      encode(
        odata(
          invoice('5100000001', { ReverseDocument: '5100000002', InvoiceGrossAmount: '100.00' }),
          invoice('5100000002', {
            IsReversal: true,
            SupplierInvoiceIsCreditMemo: 'X',
            InvoiceGrossAmount: '90.00',
          }),
        ),
      ),
      { projectRef: 'p' },
    );
    expect(result.records).toEqual([]);
    expect(result.quarantined.map((q) => q.reason)).toEqual(['reversal-mismatch', 'reversal-mismatch']);
  });

  it('counts an invoice whose reversal falls outside the data and says so', async () => {
    const result = await normalizeFile(
      'sap',
      encode(
        odata(invoice('5100000001', { ReverseDocument: '5100000009', ReverseDocumentFiscalYear: '2026' })),
      ),
      { projectRef: 'p' },
    );
    expect(result.records).toMatchObject([{ amount: '100' }]);
    expect(result.notes.join('\n')).toContain(
      'reversed by document 5100000009/2026, which is not in this data',
    );
  });

  it('reads IsInvoice only when the credit-memo field is absent, and postedStatuses widens what is spend', async () => {
    const { SupplierInvoiceIsCreditMemo: _flag, ...legacy } = invoice('5100000001', { IsInvoice: false });
    const result = await normalizeFile(
      'sap',
      encode(
        odata(legacy, invoice('5100000002', { SupplierInvoiceStatus: '4', InvoiceGrossAmount: '7.50' })),
      ),
      { projectRef: 'p', postedStatuses: ['4', '5'] },
    );
    expect(result.records.map((r) => (r as CostRecord).amount)).toEqual(['-100', '7.5']);
  });
});

describe('sap on real supplier invoices (A_SupplierInvoice headers read by Latona SAP API clients)', () => {
  const sandbox = 'real/sap/latona-sandbox-supplier-invoice-5100000001-2016.json';
  const onPremise = 'real/sap/latona-supplier-invoice-5105600751-1998.json';
  const sum = (records: unknown[], currency: string) =>
    (records as CostRecord[])
      .filter((r) => r.currency === currency)
      .reduce((s, r) => s + Math.round(Number(r.amount) * 100), 0) / 100;

  it('counts the sandbox invoice 5100000001/2016 at 1 511.63 USD and says its reversal 5100000002 is not in the data', async () => {
    const result = await normalizeFile('sap', fixture(sandbox), {
      projectMap: { '1710': 'company-1710' },
    });
    expect(result.quarantined).toEqual([]);
    expect(result.records).toEqual([
      {
        source: 'sap',
        kind: 'cost',
        sourceId: '2016-5100000001',
        projectRef: 'company-1710',
        category: 'outsourcing',
        amount: '1511.63',
        currency: 'USD',
        // Printed 2016-07-02T09:00:00+09:00 by the client: 2016-07-02 00:00 UTC, the posting day.
        date: '2016-07-02',
        vendor: 'USSU-VSF01',
        document: 'supplier-invoice POLARIS/2016/1',
      },
    ]);
    expect(result.notes).toEqual([
      'sap: 5100000001/2016 was reversed by document 5100000002/2016, which is not in this data (posted outside the window?); 5100000001/2016 is counted at 1511.63',
    ]);
  });

  it('counts the posted invoice 5105600751/1998 at 928.00 EUR; an empty ReverseDocument with year "0000" is no reversal', async () => {
    const result = await normalizeFile('sap', fixture(onPremise), { projectRef: 'p' });
    expect(result.quarantined).toEqual([]);
    expect(result.notes).toEqual([]);
    expect(result.records).toMatchObject([
      {
        sourceId: '1998-5105600751',
        projectRef: 'p',
        amount: '928',
        currency: 'EUR',
        date: '1998-02-01',
        vendor: '100000',
        document: 'supplier-invoice 5105600751',
      },
    ]);
  });

  it('reads both responses together, keeping the currencies apart, and without a project map keeps the supplier as projectRef', async () => {
    const both = encode([fixtureJson(sandbox), fixtureJson(onPremise)]);
    const result = await normalizeFile('sap', both, {});
    // By hand: one posted invoice per currency, neither a credit memo: USD 1 511.63, EUR 928.00.
    expect(result.records).toHaveLength(2);
    expect(sum(result.records, 'USD')).toBe(1511.63);
    expect(sum(result.records, 'EUR')).toBe(928);
    expect((result.records as CostRecord[]).map((r) => r.projectRef)).toEqual(['USSU-VSF01', '100000']);
  });
});

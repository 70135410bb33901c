import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import { ExactDecimal } from '#connectors/values.ts';
import type { CostRecord } from '#domain/records.ts';
import { demoFile, fixture, fixtureJson } from './helpers.ts';

describe('quickbooks', () => {
  it('turns bill lines into outsourcing costs unless the account maps elsewhere', async () => {
    const result = await normalizeFile('quickbooks', fixture('quickbooks/query-bill.json'), {
      projectRef: 'atlas',
      categoryByAccount: { 'Equipment Rental': 'equipment', Print: 'materials' },
    });
    const costs = result.records as CostRecord[];
    expect(costs.map((c) => [c.sourceId, c.category, c.amount, c.currency])).toEqual([
      ['bill-1041-line-1', 'outsourcing', '11400', 'EUR'],
      ['bill-1041-line-2', 'equipment', '1234.56', 'EUR'],
      ['bill-1041-line-3', 'materials', '0.1', 'EUR'],
      ['bill-1057-line-1', 'outsourcing', '8850', 'USD'],
    ]);
    expect(costs[0]).toMatchObject({
      vendor: 'Lumen UX Research GmbH',
      date: '2026-10-09',
      document: 'bill LUX-2026-118',
    });
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]).toMatchObject({ reason: 'invalid-amount', position: 'Bill 2 line 2' });
    expect(result.quarantined[0]?.message).toContain('`Amount`');
  });

  it('marks purchase-order lines as commitments', async () => {
    const result = await normalizeFile('quickbooks', fixture('quickbooks/query-purchaseorder.json'), {
      projectRef: 'atlas',
    });
    expect(result.records[0]).toMatchObject({
      commitment: true,
      document: 'purchase-order PO-0042',
      amount: '12000',
    });
  });

  it('maps the customer to the project through projectMap', async () => {
    const result = await normalizeFile('quickbooks', demoFile('quickbooks-bills-2026-10.json'), {
      projectMap: { 'Northwind Retail:Atlas customer portal': 'atlas' },
    });
    expect(result.records).toHaveLength(4);
    expect(result.records.every((r) => r.projectRef === 'atlas')).toBe(true);
  });

  it('counts only what is still open on purchase orders: closed ones out, linked bills subtracted', async () => {
    const po = (id: string, status: string, lines: [string, number][], linked: string[] = []) => ({
      Id: id,
      DocNumber: `PO-${id}`,
      TxnDate: '2026-10-02',
      POStatus: status,
      CurrencyRef: { value: 'EUR' },
      VendorRef: { value: '61', name: 'Bastion Security Labs' },
      LinkedTxn: linked.map((TxnId) => ({ TxnId, TxnType: 'Bill' })),
      Line: lines.map(([Id, Amount]) => ({
        Id,
        Amount,
        DetailType: 'AccountBasedExpenseLineDetail',
        AccountBasedExpenseLineDetail: { AccountRef: { value: '71', name: 'Subcontractors' } },
      })),
    });
    const bill = (id: string, amount: number, order: string, lineId?: string) => ({
      Id: id,
      TxnDate: '2026-10-20',
      CurrencyRef: { value: 'EUR' },
      VendorRef: { value: '61', name: 'Bastion Security Labs' },
      Line: [
        {
          Id: '1',
          Amount: amount,
          DetailType: 'AccountBasedExpenseLineDetail',
          AccountBasedExpenseLineDetail: { AccountRef: { value: '71', name: 'Subcontractors' } },
          LinkedTxn: [{ TxnId: order, TxnType: 'PurchaseOrder', ...(lineId ? { TxnLineId: lineId } : {}) }],
        },
      ],
    });
    const pages = [
      {
        QueryResponse: {
          PurchaseOrder: [
            po(
              '2001',
              'Open',
              [
                ['1', 12000],
                ['2', 3000],
              ],
              ['3001', '3002'],
            ),
            po('2002', 'Closed', [['1', 5000]], ['3003']),
            po('2003', 'Open', [['1', 800]], ['3999']),
          ],
        },
      },
      { QueryResponse: { Bill: [bill('3001', 4000.5, '2001', '1'), bill('3002', 3500, '2001')] } },
    ];
    const result = await normalizeFile('quickbooks', new TextEncoder().encode(JSON.stringify(pages)), {
      projectRef: 'atlas',
    });
    const commitments = (result.records as CostRecord[]).filter((r) => r.commitment);
    // PO 2001 line 1: 12 000 − 4 000.50 billed on that line = 7 999.50; the 3 500 billed against the
    // order without a line comes off line 1 next (→ 4 499.50); line 2 stays 3 000. PO 2002 is closed.
    // PO 2003's bill 3999 is not in the data: 800 counts in full. Open total 4 499.50 + 3 000 + 800 = 8 299.50.
    expect(commitments.map((c) => [c.sourceId, c.amount])).toEqual([
      ['purchase-order-2001-line-1', '4499.5'],
      ['purchase-order-2001-line-2', '3000'],
      ['purchase-order-2003-line-1', '800'],
    ]);
    const notes = result.notes.join('\n');
    expect(notes).toContain(
      '1 purchase order(s) are closed (POStatus Closed) and are no open commitment: PO-2002',
    );
    expect(notes).toContain('purchase order PO-2003 is linked to bill(s) 3999 that are not in this data');
    // The bills themselves are actual cost: 4 000.50 + 3 500.
    expect((result.records as CostRecord[]).filter((r) => !r.commitment).map((r) => r.amount)).toEqual([
      '4000.5',
      '3500',
    ]);
  });
});

describe('quickbooks on records of the Intuit sandbox company (Airbyte acceptance-test data)', () => {
  const sum = (records: unknown[]) =>
    (records as CostRecord[]).reduce((s, r) => s.plus(r.amount), new ExactDecimal(0)).toFixed();
  const pages = (...paths: string[]) =>
    new TextEncoder().encode(JSON.stringify(paths.map((p) => fixtureJson(`real/quickbooks/${p}`))));

  it('reads five real bills line by line, the job-costed line to its customer', async () => {
    const result = await normalizeFile('quickbooks', fixture('real/quickbooks/airbyte-sandbox-bills.json'), {
      projectRef: 'office',
      projectMap: { 'Travis Waldron': 'waldron-deck' },
      categoryByAccount: { 'Job Expenses:Job Materials:Decks and Patios': 'materials', Pump: 'equipment' },
    });
    const costs = result.records as CostRecord[];
    expect(costs.map((c) => [c.sourceId, c.projectRef, c.category, c.amount, c.date])).toEqual([
      ['bill-24-line-1', 'office', 'outsourcing', '900', '2023-02-02'],
      ['bill-108-line-1', 'office', 'outsourcing', '315', '2023-02-18'],
      ['bill-105-line-1', 'office', 'outsourcing', '56.5', '2023-01-03'],
      ['bill-25-line-1', 'waldron-deck', 'materials', '103.55', '2023-02-15'],
      ['bill-126-line-1', 'office', 'equipment', '80', '2023-02-18'],
      ['bill-126-line-2', 'office', 'outsourcing', '125', '2023-02-18'],
    ]);
    expect(result.quarantined).toEqual([]);
    // By hand: 900 + 315 + 56.5 + 103.55 + (80 + 125) = 1580.05 USD, the sum of the bills' TotalAmt.
    expect(sum(costs)).toBe('1580.05');
    expect(costs[3]).toMatchObject({ vendor: 'Norton Lumber and Building Materials', currency: 'USD' });
  });

  it('reads real credit-card purchases (expenses) as spend, the payee from EntityRef', async () => {
    const result = await normalizeFile(
      'quickbooks',
      fixture('real/quickbooks/airbyte-sandbox-purchases.json'),
      {
        projectRef: 'yard',
        categoryByAccount: { 'Job Expenses:Job Materials:Decks and Patios': 'materials' },
      },
    );
    const costs = result.records as CostRecord[];
    expect(costs.map((c) => [c.sourceId, c.vendor, c.category, c.amount, c.date])).toEqual([
      ['purchase-140-line-1', "Bob's Burger Joint", 'outsourcing', '18.97', '2023-02-23'],
      ['purchase-141-line-1', 'Squeaky Kleen Car Wash', 'outsourcing', '19.99', '2023-02-23'],
      ['purchase-142-line-1', 'Squeaky Kleen Car Wash', 'outsourcing', '19.99', '2023-03-02'],
      ['purchase-143-line-1', 'Hicks Hardware', 'materials', '42.4', '2023-02-24'],
      // Purchase 144 names no payee: still spend, booked against the card that paid it.
      ['purchase-144-line-1', 'no payee (paid from Mastercard)', 'outsourcing', '34', '2023-03-15'],
    ]);
    expect(result.quarantined).toEqual([]);
    // By hand: 18.97 + 19.99 + 19.99 + 42.4 + 34 = 135.35 USD.
    expect(sum(costs)).toBe('135.35');
  });

  it('counts a credit-card credit (Credit true) negative', async () => {
    const page = fixtureJson('real/quickbooks/airbyte-sandbox-purchases.json') as {
      QueryResponse: { Purchase: Record<string, unknown>[] };
    };
    // The sandbox has no card refund; the same purchase 143 marked as one.
    const refund = { ...page.QueryResponse.Purchase[3], Id: '143-credit', Credit: true };
    const bytes = new TextEncoder().encode(JSON.stringify({ QueryResponse: { Purchase: [refund] } }));
    const result = await normalizeFile('quickbooks', bytes, { projectRef: 'yard' });
    expect(result.records).toMatchObject([{ amount: '-42.4', sourceId: 'purchase-143-credit-line-1' }]);
  });

  it('quarantines a bill that names no vendor, naming the field', async () => {
    const page = fixtureJson('real/quickbooks/airbyte-sandbox-bills.json') as {
      QueryResponse: { Bill: Record<string, unknown>[] };
    };
    const { VendorRef: _, ...anonymous } = page.QueryResponse.Bill[0] ?? {};
    const bytes = new TextEncoder().encode(JSON.stringify({ QueryResponse: { Bill: [anonymous] } }));
    const result = await normalizeFile('quickbooks', bytes, { projectRef: 'office' });
    expect(result.records).toEqual([]);
    expect(result.quarantined).toMatchObject([{ reason: 'missing-vendor', position: 'Bill 1 line 1' }]);
    expect(result.quarantined[0]?.message).toContain('`VendorRef`');
  });

  it('names the lists it does not read instead of dropping them silently', async () => {
    const bytes = new TextEncoder().encode(
      JSON.stringify({ QueryResponse: { Invoice: [{ Id: '1' }], startPosition: 1, maxResults: 1 } }),
    );
    const result = await normalizeFile('quickbooks', bytes, { projectRef: 'yard' });
    expect(result.records).toEqual([]);
    expect(result.notes.join('\n')).toContain('Invoice not read');
  });

  it('keeps only the open purchase order as commitment: the closed ones are billed or paid', async () => {
    const result = await normalizeFile(
      'quickbooks',
      pages('airbyte-sandbox-bills.json', 'airbyte-sandbox-purchase-orders.json'),
      { projectRef: 'office' },
    );
    const costs = result.records as CostRecord[];
    const commitments = costs.filter((c) => c.commitment);
    // PO 1002 (Open, nothing linked): 125. PO 1003 (Closed, paid by purchase 115) and PO 1004 (Closed,
    // billed by bill 126 = 80 + 125) are out.
    expect(commitments.map((c) => [c.document, c.amount])).toEqual([['purchase-order 1002', '125']]);
    expect(result.notes.join('\n')).toContain(
      '2 purchase order(s) are closed (POStatus Closed) and are no open commitment: 1003, 1004',
    );
    // Spend stays the six bill lines: 1580.05 USD; commitments 125 USD; nothing counted twice.
    expect(sum(costs.filter((c) => !c.commitment))).toBe('1580.05');
    expect(sum(commitments)).toBe('125');
  });
});

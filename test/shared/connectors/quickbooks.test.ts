import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import type { CostRecord } from '#domain/records.ts';
import { demoFile, fixture } from './helpers.ts';

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

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
});

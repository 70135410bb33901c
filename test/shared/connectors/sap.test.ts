import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import type { CostRecord } from '#domain/records.ts';
import { fixtureJson } from './helpers.ts';

describe('sap', () => {
  it('reads /Date(ms)/, decimal strings, credit memos and reversals as negative amounts', async () => {
    const bytes = new TextEncoder().encode(
      JSON.stringify([
        fixtureJson('sap/supplier-invoices-page-1.json'),
        fixtureJson('sap/supplier-invoices-page-2.json'),
      ]),
    );
    const result = await normalizeFile('sap', bytes, {
      projectRef: 'site-nord',
      vendorNames: { '17300001': 'Beton Nord GmbH' },
    });
    const costs = result.records as CostRecord[];
    expect(costs.map((c) => [c.sourceId, c.amount, c.date, c.category])).toEqual([
      ['2026-5105600101', '11900', '2026-10-12', 'outsourcing'],
      ['2026-5105600102', '2380.5', '2026-10-20', 'outsourcing'],
      ['2026-5105600110', '-2380.5', '2026-10-21', 'outsourcing'],
      ['2026-5105600111', '-595', '2026-10-21', 'outsourcing'],
    ]);
    expect(costs[0]?.vendor).toBe('Beton Nord GmbH');
    expect(costs[3]?.document).toBe('credit-memo CM-2026-003');
    expect(result.notes.join(' ')).toContain('reversed by document 5105600110');
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]).toMatchObject({ reason: 'invalid-date', position: 'page 2 item 3' });
  });
});

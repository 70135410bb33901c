import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import type { CostRecord } from '#domain/records.ts';
import { fixtureJson } from './helpers.ts';

describe('azure cost management', () => {
  it('rounds float noise, folds case-variant tags, keeps untagged cost as unallocated', async () => {
    const bytes = new TextEncoder().encode(
      JSON.stringify([
        fixtureJson('azure-cost/query-page-1.json'),
        fixtureJson('azure-cost/query-page-2.json'),
      ]),
    );
    const result = await normalizeFile('azure-cost', bytes, { tagValue: 'atlas', projectRef: 'atlas' });
    const costs = result.records as CostRecord[];
    expect(costs.map((c) => [c.projectRef, c.amount, c.date])).toEqual([
      ['atlas', '12.34', '2026-10-01'],
      ['atlas', '0.3', '2026-10-01'],
      ['unallocated', '7.1', '2026-10-01'],
      ['atlas', '0', '2026-10-02'],
      ['atlas', '-2.22', '2026-10-02'],
    ]);
    expect(new Set(costs.map((c) => c.sourceId)).size).toBe(5);
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]).toMatchObject({ reason: 'invalid-date', position: 'page 2 row 3' });
    expect(result.notes.join(' ')).toContain('case-insensitively');
  });

  it('honours a configured precision', async () => {
    const page = {
      properties: {
        columns: [{ name: 'PreTaxCost' }, { name: 'UsageDate' }, { name: 'Currency' }],
        rows: [[1.23456789, 20261003, 'USD']],
      },
    };
    const result = await normalizeFile('azure-cost', new TextEncoder().encode(JSON.stringify(page)), {
      precision: 2,
      projectRef: 'x',
    });
    expect(result.records[0]).toMatchObject({ amount: '1.23', projectRef: 'unallocated', currency: 'USD' });
  });
});

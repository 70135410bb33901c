import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import { ExactDecimal } from '#connectors/values.ts';
import type { CostRecord } from '#domain/records.ts';
import { fixture, fixtureJson } from './helpers.ts';

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

describe('azure cost management: granularity and real responses', () => {
  const sum = (records: unknown[]) =>
    (records as CostRecord[]).reduce((s, r) => s.plus(r.amount), new ExactDecimal(0)).toFixed();

  it('dates a granularity None response (no date column) by the query period and groups by its dimension', async () => {
    const bytes = fixture('real/azure-cost/billing-account-query-granularity-none.json');
    const result = await normalizeFile('azure-cost', bytes, { periodStart: '2026-10-01' });
    const costs = result.records as CostRecord[];
    expect(costs.map((c) => [c.projectRef, c.amount, c.currency, c.date])).toEqual([
      ['japanunifia-trial', '19.545364', 'USD', '2026-10-01'],
      ['rviiot-trial', '173.419792', 'USD', '2026-10-01'],
      ['vstshol-1595322048000', '20.359417', 'USD', '2026-10-01'],
    ]);
    // By hand: 19.545364 + 173.419792 + 20.359417 = 213.324573 (each rounded half-even to 6 places).
    expect(sum(costs)).toBe('213.324573');
    expect(result.notes.join('\n')).toContain('no date column (granularity None); rows are dated 2026-10-01');
  });

  it('names the option, not a missing column, when a granularity None response has no period to date it', async () => {
    const bytes = fixture('real/azure-cost/billing-account-query-granularity-none.json');
    const result = await normalizeFile('azure-cost', bytes, {});
    expect(result.records).toEqual([]);
    expect(result.quarantined).toHaveLength(3);
    expect(result.quarantined[0]?.message).toContain('set the option periodStart');
    expect(result.quarantined[0]?.message).not.toContain('UsageDate');
  });

  it('reads the documented daily example: four resource groups on 2018-03-31', async () => {
    const result = await normalizeFile(
      'azure-cost',
      fixture('real/azure-cost/mca-customer-query-daily.json'),
      {
        projectMap: { 'rviiot-trial': 'rviiot' },
      },
    );
    const costs = result.records as CostRecord[];
    expect(costs.map((c) => [c.projectRef, c.date])).toEqual([
      ['japanunifia-trial', '2018-03-31'],
      ['rviiot', '2018-03-31'],
      ['vstshol-1595322048000', '2018-03-31'],
      ['gs-stms-dev', '2018-03-31'],
    ]);
    // 19.545364 + 173.419792 + 20.359417 + 0.166777 = 213.49135
    expect(sum(costs)).toBe('213.49135');
  });

  it('reads Monthly responses by BillingMonth', async () => {
    const page = {
      properties: {
        columns: [
          { name: 'Cost', type: 'Number' },
          { name: 'BillingMonth', type: 'Datetime' },
          { name: 'TagKey', type: 'String' },
          { name: 'TagValue', type: 'String' },
          { name: 'Currency', type: 'String' },
        ],
        rows: [
          [14926.67, '2026-09-01T00:00:00', 'project', 'atlas', 'EUR'],
          [812.5, '2026-10-01T00:00:00', 'project', 'atlas', 'EUR'],
          [3, 'not a month', 'project', 'atlas', 'EUR'],
        ],
      },
    };
    const result = await normalizeFile('azure-cost', new TextEncoder().encode(JSON.stringify(page)), {});
    expect((result.records as CostRecord[]).map((c) => [c.date, c.amount])).toEqual([
      ['2026-09-01', '14926.67'],
      ['2026-10-01', '812.5'],
    ]);
    expect(result.quarantined[0]?.message).toContain('field `billingmonth` is not a date');
  });
});

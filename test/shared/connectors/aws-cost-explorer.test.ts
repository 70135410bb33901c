import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import { ExactDecimal } from '#connectors/values.ts';
import type { CostRecord } from '#domain/records.ts';
import { demoFile, fixture, fixtureJson } from './helpers.ts';

describe('aws cost explorer', () => {
  it('keeps many-decimal amounts exactly, credits negative, untagged cost as unallocated, overlaps once', async () => {
    const bytes = new TextEncoder().encode(
      JSON.stringify([
        fixtureJson('aws-cost-explorer/get-cost-and-usage-page-1.json'),
        fixtureJson('aws-cost-explorer/get-cost-and-usage-page-2.json'),
      ]),
    );
    const result = await normalizeFile('aws-cost-explorer', bytes, {
      tagKey: 'project',
      tagValue: 'atlas',
      projectRef: 'atlas',
    });
    const costs = result.records as CostRecord[];
    expect(costs.map((c) => [c.projectRef, c.amount, c.date])).toEqual([
      ['unallocated', '3.1415926535', '2026-10-01'],
      ['atlas', '61.4405884133', '2026-10-01'],
      ['helios', '12.0000000001', '2026-10-01'],
      ['atlas', '-25', '2026-10-02'],
      ['unallocated', '0.0000000049', '2026-10-02'],
    ]);
    expect(costs.every((c) => c.category === 'cloud' && c.currency === 'USD')).toBe(true);
    expect(result.duplicates).toBe(1);
    const notes = result.notes.join('\n');
    expect(notes).toContain('NetAmortizedCost');
    expect(notes).toContain('unallocated');
    expect(notes).toContain('estimated');
  });

  it('normalises the demo response grouped by tag and record type', async () => {
    const result = await normalizeFile('aws-cost-explorer', demoFile('cost-explorer-2026-10.json'), {
      tagValue: 'atlas',
      projectRef: 'atlas',
    });
    const costs = result.records as CostRecord[];
    expect(costs).toHaveLength(4);
    expect(costs.filter((c) => c.projectRef === 'atlas').map((c) => c.amount)).toEqual([
      '1843.2176543219',
      '-150',
      '0.0000004201',
    ]);
    expect(costs.find((c) => c.projectRef === 'unallocated')?.description).toContain('untagged');
  });

  const unblendedOnly = new TextEncoder().encode(
    JSON.stringify({
      ResultsByTime: [
        {
          TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
          Groups: [{ Keys: ['project$atlas'], Metrics: { UnblendedCost: { Amount: '1.25', Unit: 'USD' } } }],
        },
      ],
    }),
  );

  it('quarantines a group without the configured metric and lists the metrics it has', async () => {
    const result = await normalizeFile('aws-cost-explorer', unblendedOnly, { metric: 'NetAmortizedCost' });
    expect(result.records).toEqual([]);
    expect(result.quarantined[0]).toMatchObject({ reason: 'missing-metric', position: 'period 1 group 1' });
    expect(result.quarantined[0]?.message).toContain('present: UnblendedCost');
  });

  it('uses the only cost metric of a response when none is configured, and says so', async () => {
    const result = await normalizeFile('aws-cost-explorer', unblendedOnly, {});
    expect(result.records).toMatchObject([{ amount: '1.25', currency: 'USD', projectRef: 'atlas' }]);
    expect(result.notes.join('\n')).toContain(
      'amounts are UnblendedCost (the only cost metric in the response)',
    );
  });

  it('refuses to pick among several cost metrics without NetAmortizedCost', async () => {
    const page = {
      ResultsByTime: [
        {
          TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
          Groups: [
            {
              Keys: ['project$atlas'],
              Metrics: {
                BlendedCost: { Amount: '2', Unit: 'USD' },
                UnblendedCost: { Amount: '3', Unit: 'USD' },
                UsageQuantity: { Amount: '40', Unit: 'N/A' },
              },
            },
          ],
        },
      ],
    };
    const bytes = new TextEncoder().encode(JSON.stringify(page));
    const refused = await normalizeFile('aws-cost-explorer', bytes, {});
    expect(refused.quarantined[0]?.message).toContain(
      'several cost metrics and no NetAmortizedCost (present: BlendedCost, UnblendedCost, UsageQuantity); choose one with the option metric',
    );
    const chosen = await normalizeFile('aws-cost-explorer', bytes, { metric: 'BlendedCost' });
    expect(chosen.records).toMatchObject([{ amount: '2' }]);
    expect(chosen.notes.join('\n')).toContain('amounts are BlendedCost (option metric)');
  });
});

describe('aws cost explorer on the AWS CLI documentation example', () => {
  const example = fixture('real/aws-cost-explorer/cli-example-s3-by-environment-tag.json');

  it('refuses to choose between BlendedCost and UnblendedCost by itself', async () => {
    const result = await normalizeFile('aws-cost-explorer', example, {});
    expect(result.records).toEqual([]);
    expect(result.quarantined).toHaveLength(2);
    expect(result.quarantined[0]?.message).toContain('present: BlendedCost, UnblendedCost, UsageQuantity');
  });

  it('reads UnblendedCost when told, untagged S3 cost as unallocated', async () => {
    const result = await normalizeFile('aws-cost-explorer', example, { metric: 'UnblendedCost' });
    const costs = result.records as CostRecord[];
    expect(costs.map((c) => [c.projectRef, c.amount, c.currency, c.date])).toEqual([
      ['unallocated', '40.3543773134', 'USD', '2017-09-01'],
      ['Dev', '0.2682364644', 'USD', '2017-09-01'],
    ]);
    // By hand: 40.3543773134 + 0.2682364644 = 40.6226137778 USD for September 2017.
    expect(costs.reduce((s, c) => s.plus(c.amount), new ExactDecimal(0)).toFixed()).toBe('40.6226137778');
    expect(costs[1]?.description).toBe('UnblendedCost, tag Environment=Dev (Amazon Simple Storage Service)');
  });
});

describe('aws cost explorer on a real monthly response grouped by service (Cloudscape sample data)', () => {
  const example = fixture('real/aws-cost-explorer/cloudscape-line-chart-by-service-april-2023.json');

  it('reads the only metric (UnblendedCost) by itself and keeps every service untagged', async () => {
    const result = await normalizeFile('aws-cost-explorer', example, {});
    const costs = result.records as CostRecord[];
    expect(costs).toHaveLength(23);
    expect(result.quarantined).toEqual([]);
    expect(costs.every((c) => c.projectRef === 'unallocated' && c.date === '2023-04-01')).toBe(true);
    expect(costs.find((c) => c.description?.includes('(Amazon Glacier)'))?.amount).toBe('0.0000000282');
    // By hand, the 14 non-zero services of April 2023: 0.0051256592 + 39.017 + 39.4826997565
    // + 10.8889929342 + 7.895000056 + 25.4815619153 + 0.000001728 + 0.0000000282 + 10.0038422
    // + 0.500006 + 56.0322111501 + 9.7199522791 + 0.001513 + 6.42 = 205.4479067066 USD.
    expect(costs.reduce((s, c) => s.plus(c.amount), new ExactDecimal(0)).toFixed()).toBe('205.4479067066');
    const notes = result.notes.join('\n');
    expect(notes).toContain('amounts are UnblendedCost (the only cost metric in the response)');
    expect(notes).toContain('23 untagged cost group(s) kept as projectRef "unallocated"');
  });
});

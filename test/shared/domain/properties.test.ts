import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeStatement } from '#domain/compute.ts';
import { toMinor } from '#domain/money.ts';
import type { SettlementRecord } from '#domain/records.ts';
import { serializeStatement } from '#domain/statement.ts';
import { charterWith, cost, evidence, time } from './fixtures.ts';

const charter = charterWith({
  rateCards: [
    { role: 'engineer', currency: 'EUR', costRate: '61.37', billRate: '99.99', effectiveFrom: '2026-01-01' },
    { role: 'engineer', currency: 'EUR', costRate: '64.11', billRate: '104.50', effectiveFrom: '2026-10-16' },
    { role: 'designer', currency: 'USD', costRate: '55.55', billRate: '91.10', effectiveFrom: '2026-01-01' },
  ],
  people: [
    { id: 'a', role: 'engineer' },
    { id: 'b', role: 'engineer' },
    { id: 'c', role: 'designer' },
  ],
  fxRates: [
    { from: 'USD', to: 'EUR', rate: '0.9173', date: '2026-09-01' },
    { from: 'USD', to: 'EUR', rate: '0.9251', date: '2026-10-12' },
  ],
  indirect: [{ id: 'oh', name: 'Overheads', pool: { source: 'category' }, base: 'hours', over: 'role' }],
  milestones: [
    { id: 'm1', name: 'One', plannedStart: '2026-10-01', plannedEnd: '2026-10-20', plannedValue: '20000' },
    { id: 'm2', name: 'Two', plannedStart: '2026-10-21', plannedEnd: '2026-12-20', plannedValue: '40000' },
  ],
  budget: {
    lines: [
      { role: 'engineer', amount: '5000' },
      { category: 'cloud', amount: '300' },
      { category: 'labour', amount: '9000' },
    ],
  },
  contract: { type: 'time-and-materials', retentionPercent: 7.5 },
});

const day = fc.integer({ min: 1, max: 31 }).map((d) => `2026-10-${String(d).padStart(2, '0')}`);
const timeArb = fc
  .record({
    person: fc.constantFrom('a', 'b', 'c'),
    date: day,
    seconds: fc.integer({ min: 0, max: 36_000 }),
    billable: fc.boolean(),
    cut: fc.integer({ min: 0, max: 3600 }),
  })
  .map(({ person, date, seconds, billable, cut }) =>
    time(person, `${date}T08:00:00+02:00`, seconds, {
      billable,
      billableSeconds: Math.max(0, seconds - cut),
    }),
  );
const costArb = fc
  .record({
    category: fc.constantFrom('cloud', 'materials', 'indirect', 'outsourcing', 'other' as const),
    cents: fc.integer({ min: -50_000, max: 5_000_000 }),
    extra: fc.integer({ min: 0, max: 9999 }),
    currency: fc.constantFrom('EUR', 'USD'),
    date: day,
    vendor: fc.constantFrom('V1', 'V2', 'V3'),
    commitment: fc.boolean(),
  })
  .map(({ category, cents, extra, currency, date, vendor, commitment }) =>
    cost(category, `${(cents / 100).toFixed(2)}${String(extra).padStart(4, '0')}`, date, {
      currency,
      vendor,
      commitment,
    }),
  );
const evidenceArb = day.map((d) => evidence('acceptance', 'm1', d, `ACC-${d}`));
const recordsArb = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: timeArb },
    { weight: 3, arbitrary: costArb },
    { weight: 1, arbitrary: evidenceArb },
  ),
  {
    maxLength: 60,
  },
);

function run(records: Iterable<SettlementRecord>) {
  return computeStatement({
    charter,
    records,
    period: '2026-10',
    asOf: '2026-10-31',
    revision: 0,
    quarantine: [
      { source: 'toggl', reason: 'running-timer', count: 2 },
      { source: 'csv', reason: 'invalid-amount', count: 1 },
    ],
    inputsHash: { records: 'sha256:x', charter: 'sha256:y' },
  });
}

function permute<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i % Math.max(1, keys.length)] ?? 0, i }))
    .sort((x, y) => x.key - y.key || y.i - x.i)
    .map((x) => x.item);
}

describe('statement invariants (property)', () => {
  it('totals equal the sum of their lines', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const s = run(records);
        const sum = (xs: { amount: { amount: string; currency: string } }[]) =>
          xs.reduce((t, x) => t + toMinor(x.amount), 0n);
        expect(sum(s.lines)).toBe(toMinor(s.totals.cost));
        expect(Object.values(s.totals.byCategory).reduce((t, m) => t + toMinor(m), 0n)).toBe(
          toMinor(s.totals.cost),
        );
        expect(sum(s.commitments)).toBe(toMinor(s.totals.commitments));
        expect(sum(s.billing.lines)).toBe(toMinor(s.billing.net));
        expect(toMinor(s.billing.gross) + toMinor(s.billing.retention) + toMinor(s.billing.adjustments)).toBe(
          toMinor(s.billing.net),
        );
        for (const a of s.allocations)
          expect(a.parts.reduce((t, p) => t + toMinor(p.amount), 0n)).toBe(toMinor(a.pool));
      }),
    );
  });

  it('does not depend on the order of the records', () => {
    fc.assert(
      fc.property(recordsArb, fc.array(fc.integer()), (records, keys) => {
        expect(serializeStatement(run(permute(records, keys)))).toBe(serializeStatement(run(records)));
      }),
    );
  });

  it('gives the same bytes when computed twice', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const once = serializeStatement(run(records));
        expect(serializeStatement(run(records))).toBe(once);
        expect(once.endsWith('\n')).toBe(true);
      }),
    );
  });

  it('states every statement amount in the charter currency (foreign amounts only as originals and rates)', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const walk = (value: unknown, key: string): void => {
          if (Array.isArray(value)) {
            for (const v of value) walk(v, key);
          } else if (value !== null && typeof value === 'object') {
            const o = value as Record<string, unknown>;
            if (
              typeof o.amount === 'string' &&
              typeof o.currency === 'string' &&
              key !== 'original' &&
              key !== 'rate'
            ) {
              expect(o.currency).toBe('EUR');
            }
            for (const [k, v] of Object.entries(o)) walk(v, k);
          }
        };
        walk(run(records), '');
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateLargestRemainder, UNALLOCATED } from '#domain/allocation.ts';

describe('largest-remainder allocation', () => {
  it('gives the odd cent to the largest remainder, ties broken by key', () => {
    // 100 cents over three equal weights: 33.33… each; one cent left, to the first key.
    expect(
      allocateLargestRemainder(100n, [
        { key: 'c', weight: 1n },
        { key: 'a', weight: 1n },
        { key: 'b', weight: 1n },
      ]).map((p) => [p.key, p.amount]),
    ).toEqual([
      ['a', 34n],
      ['b', 33n],
      ['c', 33n],
    ]);
  });

  it('splits 1000.00 by hours 2 : 3 : 5 exactly', () => {
    const parts = allocateLargestRemainder(100_000n, [
      { key: 'designer', weight: 7200n },
      { key: 'engineer', weight: 10800n },
      { key: 'pm', weight: 18000n },
    ]);
    expect(parts.map((p) => p.amount)).toEqual([20_000n, 30_000n, 50_000n]);
  });

  it('splits a negative pool (a credit) the same way, negated', () => {
    const parts = allocateLargestRemainder(-100n, [
      { key: 'a', weight: 2n },
      { key: 'b', weight: 1n },
    ]);
    // exact: -66.67 / -33.33 → -67 / -33
    expect(parts.map((p) => p.amount)).toEqual([-67n, -33n]);
  });

  it('puts the whole pool on the fallback when every weight is zero', () => {
    expect(allocateLargestRemainder(500n, [{ key: 'a', weight: 0n }])).toEqual([
      { key: UNALLOCATED, weight: 0n, amount: 500n },
    ]);
  });

  it('always sums exactly to the pool, each part within one minor unit of its share (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.uniqueArray(
          fc.record({
            key: fc.string({ minLength: 1, maxLength: 6 }),
            weight: fc.bigInt({ min: 0n, max: 10n ** 9n }),
          }),
          {
            minLength: 1,
            maxLength: 20,
            selector: (w) => w.key,
          },
        ),
        (pool, weights) => {
          const parts = allocateLargestRemainder(pool, weights);
          expect(parts.reduce((s, p) => s + p.amount, 0n)).toBe(pool);
          const total = weights.reduce((s, w) => s + w.weight, 0n);
          if (total > 0n) {
            for (const p of parts) {
              const exactTimesTotal = pool * p.weight;
              const diff = p.amount * total - exactTimesTotal;
              expect(diff < 0n ? -diff : diff).toBeLessThan(total);
            }
          }
        },
      ),
    );
  });
});

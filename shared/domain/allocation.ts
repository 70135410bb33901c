/**
 * Largest-remainder allocation (indirect costs allocated by a stated base).
 *
 * The pool (integer minor units) is split in proportion to integer weights (seconds, heads,
 * minor units of direct cost). Each part first gets floor(pool × w / W); the minor units left
 * over go one each to the parts with the largest remainders (ties: the larger weight, then the
 * key in code-point order). The parts therefore always sum exactly to the pool, and no part
 * differs from its exact share by one minor unit or more. A negative pool is split as its
 * absolute value and negated. When every weight is zero the whole pool goes to `fallbackKey`.
 */

export interface AllocationWeight {
  readonly key: string;
  /** Non-negative integer weight. */
  readonly weight: bigint;
}

export interface AllocationPart {
  readonly key: string;
  readonly weight: bigint;
  readonly amount: bigint;
}

export const UNALLOCATED = '(unallocated)';

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Splits `pool` minor units over the weights; the parts sum to `pool` exactly. Sorted by key. */
export function allocateLargestRemainder(
  pool: bigint,
  weights: readonly AllocationWeight[],
  fallbackKey = UNALLOCATED,
): AllocationPart[] {
  for (const w of weights) {
    if (w.weight < 0n) throw new RangeError(`allocation weight for "${w.key}" is negative`);
  }
  const sorted = [...weights].sort((a, b) => compareKeys(a.key, b.key));
  const total = sorted.reduce((sum, w) => sum + w.weight, 0n);
  if (total === 0n) return [{ key: fallbackKey, weight: 0n, amount: pool }];
  const negative = pool < 0n;
  const abs = negative ? -pool : pool;
  const parts = sorted.map((w) => ({
    key: w.key,
    weight: w.weight,
    amount: (abs * w.weight) / total,
    remainder: (abs * w.weight) % total,
  }));
  let left = abs - parts.reduce((sum, p) => sum + p.amount, 0n);
  const order = [...parts].sort(
    (a, b) =>
      (a.remainder > b.remainder ? -1 : a.remainder < b.remainder ? 1 : 0) ||
      (a.weight > b.weight ? -1 : a.weight < b.weight ? 1 : 0) ||
      compareKeys(a.key, b.key),
  );
  for (const part of order) {
    if (left === 0n) break;
    part.amount += 1n;
    left -= 1n;
  }
  return parts.map((p) => ({ key: p.key, weight: p.weight, amount: negative ? -p.amount : p.amount }));
}

import type { Decimal } from 'decimal.js';
import { allocateLargestRemainder } from './allocation.ts';
import type { Charter, IndirectRule } from './charter.ts';
import { Dec, findFxRate, money, moneyFromMinor, roundToMinor } from './money.ts';
import { CostCategory, type CostRecord } from './records.ts';
import type { Allocation, CategoryTotals, CostLine } from './statement.ts';
import { sortBy } from './statement.ts';

/**
 * Cost accounting. Records are folded into buckets as they stream in; nothing
 * is priced per record:
 * - time entries → integer seconds per (person, role, work package, cost-rate entry, bill-rate
 *   entry, billable). A rate change mid-period simply yields two buckets, one per rate entry.
 * - cost records → exact decimal sums per (category, vendor, work package, currency, exchange
 *   rate entry, commitment, unit); one conversion per bucket.
 * Pricing then produces one line per (person, role, work package, cost rate) and per (category,
 * vendor, work package), each rounded once (money.ts ROUNDING_RULE). Purchase orders with
 * `commitment: true` become commitment lines, never cost. Indirect pools are allocated with the
 * largest-remainder method, so the allocated lines sum exactly to the pool.
 */

export interface LabourBucket {
  readonly person: string;
  readonly role: string;
  readonly workPackage: string | undefined;
  /** Rate card index of the cost rate (−1: none). */
  readonly cost: number;
  /** Rate card index of the bill rate (−1: none). */
  readonly bill: number;
  readonly billable: boolean;
  seconds: number;
  billableSeconds: number;
}

export interface CostBucket {
  readonly category: CostCategory;
  readonly vendor: string;
  readonly workPackage: string | undefined;
  readonly currency: string;
  readonly commitment: boolean;
  readonly unit: string | undefined;
  /** From a source whose documents are already in the books (see the charter's `accounting.bookedSources`). */
  readonly booked: boolean;
  /** Exchange-rate factor into the charter currency (1 for the charter currency). */
  readonly factor: Decimal;
  /** The charter's fxRates index of that factor (−1: the charter currency). */
  readonly fxIndex: number;
  sourceAmount: Decimal;
  quantity: Decimal | undefined;
  records: number;
}

export interface CostAccumulator {
  readonly labour: Map<string, LabourBucket>;
  readonly costs: Map<string, CostBucket>;
}

export function createCostAccumulator(): CostAccumulator {
  return { labour: new Map(), costs: new Map() };
}

export interface TimeContribution {
  readonly person: string;
  readonly role: string;
  readonly workPackage: string | undefined;
  readonly cost: number;
  readonly bill: number;
  readonly billable: boolean;
  readonly seconds: number;
  readonly billableSeconds: number;
}

const SEP = '\u001f';

/**
 * The labour bucket of (person, role, work package, cost rate, bill rate, billable), created
 * empty on first use. The statement builder keeps the returned bucket and adds to it directly.
 */
export function labourBucket(
  acc: CostAccumulator,
  person: string,
  role: string,
  workPackage: string | undefined,
  cost: number,
  bill: number,
  billable: boolean,
): LabourBucket {
  const key = `${person}${SEP}${role}${SEP}${workPackage ?? ''}${SEP}${cost}${SEP}${bill}${SEP}${billable ? 1 : 0}`;
  let bucket = acc.labour.get(key);
  if (!bucket) {
    bucket = { person, role, workPackage, cost, bill, billable, seconds: 0, billableSeconds: 0 };
    acc.labour.set(key, bucket);
  }
  return bucket;
}

/** Adds a time entry's integer seconds to its bucket. */
export function addTime(acc: CostAccumulator, t: TimeContribution): void {
  const bucket = labourBucket(acc, t.person, t.role, t.workPackage, t.cost, t.bill, t.billable);
  bucket.seconds += t.seconds;
  bucket.billableSeconds += t.billable ? t.billableSeconds : 0;
}

/** What the engine reads of a cost record. */
export type CostFacts = Pick<
  CostRecord,
  | 'source'
  | 'category'
  | 'vendor'
  | 'workPackage'
  | 'currency'
  | 'commitment'
  | 'unit'
  | 'amount'
  | 'quantity'
>;

function costBucketKey(
  b: {
    readonly category: string;
    readonly vendor: string;
    readonly workPackage?: string | undefined;
    readonly currency: string;
    readonly commitment?: boolean | undefined;
    readonly unit?: string | undefined;
  },
  fxIndex: number,
  booked: boolean,
): string {
  return [
    b.category,
    b.vendor,
    b.workPackage ?? '',
    b.currency,
    fxIndex,
    b.commitment ? 1 : 0,
    b.unit ?? '',
    booked ? 1 : 0,
  ].join(SEP);
}

/**
 * Adds a cost record's exact amount to its bucket; `fx` is the rate entry for its date, `booked`
 * whether its source's documents are already in the books.
 */
export function addCost(
  acc: CostAccumulator,
  record: CostFacts,
  fx: { index: number; factor: Decimal },
  booked = false,
): void {
  const commitment = record.commitment === true;
  const key = costBucketKey(record, fx.index, booked);
  const bucket = acc.costs.get(key);
  const quantity = record.quantity === undefined ? undefined : new Dec(record.quantity);
  if (bucket) {
    bucket.sourceAmount = bucket.sourceAmount.add(record.amount);
    if (quantity) bucket.quantity = (bucket.quantity ?? new Dec(0)).add(quantity);
    bucket.records += 1;
  } else {
    acc.costs.set(key, {
      category: record.category,
      vendor: record.vendor,
      workPackage: record.workPackage,
      currency: record.currency,
      commitment,
      unit: record.unit,
      booked,
      factor: fx.factor,
      fxIndex: fx.index,
      sourceAmount: new Dec(record.amount),
      quantity,
      records: 1,
    });
  }
}

/**
 * An accumulator as plain data (decimals as exact strings), so that accumulators filled in
 * separate threads can be merged into one: seconds add as integers and amounts as exact decimals,
 * so the merged accumulator is the one a single pass over all records would have built.
 */
export interface AccumulatorPart {
  readonly labour: ReadonlyArray<LabourBucket>;
  readonly costs: ReadonlyArray<
    Omit<CostBucket, 'factor' | 'sourceAmount' | 'quantity'> & {
      readonly factor: string;
      readonly sourceAmount: string;
      readonly quantity: string | undefined;
    }
  >;
}

export function exportAccumulator(acc: CostAccumulator): AccumulatorPart {
  return {
    labour: [...acc.labour.values()].map((b) => ({ ...b })),
    costs: [...acc.costs.values()].map((b) => ({
      ...b,
      factor: b.factor.toString(),
      sourceAmount: b.sourceAmount.toString(),
      quantity: b.quantity?.toString(),
    })),
  };
}

/** Adds an exported accumulator's buckets into `acc` (exact; see AccumulatorPart). */
export function absorbAccumulator(acc: CostAccumulator, part: AccumulatorPart): void {
  for (const b of part.labour) {
    const bucket = labourBucket(acc, b.person, b.role, b.workPackage, b.cost, b.bill, b.billable);
    bucket.seconds += b.seconds;
    bucket.billableSeconds += b.billableSeconds;
  }
  for (const b of part.costs) {
    const key = costBucketKey(b, b.fxIndex, b.booked);
    const bucket = acc.costs.get(key);
    const quantity = b.quantity === undefined ? undefined : new Dec(b.quantity);
    if (bucket) {
      bucket.sourceAmount = bucket.sourceAmount.add(b.sourceAmount);
      if (quantity) bucket.quantity = (bucket.quantity ?? new Dec(0)).add(quantity);
      bucket.records += b.records;
    } else {
      acc.costs.set(key, {
        ...b,
        factor: new Dec(b.factor),
        sourceAmount: new Dec(b.sourceAmount),
        quantity,
      });
    }
  }
}

export interface PricedCosts {
  readonly lines: CostLine[];
  readonly commitments: CostLine[];
  readonly allocations: Allocation[];
  readonly byCategory: CategoryTotals;
  /** Σ lines, minor units. */
  readonly total: bigint;
  readonly commitmentTotal: bigint;
  readonly workedSeconds: number;
  readonly billableSeconds: number;
}

export const CATEGORIES: readonly CostCategory[] = CostCategory.options;

const NONE = '(none)';

function claimingRule(rules: readonly IndirectRule[], bucket: CostBucket): IndirectRule | undefined {
  if (bucket.commitment) return undefined;
  return rules.find(
    (r) =>
      r.pool.source === 'category' &&
      r.pool.category === bucket.category &&
      (r.pool.vendors === undefined || r.pool.vendors.includes(bucket.vendor)),
  );
}

/**
 * Prices the accumulated buckets into statement lines (charter currency). Labour in another
 * currency is converted at the rate on `fxDate` (the statement's last day); cost records at the
 * rate of their own date (already chosen per bucket).
 */
export function priceCosts(
  acc: CostAccumulator,
  charter: Pick<Charter, 'rateCards' | 'currency' | 'fxRates' | 'indirect'>,
  fxDate: string,
): PricedCosts {
  const currency = charter.currency;
  const lines: CostLine[] = [];
  const commitments: CostLine[] = [];
  let workedSeconds = 0;
  let billableSeconds = 0;

  // Labour: integer seconds per (person, role, work package, cost rate), priced once.
  const labour = new Map<
    string,
    { person: string; role: string; workPackage: string | undefined; cost: number; seconds: number }
  >();
  for (const b of acc.labour.values()) {
    workedSeconds += b.seconds;
    billableSeconds += b.billableSeconds;
    const key = [b.role, b.person, b.workPackage ?? '', b.cost].join(SEP);
    const group = labour.get(key);
    if (group) group.seconds += b.seconds;
    else
      labour.set(key, {
        person: b.person,
        role: b.role,
        workPackage: b.workPackage,
        cost: b.cost,
        seconds: b.seconds,
      });
  }
  for (const g of labour.values()) {
    const entry = charter.rateCards[g.cost];
    const base = {
      category: 'labour' as const,
      role: g.role,
      person: g.person,
      ...(g.workPackage === undefined ? {} : { workPackage: g.workPackage }),
      seconds: g.seconds,
    };
    if (!entry) {
      lines.push({
        ...base,
        id: `labour|${g.role}|${g.person}|${g.workPackage ?? ''}|no-rate`,
        description: `${g.person} as ${g.role}: no cost rate`,
        missingRate: true,
        amount: moneyFromMinor(0n, currency),
      });
      continue;
    }
    const exactInRateCurrency = new Dec(g.seconds).mul(entry.costRate).div(3600);
    const factor = findFxRate(charter.fxRates, entry.currency, currency, fxDate).factor;
    lines.push({
      ...base,
      id: `labour|${g.role}|${g.person}|${g.workPackage ?? ''}|${entry.effectiveFrom}|${g.cost}`,
      description: `${g.person} as ${g.role} at ${entry.costRate} ${entry.currency}/h from ${entry.effectiveFrom}`,
      rate: { amount: entry.costRate, currency: entry.currency },
      rateEffectiveFrom: entry.effectiveFrom,
      ...(entry.currency === currency ? {} : { original: [money(exactInRateCurrency, entry.currency)] }),
      amount: moneyFromMinor(roundToMinor(exactInRateCurrency.mul(factor), currency), currency),
    });
  }

  // Cost records: exact sums per (category, vendor, work package, commitment, unit), converted per bucket.
  const pooled = new Map<string, Decimal>();
  const grouped = new Map<
    string,
    {
      category: CostCategory;
      vendor: string;
      workPackage: string | undefined;
      commitment: boolean;
      unit: string | undefined;
      exact: Decimal;
      /** The part of `exact` from booked sources (undefined: none). */
      booked: Decimal | undefined;
      original: Map<string, Decimal>;
      quantity: Decimal | undefined;
      records: number;
    }
  >();
  for (const b of acc.costs.values()) {
    const converted = b.sourceAmount.mul(b.factor);
    const rule = claimingRule(charter.indirect, b);
    if (rule) {
      pooled.set(rule.id, (pooled.get(rule.id) ?? new Dec(0)).add(converted));
      continue;
    }
    const key = [b.category, b.vendor, b.workPackage ?? '', b.commitment ? 1 : 0, b.unit ?? ''].join(SEP);
    let g = grouped.get(key);
    if (!g) {
      g = {
        category: b.category,
        vendor: b.vendor,
        workPackage: b.workPackage,
        commitment: b.commitment,
        unit: b.unit,
        exact: new Dec(0),
        booked: undefined,
        original: new Map(),
        quantity: undefined,
        records: 0,
      };
      grouped.set(key, g);
    }
    g.exact = g.exact.add(converted);
    if (b.booked) g.booked = (g.booked ?? new Dec(0)).add(converted);
    if (b.currency !== currency)
      g.original.set(b.currency, (g.original.get(b.currency) ?? new Dec(0)).add(b.sourceAmount));
    if (b.quantity) g.quantity = (g.quantity ?? new Dec(0)).add(b.quantity);
    g.records += b.records;
  }
  for (const g of grouped.values()) {
    const original = sortBy([...g.original.entries()], ([c]) => c).map(([c, amount]) => money(amount, c));
    const line: CostLine = {
      id: `${g.commitment ? 'commitment|' : ''}${g.category}|${g.vendor}|${g.workPackage ?? ''}|${g.unit ?? ''}`,
      category: g.category,
      description: `${g.category} from ${g.vendor}${g.workPackage ? ` for ${g.workPackage}` : ''}${g.commitment ? ' (open purchase order)' : ''}`,
      vendor: g.vendor,
      ...(g.workPackage === undefined ? {} : { workPackage: g.workPackage }),
      ...(original.length > 0 ? { original } : {}),
      ...(g.quantity === undefined ? {} : { quantity: g.quantity.toString() }),
      ...(g.unit === undefined ? {} : { unit: g.unit }),
      records: g.records,
      amount: moneyFromMinor(roundToMinor(g.exact, currency), currency),
      ...(g.booked === undefined
        ? {}
        : { booked: moneyFromMinor(roundToMinor(g.booked, currency), currency) }),
    };
    (g.commitment ? commitments : lines).push(line);
  }

  // Indirect pools, allocated over the direct lines.
  const direct = [...lines];
  const allocations: Allocation[] = [];
  for (const rule of charter.indirect) {
    const poolMinor =
      rule.pool.source === 'fixed'
        ? roundToMinor(rule.pool.amount, currency)
        : roundToMinor(pooled.get(rule.id) ?? new Dec(0), currency);
    if (poolMinor === 0n) continue;
    const weights = new Map<string, bigint>();
    const heads = new Map<string, Set<string>>();
    for (const line of direct) {
      const target = rule.over === 'role' ? line.role : (line.workPackage ?? NONE);
      if (target === undefined) continue;
      if (rule.base === 'hours') {
        if (line.seconds !== undefined)
          weights.set(target, (weights.get(target) ?? 0n) + BigInt(line.seconds));
      } else if (rule.base === 'headcount') {
        if (line.person !== undefined) {
          const set = heads.get(target) ?? new Set<string>();
          set.add(line.person);
          heads.set(target, set);
        }
      } else {
        const minor = roundToMinor(line.amount.amount, currency);
        weights.set(target, (weights.get(target) ?? 0n) + (minor > 0n ? minor : 0n));
      }
    }
    for (const [target, set] of heads) weights.set(target, BigInt(set.size));
    const parts = allocateLargestRemainder(
      poolMinor,
      [...weights.entries()].map(([key, weight]) => ({ key, weight })),
    );
    allocations.push({
      rule: rule.id,
      name: rule.name,
      base: rule.base,
      over: rule.over,
      pool: moneyFromMinor(poolMinor, currency),
      parts: parts.map((p) => ({
        target: p.key,
        weight: p.weight.toString(),
        amount: moneyFromMinor(p.amount, currency),
      })),
    });
    for (const p of parts) {
      if (p.amount === 0n) continue;
      lines.push({
        id: `indirect|${rule.id}|${p.key}`,
        category: 'indirect',
        description: `${rule.name} allocated to ${rule.over} ${p.key} by ${rule.base}`,
        allocation: {
          rule: rule.id,
          base: rule.base,
          over: rule.over,
          target: p.key,
          weight: p.weight.toString(),
        },
        amount: moneyFromMinor(p.amount, currency),
      });
    }
  }
  // A pool whose rule produced no allocation (zero pool) contributes nothing; a pooled amount is
  // never dropped because a non-zero pool always allocates (to `(unallocated)` when weights are zero).

  const sums = new Map<CostCategory, bigint>();
  let total = 0n;
  for (const line of lines) {
    const minor = roundToMinor(line.amount.amount, currency);
    sums.set(line.category, (sums.get(line.category) ?? 0n) + minor);
    total += minor;
  }
  const commitmentTotal = commitments.reduce((s, l) => s + roundToMinor(l.amount.amount, currency), 0n);
  const byCategory = Object.fromEntries(
    CATEGORIES.map((c) => [c, moneyFromMinor(sums.get(c) ?? 0n, currency)]),
  ) as CategoryTotals;
  return {
    lines: sortBy(lines, (l) => l.id),
    commitments: sortBy(commitments, (l) => l.id),
    allocations: sortBy(allocations, (a) => a.rule),
    byCategory,
    total,
    commitmentTotal,
    workedSeconds,
    billableSeconds,
  };
}

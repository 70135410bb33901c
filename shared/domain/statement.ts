import { z } from 'zod';
import { ClauseCoverage } from './clauses/coverage.ts';
import { Money } from './money.ts';
import { CostCategory, IsoDate, SourceName } from './records.ts';

/**
 * The settlement statement: a canonical JSON document (source of truth). Every
 * array is sorted by a stable key when it is built, and `serializeStatement` writes object keys
 * in code-point order, so the same inputs give byte-identical output whatever the record order.
 * All amounts are in the charter currency unless a field says otherwise (`original`, `rate`).
 */

export const STATEMENT_SCHEMA_VERSION = 1;

export const CostLine = z.object({
  /** Stable id, unique in the statement (also the sort key). */
  id: z.string(),
  category: CostCategory,
  description: z.string(),
  role: z.string().optional(),
  person: z.string().optional(),
  workPackage: z.string().optional(),
  vendor: z.string().optional(),
  /** Labour: worked seconds (integer). */
  seconds: z.number().int().optional(),
  /** Labour: the hourly cost rate applied, in the rate card's currency. */
  rate: Money.optional(),
  rateEffectiveFrom: IsoDate.optional(),
  /** Source-currency amounts that were converted into this line (one per source currency). */
  original: z.array(Money).optional(),
  quantity: z.string().optional(),
  unit: z.string().optional(),
  /** Number of source records in the line. */
  records: z.number().int().optional(),
  /** Set on indirect lines: which rule, over what, by which base, with what weight. */
  allocation: z
    .object({ rule: z.string(), base: z.string(), over: z.string(), target: z.string(), weight: z.string() })
    .optional(),
  /** Labour with no cost rate on the rate card: priced at zero and failed by the `rates` check. */
  missingRate: z.boolean().optional(),
  amount: Money,
  /** The part of `amount` from sources whose documents are already in the books (accounts payable posted them). */
  booked: Money.optional(),
});
export type CostLine = z.infer<typeof CostLine>;

export const Allocation = z.object({
  rule: z.string(),
  name: z.string(),
  base: z.enum(['hours', 'headcount', 'direct-cost']),
  over: z.enum(['role', 'work-package']),
  pool: Money,
  parts: z.array(z.object({ target: z.string(), weight: z.string(), amount: Money })),
});
export type Allocation = z.infer<typeof Allocation>;

export const CategoryTotals = z.object({
  labour: Money,
  outsourcing: Money,
  materials: Money,
  equipment: Money,
  cloud: Money,
  indirect: Money,
  other: Money,
});
export type CategoryTotals = z.infer<typeof CategoryTotals>;

export const VarianceStatus = z.enum(['ok', 'warning', 'critical']);
export const VarianceRow = z.object({
  id: z.string(),
  /** Which keys the row compares, e.g. `category+workPackage`. */
  dimension: z.string(),
  keys: z.object({
    role: z.string().optional(),
    category: CostCategory.optional(),
    workPackage: z.string().optional(),
    supplier: z.string().optional(),
  }),
  budget: Money,
  actual: Money,
  /** actual − budget (positive = overrun). */
  variance: Money,
  /** variance / budget × 100, two decimals half-even; null when the budget is zero. */
  percent: z.string().nullable(),
  status: VarianceStatus,
  unbudgeted: z.boolean(),
});
export type VarianceRow = z.infer<typeof VarianceRow>;

export const VarianceCause = z.object({
  row: z.string(),
  status: VarianceStatus,
  message: z.string(),
  variance: Money,
  /** The largest contributors (vendors or people) to the row's actual cost. */
  drivers: z.array(z.object({ name: z.string(), amount: Money })),
});
export type VarianceCause = z.infer<typeof VarianceCause>;

export const Variance = z.object({
  /** `period`: the period's budget lines against the period's costs; `to-date`: project budget lines against costs up to as-of. */
  basis: z.enum(['period', 'to-date']),
  thresholds: z.object({ warningPercent: z.number(), criticalPercent: z.number() }),
  rows: z.array(VarianceRow),
  causes: z.array(VarianceCause),
});
export type Variance = z.infer<typeof Variance>;

export const EarnedValue = z.object({
  asOf: IsoDate,
  bac: Money,
  pv: Money,
  ev: Money,
  ac: Money,
  cv: Money,
  sv: Money,
  /** Indices as decimal strings with 4 decimals; null when the denominator is zero. */
  cpi: z.string().nullable(),
  spi: z.string().nullable(),
  eac: Money.nullable(),
  eacMethod: z.literal('bac/cpi'),
  eacAlternatives: z.object({
    /** AC + (BAC − EV): remaining work at budget rate. */
    atBudgetRate: Money,
    /** AC + (BAC − EV) / (CPI × SPI): remaining work under current cost and schedule performance. */
    cpiSpi: Money.nullable(),
  }),
  etc: Money.nullable(),
  vac: Money.nullable(),
  tcpi: z.string().nullable(),
  percentComplete: z.string().nullable(),
  forecastOverrunPercent: z.string().nullable(),
  earlyWarning: z.boolean(),
  warning: z.string().optional(),
  milestones: z.array(
    z.object({
      id: z.string(),
      plannedValue: Money,
      pv: Money,
      ev: Money,
      progress: z.string(),
      reached: IsoDate.nullable(),
    }),
  ),
});
export type EarnedValue = z.infer<typeof EarnedValue>;

export const BillingLine = z.object({
  id: z.string(),
  kind: z.enum([
    'time',
    'milestone',
    'retainer-fee',
    'retainer-overage',
    'retention',
    'adjustment',
    'write-off',
    'late-edit',
  ]),
  description: z.string(),
  person: z.string().optional(),
  role: z.string().optional(),
  /** Time lines: billable seconds (may differ from worked seconds). */
  billableSeconds: z.number().int().optional(),
  workedSeconds: z.number().int().optional(),
  rate: Money.optional(),
  milestone: z.string().optional(),
  reason: z.string().optional(),
  evidence: z.array(z.string()).optional(),
  missingRate: z.boolean().optional(),
  amount: Money,
});
export type BillingLine = z.infer<typeof BillingLine>;

export const Billing = z.object({
  contractType: z.enum(['fixed-price', 'time-and-materials', 'retainer']),
  lines: z.array(BillingLine),
  /** Σ time, milestone and retainer lines. */
  gross: Money,
  retention: Money,
  adjustments: Money,
  /** Σ all lines. */
  net: Money,
});
export type Billing = z.infer<typeof Billing>;

export const CheckStatus = z.enum(['pass', 'fail', 'pending', 'waived']);
export type CheckStatus = z.infer<typeof CheckStatus>;
export const ContractCheck = z.object({
  id: z.string(),
  title: z.string(),
  severity: z.enum(['blocking', 'warning']),
  status: CheckStatus,
  detail: z.string(),
  /** References to the evidence (document ids, URLs, file names, `tasks:<source>`). */
  evidence: z.array(z.string()),
  waiver: z.object({ by: z.string(), reason: z.string(), date: IsoDate }).optional(),
});
export type ContractCheck = z.infer<typeof ContractCheck>;

export const SupplierContractStatus = z.object({
  supplier: z.string(),
  reference: z.string().optional(),
  category: CostCategory,
  contractAmount: Money,
  invoicedToDate: Money,
  committed: Money,
  remaining: Money,
  exceeded: z.boolean(),
});
export type SupplierContractStatus = z.infer<typeof SupplierContractStatus>;

/** One record of a locked period that changed at the source after the lock. */
export const LateEditRecord = z.object({
  source: z.string(),
  sourceId: z.string(),
  kind: z.enum(['time', 'cost']),
  change: z.enum(['new', 'changed', 'removed']),
  /** The record's date (a time entry's calendar date). */
  date: IsoDate,
  /** What the record weighed as locked (absent for a new record): hours for time, the amount for cost. */
  before: z.object({ amount: z.string(), unit: z.string() }).optional(),
  /** What it weighs now (absent for a removed record). */
  after: z.object({ amount: z.string(), unit: z.string() }).optional(),
});
export type LateEditRecord = z.infer<typeof LateEditRecord>;

/** The late edits of one locked period, their effect on that period, and what was done with them. */
export const LateEditPeriod = z.object({
  period: z.string(),
  /** The locked revision the edits are measured against. */
  lockedRevision: z.number().int().nonnegative(),
  /**
   * `carried`: the differences are adjustment lines of this statement; `revision-proposed`: the nightly
   * run settles revision `lockedRevision + 1` of the period; `reported`: no rule, or nothing to settle.
   */
  action: z.enum(['carried', 'revision-proposed', 'reported']),
  records: z.array(LateEditRecord),
  /** The locked period recomputed with the edits minus recomputed without them. */
  billingDifference: Money,
  costDifference: Money,
  /** Per billing line of the locked period that changed. */
  billingLines: z.array(z.object({ id: z.string(), description: z.string(), difference: Money })),
  /** Per cost category that changed. */
  costCategories: z.array(z.object({ category: CostCategory, difference: Money })),
});
export type LateEditPeriod = z.infer<typeof LateEditPeriod>;

/** Figures compared at agreed contract prices (the amounts of a contract-price row or subtotal). */
const ContractPriceFigures = {
  /** Planned quantity × agreed unit price. */
  planned: Money,
  /** Actual quantity × agreed unit price. */
  atContractPrice: Money,
  /** What was actually charged. */
  actual: Money,
  /** actual − atContractPrice: paid above (+) or below (−) the agreed prices. */
  priceVariance: Money,
  /** atContractPrice − planned: more (+) or less (−) used than planned, at agreed prices. */
  quantityVariance: Money,
  /** actual − planned = price variance + quantity variance. */
  variance: Money,
  /** variance / planned × 100, two decimals half-even; null when nothing was planned. */
  percent: z.string().nullable(),
};

/** One contract item at one work package (site): planned and actual quantities at the agreed price. */
export const ContractPriceRow = z.object({
  supplier: z.string(),
  reference: z.string().optional(),
  item: z.string(),
  description: z.string(),
  unit: z.string(),
  workPackage: z.string().optional(),
  /** Agreed price per unit (charter currency, exact as written in the contract). */
  unitPrice: z.string(),
  /** Actual cost / actual quantity, 4 decimals half-even; null when nothing was delivered. */
  actualUnitPrice: z.string().nullable(),
  plannedQuantity: z.string(),
  actualQuantity: z.string(),
  ...ContractPriceFigures,
});
export type ContractPriceRow = z.infer<typeof ContractPriceRow>;

export const ContractPriceSubtotal = z.object({ key: z.string(), ...ContractPriceFigures });
export type ContractPriceSubtotal = z.infer<typeof ContractPriceSubtotal>;

/** Actual cost against supplier contract prices: per item and site, by site, by supplier. */
export const ContractPrices = z.object({
  rows: z.array(ContractPriceRow),
  bySite: z.array(ContractPriceSubtotal),
  bySupplier: z.array(ContractPriceSubtotal),
  total: ContractPriceSubtotal,
  /** Cost of a contract's supplier and category that matches no item (another unit, or no quantity). */
  unmatched: z.array(
    z.object({ supplier: z.string(), line: z.string(), unit: z.string().optional(), amount: Money }),
  ),
});
export type ContractPrices = z.infer<typeof ContractPrices>;

export const Statement = z.object({
  schemaVersion: z.literal(STATEMENT_SCHEMA_VERSION),
  kind: z.literal('settlement-statement'),
  projectId: z.string(),
  projectRef: z.string(),
  name: z.string(),
  currency: z.string(),
  counterparty: z.object({ type: z.string(), name: z.string() }),
  basis: z.string(),
  period: z.object({
    selector: z.string(),
    kind: z.enum(['month', 'milestone', 'final']),
    from: IsoDate,
    /** Exclusive. */
    to: IsoDate,
  }),
  asOf: IsoDate,
  revision: z.number().int().nonnegative(),
  totals: z.object({
    byCategory: CategoryTotals,
    /** Σ lines (actual cost of the period, indirect allocation included, commitments excluded). */
    cost: Money,
    /** Open purchase orders in the period: reported, not counted in cost. */
    commitments: Money,
    /** billing.net. */
    billing: Money,
    /** billing.net − cost. */
    margin: Money,
    /** The amount the approval chain is chosen by: billing.net for a client, cost otherwise. */
    settlementAmount: Money,
    /** Cost up to as-of (all records given, whatever the period): the AC of earned value. */
    costToDate: Money,
  }),
  hours: z.object({ workedSeconds: z.number().int(), billableSeconds: z.number().int() }),
  lines: z.array(CostLine),
  commitments: z.array(CostLine),
  allocations: z.array(Allocation),
  variance: Variance,
  evm: EarnedValue.nullable(),
  billing: Billing,
  checks: z.array(ContractCheck),
  supplierContracts: z.array(SupplierContractStatus),
  /** Actual cost against agreed unit prices, when a supplier contract lists items. */
  contractPrices: ContractPrices.optional(),
  /** Clause coverage, when the charter lists the contract's clauses. */
  clauses: z.array(ClauseCoverage).optional(),
  records: z.object({
    time: z.number().int(),
    cost: z.number().int(),
    task: z.number().int(),
    evidence: z.number().int(),
    /** Records of another projectRef: ignored. */
    otherProject: z.number().int(),
    /** Records outside the period window (still used for to-date figures when on or before as-of). */
    outsidePeriod: z.number().int(),
  }),
  quarantine: z.array(
    z.object({ source: z.union([SourceName, z.string()]), reason: z.string(), count: z.number().int() }),
  ),
  inputsHash: z.record(z.string(), z.string()),
  /** Records of locked periods that changed at the source after their lock, when there are any. */
  lateEdits: z.array(LateEditPeriod).optional(),
});
export type Statement = z.infer<typeof Statement>;

/** Code-point string comparison: locale-independent, so sorting is the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts by a string key (stable, code-point order). */
export function sortBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => compareStrings(key(a), key(b)));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(compareStrings)) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new RangeError('non-finite number in statement');
  if (typeof value === 'bigint') throw new TypeError('bigint in statement: format money as a string');
  return value;
}

/**
 * Canonical JSON of a statement: keys in code-point order at every level, undefined fields
 * dropped, two-space indentation, a trailing newline. Byte-identical for equal statements.
 */
export function serializeStatement(statement: Statement): string {
  return `${JSON.stringify(canonical(statement), null, 2)}\n`;
}

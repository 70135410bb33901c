import { z } from 'zod';
import {
  IsoDate as CalendarDate,
  CostCategory,
  CurrencyCode as Currency,
  DecimalString as Decimal,
} from '#domain/records.ts';

/**
 * The presentation model of a settlement statement: everything the HTML, PDF, CSV/XLSX and journal
 * renderers show, and nothing they would have to compute. The settlement engine's `Statement` is
 * mapped to this view at the edge (the renderers never import the engine), so the engine can evolve
 * without touching the renderers.
 *
 * Money: every amount is a decimal string in the view's `currency` (the engine converts and rounds
 * before mapping; the renderers never do arithmetic on floats). Ratios (CPI, SPI, TCPI, percentages)
 * are decimal strings too. Charts convert to `Number` for geometry only.
 */

// The primitives are the record model's: one definition of a decimal string, a currency code, a
// date and the cost categories across the product.
export {
  CostCategory,
  CurrencyCode as Currency,
  DecimalString as Decimal,
  IsoDate as CalendarDate,
} from '#domain/records.ts';

export const StatementLocale = z.enum(['en', 'zh-CN']);
export type StatementLocale = z.infer<typeof StatementLocale>;

export const StatementKind = z.enum(['statement', 'credit-note', 'debit-note']);
export type StatementKind = z.infer<typeof StatementKind>;

export const VarianceFlag = z.enum(['none', 'warning', 'critical']);
export type VarianceFlag = z.infer<typeof VarianceFlag>;

export const CheckStatus = z.enum(['pass', 'fail', 'waived']);
export type CheckStatus = z.infer<typeof CheckStatus>;

export const CheckSeverity = z.enum(['blocking', 'warning']);
export type CheckSeverity = z.infer<typeof CheckSeverity>;

export const ApprovalDecision = z.enum(['approved', 'rejected', 'delegated', 'escalated']);
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const BudgetActual = z.object({ budget: Decimal, actual: Decimal });

export const StatementLine = z.object({
  category: CostCategory,
  description: z.string().min(1),
  /** Labour lines: the role (rate-card role). */
  role: z.string().min(1).optional(),
  /** Hours, units, days… as a decimal string, with its unit. */
  quantity: Decimal.optional(),
  unit: z.string().min(1).optional(),
  unitRate: Decimal.optional(),
  amount: Decimal,
});
export type StatementLine = z.infer<typeof StatementLine>;

export const VarianceRow = z.object({
  /** What the row groups by: category, role, work package, site… */
  dimension: z.string().min(1),
  key: z.string().min(1),
  /** Every key the row compares (a site's materials: category and work package). */
  keys: z
    .object({
      category: z.string().optional(),
      role: z.string().optional(),
      supplier: z.string().optional(),
      workPackage: z.string().optional(),
    })
    .optional(),
  budget: Decimal,
  actual: Decimal,
  /** actual − budget (positive = overrun). */
  variance: Decimal,
  /** variance / budget × 100; null when the budget is zero. */
  percent: Decimal.nullable(),
  flag: VarianceFlag,
  cause: z.string().min(1).optional(),
  /** What the cause is made of: renderers write it in the reader's language (see varianceCauseText). */
  causeFacts: z
    .object({
      keys: z.object({
        category: z.string().optional(),
        role: z.string().optional(),
        supplier: z.string().optional(),
        workPackage: z.string().optional(),
      }),
      unbudgeted: z.boolean(),
      percent: Decimal.nullable(),
      budget: Decimal,
      actual: Decimal,
      variance: Decimal,
      currency: Currency,
      drivers: z.array(z.object({ name: z.string(), amount: Decimal })),
    })
    .optional(),
});
export type VarianceRow = z.infer<typeof VarianceRow>;

export const EarnedValue = z.object({
  pv: Decimal,
  ev: Decimal,
  ac: Decimal,
  cv: Decimal,
  sv: Decimal,
  /** Ratios; null when undefined (AC or PV zero). */
  cpi: Decimal.nullable(),
  spi: Decimal.nullable(),
  eac: Decimal,
  etc: Decimal,
  vac: Decimal,
  tcpi: Decimal.nullable(),
});
export type EarnedValue = z.infer<typeof EarnedValue>;

export const BillingLine = z.object({
  description: z.string().min(1),
  /** time-and-materials, milestone, retainer, overage, retention, adjustment, write-off… */
  basis: z.string().min(1),
  quantity: Decimal.optional(),
  unitPrice: Decimal.optional(),
  amount: Decimal,
  /** Adjustments and write-offs carry their reason. */
  reason: z.string().min(1).optional(),
});
export type BillingLine = z.infer<typeof BillingLine>;

export const ChecklistItem = z.object({
  /** The engine's check id (`acceptance:m1`, `rates`…): renderers title the check in the reader's language. */
  id: z.string().min(1).optional(),
  check: z.string().min(1),
  status: CheckStatus,
  severity: CheckSeverity,
  evidence: z.string(),
});
export type ChecklistItem = z.infer<typeof ChecklistItem>;

/** A contract clause and the confirmed evidence that fulfils it (statement's clause coverage table). */
export const ClauseRow = z.object({
  /** The contract's numbering: "4.2", "第三条". */
  id: z.string().min(1),
  title: z.string().min(1).optional(),
  text: z.string().min(1),
  status: z.enum(['fulfilled', 'unfulfilled', 'unconfirmed']),
  blocking: z.boolean(),
  /** Checked in this statement; a clause not yet due is shown, not checked. */
  due: z.boolean(),
  /** The confirmed evidence with its state, e.g. "ATL-21 Checkout API (done 2026-10-28)". */
  evidence: z.array(z.string()),
});
export type ClauseRow = z.infer<typeof ClauseRow>;

export const Milestone = z.object({
  name: z.string().min(1),
  planStart: CalendarDate,
  planEnd: CalendarDate,
  /** When omitted the plan start is used for the actual bar. */
  actualStart: CalendarDate.optional(),
  /** Omitted while the milestone is not reached. */
  actualEnd: CalendarDate.optional(),
});
export type Milestone = z.infer<typeof Milestone>;

export const QuarantineCount = z.object({
  source: z.string().min(1),
  count: z.number().int().nonnegative(),
  reason: z.string().min(1).optional(),
});

/** A record of a settled period changed at the source after the lock (internal documents only). */
export const LateEditRow = z.object({
  period: z.string().min(1),
  action: z.enum(['carried', 'revision-proposed', 'reported']),
  source: z.string().min(1),
  record: z.string().min(1),
  change: z.enum(['new', 'changed', 'removed']),
  before: z.string().optional(),
  after: z.string().optional(),
});

export const JournalLine = z.object({
  date: CalendarDate,
  /** Groups the lines of one double entry; each entry must balance on its own when given. */
  entry: z.string().min(1).optional(),
  account: z.string().min(1),
  accountName: z.string().min(1).optional(),
  /** The project dimension (ledger class, WBS element) on lines that belong to the project. */
  project: z.string().min(1).optional(),
  /** Who owes the line (the client on receivable lines): the ledger's customer name. */
  party: z.string().min(1).optional(),
  debit: Decimal,
  credit: Decimal,
  memo: z.string(),
});
export type JournalLine = z.infer<typeof JournalLine>;

export const ApprovalEntry = z.object({
  /** The person by name (their address only where no name is known). */
  who: z.string().min(1),
  role: z.string().min(1).optional(),
  /** The chain step (1-based) the entry belongs to. */
  step: z.number().int().positive().optional(),
  decision: ApprovalDecision,
  /** When it happened (the real decision, delegation or escalation time). */
  at: z.iso.datetime({ offset: true }),
  comment: z.string().optional(),
  /** A delegate's decision: the approver they acted for; an escalation: the approver passed over. */
  onBehalfOf: z.string().min(1).optional(),
});
export type ApprovalEntry = z.infer<typeof ApprovalEntry>;

/** Figures at agreed contract prices (decimal strings in the view's currency). */
const ContractPriceFigures = {
  planned: Decimal,
  atContractPrice: Decimal,
  actual: Decimal,
  priceVariance: Decimal,
  quantityVariance: Decimal,
  variance: Decimal,
  percent: Decimal.nullable(),
};

/** Actual cost against supplier contract prices: per item and site, by site, by supplier. */
export const ContractPricesView = z.object({
  rows: z.array(
    z.object({
      site: z.string(),
      supplier: z.string().min(1),
      item: z.string().min(1),
      unit: z.string().min(1),
      plannedQuantity: Decimal,
      actualQuantity: Decimal,
      unitPrice: Decimal,
      actualUnitPrice: Decimal.nullable(),
      ...ContractPriceFigures,
    }),
  ),
  bySite: z.array(z.object({ key: z.string(), ...ContractPriceFigures })),
  bySupplier: z.array(z.object({ key: z.string(), ...ContractPriceFigures })),
  total: z.object(ContractPriceFigures),
  /** Σ cost of contract suppliers that matches no contract item. */
  unmatched: Decimal,
});
export type ContractPricesView = z.infer<typeof ContractPricesView>;

/** Who a rendition is for: the internal statement (everything) or the client statement (billing only). */
export const Audience = z.enum(['internal', 'client']);
export type Audience = z.infer<typeof Audience>;

/** The forecast at completion against the budget at completion, when it passes the charter's threshold. */
export const ForecastWarning = z.object({
  eac: Decimal,
  budgetAtCompletion: Decimal,
  /** (EAC − BAC) / BAC × 100. */
  percent: Decimal,
  thresholdPercent: z.number().nonnegative(),
});
export type ForecastWarning = z.infer<typeof ForecastWarning>;

export const StatementView = z
  .object({
    audience: Audience.default('internal'),
    /** The charter's variance warning threshold: actuals above budget by more are shown in the warning colour. */
    varianceWarningPercent: z.number().nonnegative().default(5),
    forecastWarning: ForecastWarning.optional(),
    tenant: z.object({
      id: z.string().min(1),
      companyName: z.string().min(1),
      address: z.array(z.string()).default([]),
      taxId: z.string().min(1).optional(),
    }),
    /** The gapless statement number, or "DRAFT" before finalisation. */
    number: z.string().min(1),
    kind: StatementKind,
    /** Credit and debit notes: the number of the statement they correct. */
    corrects: z.string().min(1).optional(),
    revision: z.number().int().nonnegative().default(0),
    revisionReason: z.string().min(1).optional(),
    settlementId: z.string().min(1),
    project: z.object({
      id: z.string().min(1),
      name: z.string().min(1),
      contractType: z.string().min(1).optional(),
      contractRef: z.string().min(1).optional(),
    }),
    counterparty: z.object({
      name: z.string().min(1),
      kind: z.enum(['internal', 'client', 'supplier']),
      reference: z.string().min(1).optional(),
      address: z.array(z.string()).default([]),
    }),
    period: z.object({ label: z.string().min(1), from: CalendarDate, to: CalendarDate }),
    currency: Currency,
    locale: StatementLocale,
    issueDate: CalendarDate,
    dueDate: CalendarDate.optional(),
    totals: z.object({
      costByCategory: z.array(BudgetActual.extend({ category: CostCategory })),
      labourByRole: z.array(BudgetActual.extend({ role: z.string().min(1) })),
      totalBudget: Decimal,
      totalCost: Decimal,
      billing: Decimal,
      retention: Decimal,
      netDue: Decimal,
    }),
    lines: z.array(StatementLine),
    variance: z.array(VarianceRow),
    /** Actual cost against supplier contract prices, when a supplier contract lists items. */
    contractPrices: ContractPricesView.optional(),
    evm: EarnedValue,
    billing: z.array(BillingLine),
    checklist: z.array(ChecklistItem),
    milestones: z.array(Milestone),
    /** Contract clause coverage, when the charter lists the contract's clauses. */
    clauses: z.array(ClauseRow).optional(),
    quarantine: z.array(QuarantineCount),
    /** Late edits of settled periods found by this settlement's collection. */
    lateEdits: z.array(LateEditRow).optional(),
    journal: z.array(JournalLine),
    approvals: z.array(ApprovalEntry),
  })
  .refine((view) => (view.kind === 'statement') === (view.corrects === undefined), {
    message: 'credit and debit notes name the statement they correct (corrects); a statement does not',
    path: ['corrects'],
  });
export type StatementView = z.infer<typeof StatementView>;
/** The view as the lead's mapper writes it (defaults not yet applied). */
export type StatementViewInput = z.input<typeof StatementView>;

/** Validates and normalises a view (applies defaults). Throws a ZodError naming the bad field. */
export function parseStatementView(input: unknown): StatementView {
  return StatementView.parse(input);
}

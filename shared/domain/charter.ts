import { z } from 'zod';
import { ContractClauses } from './clauses/schema.ts';
import { Dec, FxRate } from './money.ts';
import { CostCategory, CurrencyCode, DecimalString, EvidenceType, IsoDate, SourceName } from './records.ts';
import { DataSourceBinding } from './sources.ts';
import { TimeZone } from './time-zone.ts';

/**
 * The project charter: the settlement terms fixed when the project starts.
 * Versioned (`schemaVersion: 1`); objects are strict so a misspelt key is reported, not ignored.
 * Amounts are decimal strings in the charter's `currency` unless the object carries its own.
 */

const Id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, dot, dash or underscore');
const Email = z.email('must be an email address');
const Percent = z.number().min(0, 'must be ≥ 0').max(100, 'must be ≤ 100');
const NonNegativeAmount = DecimalString.refine((s) => !s.startsWith('-'), 'must not be negative');
/** A period selector as used in the charter: 'YYYY-MM', 'milestone:<id>' or 'final'. */
export const PeriodSelectorString = z
  .string()
  .regex(
    /^(\d{4}-(0[1-9]|1[0-2])|milestone:[A-Za-z0-9][A-Za-z0-9._-]*|final)$/,
    "must be 'YYYY-MM', 'milestone:<id>' or 'final'",
  );

export const SettlementMode = z.enum(['whole', 'milestone', 'periodic']);
export type SettlementMode = z.infer<typeof SettlementMode>;

/** The language of documents and emails: the tenant's, overridable per charter and per person. */
export const Locale = z.enum(['en', 'zh-CN']);
export type Locale = z.infer<typeof Locale>;

/**
 * Who receives the approved statement. `client` recipients get the client statement (what is
 * billed, milestones, acceptance, retention; nothing of internal cost); `internal` recipients (e.g.
 * business-unit heads) get the internal brief. Each audience and language is its own email.
 */
export const Recipient = z.strictObject({
  email: Email,
  name: z.string().min(1).optional(),
  audience: z.enum(['client', 'internal']),
  locale: Locale.optional(),
});
export type Recipient = z.infer<typeof Recipient>;

export const Contact = z.strictObject({
  name: z.string().min(1),
  email: Email,
  role: z.string().min(1).optional(),
});
export type Contact = z.infer<typeof Contact>;

export const Counterparty = z.strictObject({
  type: z.enum(['internal', 'client', 'supplier']),
  name: z.string().min(1),
  contacts: z.array(Contact).default([]),
});
export type Counterparty = z.infer<typeof Counterparty>;

export const SettlementBasis = z.enum(['contract', 'budget', 'actuals']);
export type SettlementBasis = z.infer<typeof SettlementBasis>;

/** A billing adjustment or write-off, always with a reason; applies to the statement of `period` ('final' when omitted). */
export const Adjustment = z.strictObject({
  id: Id,
  kind: z.enum(['adjustment', 'write-off']),
  /** Adjustments are signed (negative = discount); write-offs are a positive amount written off. */
  amount: DecimalString,
  reason: z.string().min(1, 'a reason is required'),
  period: PeriodSelectorString.optional(),
  approvedBy: z.string().min(1).optional(),
});
export type Adjustment = z.infer<typeof Adjustment>;

const ContractTerms = {
  reference: z.string().min(1).optional(),
  /** Fixed price: the contract sum; T&M: the not-to-exceed ceiling; retainer: the annual value (informative). */
  amount: NonNegativeAmount.optional(),
  /** Percentage of each gross billing withheld until final acceptance. */
  retentionPercent: Percent.default(0),
  adjustments: z.array(Adjustment).default([]),
};

export const Contract = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('fixed-price'), ...ContractTerms }),
  z.strictObject({ type: z.literal('time-and-materials'), ...ContractTerms }),
  z.strictObject({
    type: z.literal('retainer'),
    ...ContractTerms,
    monthlyFee: NonNegativeAmount,
    includedHours: z.number().nonnegative(),
    overageRate: NonNegativeAmount,
  }),
]);
export type Contract = z.infer<typeof Contract>;

/**
 * A budget line. The keys given (role, category, workPackage, supplier) say what it budgets: a line
 * with only `role` budgets that role's labour; `category` + `workPackage` budgets e.g. the materials
 * of one site. Lines with `period` budget that settlement period; lines without budget the project.
 */
export const BudgetLine = z
  .strictObject({
    id: Id.optional(),
    role: z.string().min(1).optional(),
    category: CostCategory.optional(),
    workPackage: z.string().min(1).optional(),
    supplier: z.string().min(1).optional(),
    period: PeriodSelectorString.optional(),
    amount: NonNegativeAmount,
    note: z.string().optional(),
  })
  .refine((l) => l.role ?? l.category ?? l.workPackage ?? l.supplier, {
    message: 'a budget line needs at least one of role, category, workPackage, supplier',
  });
export type BudgetLine = z.infer<typeof BudgetLine>;

export const Budget = z.strictObject({
  /** Budget at completion (BAC) for earned value; defaults to the sum of the milestones' planned values. */
  atCompletion: NonNegativeAmount.optional(),
  lines: z.array(BudgetLine).default([]),
});
export type Budget = z.infer<typeof Budget>;

/**
 * An effective-dated rate for a role or a person (exactly one of them), per hour, in its own
 * currency. Valid from `effectiveFrom` (inclusive) to `effectiveTo` (exclusive, open when omitted);
 * a later `effectiveFrom` supersedes an earlier one. A person's rate overrides the role's.
 */
export const RateCardEntry = z
  .strictObject({
    role: z.string().min(1).optional(),
    person: z.string().min(1).optional(),
    currency: CurrencyCode,
    costRate: NonNegativeAmount,
    billRate: NonNegativeAmount.optional(),
    effectiveFrom: IsoDate,
    effectiveTo: IsoDate.optional(),
  })
  .refine((r) => (r.role === undefined) !== (r.person === undefined), {
    message: 'give exactly one of role or person',
  })
  .refine((r) => r.effectiveTo === undefined || r.effectiveTo > r.effectiveFrom, {
    message: 'effectiveTo must be after effectiveFrom',
    path: ['effectiveTo'],
  });
export type RateCardEntry = z.infer<typeof RateCardEntry>;

/** People → role mapping (the charter wins over a role the source reports). */
export const Person = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1).optional(),
  role: z.string().min(1),
});
export type Person = z.infer<typeof Person>;

export const IndirectPool = z.discriminatedUnion('source', [
  /** The period's cost records of `category` (optionally only these vendors) form the pool. */
  z.strictObject({
    source: z.literal('category'),
    category: CostCategory.default('indirect'),
    vendors: z.array(z.string().min(1)).optional(),
  }),
  /** A fixed amount per statement (charter currency). */
  z.strictObject({ source: z.literal('fixed'), amount: DecimalString }),
]);
export type IndirectPool = z.infer<typeof IndirectPool>;

/** An indirect-cost rule: a pool allocated over roles or work packages by a stated base. */
export const IndirectRule = z.strictObject({
  id: Id,
  name: z.string().min(1),
  pool: IndirectPool,
  base: z.enum(['hours', 'headcount', 'direct-cost']),
  over: z.enum(['role', 'work-package']).default('role'),
});
export type IndirectRule = z.infer<typeof IndirectRule>;

export const Milestone = z
  .strictObject({
    id: Id,
    name: z.string().min(1),
    plannedStart: IsoDate,
    plannedEnd: IsoDate,
    /** Planned value (budgeted cost of the work) for earned value. */
    plannedValue: NonNegativeAmount,
    /** Amount billed when the milestone is accepted (fixed-price contracts). */
    billingAmount: NonNegativeAmount.optional(),
    acceptanceCriteria: z.array(z.string().min(1)).default([]),
    /** Evidence types that must be present for the milestone to count as accepted. */
    requiredEvidence: z.array(EvidenceType).default(['acceptance']),
  })
  .refine((m) => m.plannedEnd >= m.plannedStart, {
    message: 'plannedEnd is before plannedStart',
    path: ['plannedEnd'],
  });
export type Milestone = z.infer<typeof Milestone>;

export const Scope = z.strictObject({
  unit: z.enum(['story-points', 'function-points']),
  totalPlanned: z.number().positive(),
  /** Percent of `totalPlanned` that must be done at final / milestone settlement. */
  requiredCompletionRate: Percent,
});
export type Scope = z.infer<typeof Scope>;

export const Thresholds = z
  .strictObject({
    varianceWarningPercent: z.number().nonnegative().default(5),
    varianceCriticalPercent: z.number().nonnegative().default(15),
    /** Early warning when (EAC − BAC) / BAC reaches this percentage. */
    eacOverrunWarningPercent: z.number().nonnegative().default(10),
  })
  .refine((t) => t.varianceCriticalPercent >= t.varianceWarningPercent, {
    message: 'varianceCriticalPercent must be ≥ varianceWarningPercent',
    path: ['varianceCriticalPercent'],
  });
export type Thresholds = z.infer<typeof Thresholds>;

export const Approver = z.strictObject({
  role: z.string().min(1),
  email: Email,
  name: z.string().min(1),
  /** The approver joins the chain when the settlement amount is at least this (charter currency). */
  minAmount: NonNegativeAmount.optional(),
  backup: z.strictObject({ name: z.string().min(1), email: Email, locale: Locale.optional() }).optional(),
  /** Language of the approver's emails; the charter's (then the tenant's) when omitted. */
  locale: Locale.optional(),
});
export type Approver = z.infer<typeof Approver>;

export const ApprovalSettings = z.strictObject({
  /** Link lifetime and final expiry, in days (fractions allowed); the tenant's default when omitted. */
  timeoutDays: z.number().positive().optional(),
  /** First reminder after this many hours; the tenant's default when omitted. */
  reminderAfterHours: z.number().positive().optional(),
  /** Escalation to the backup approver after this many hours; the tenant's default when omitted. */
  escalateAfterHours: z.number().positive().optional(),
});
export type ApprovalSettings = z.infer<typeof ApprovalSettings>;

export const JournalAccount = z.strictObject({
  category: z.enum([...CostCategory.options, 'revenue', 'retention', 'write-off', 'receivable']),
  /** The project cost account (costs) or the account debited (receivable, retention). */
  debit: z.string().min(1),
  /** The clearing account costs not yet in the books are accrued against (costs) or the account credited (revenue). */
  credit: z.string().min(1),
  /** Costs: the account accounts payable posts this category's bills to (the `debit` account when omitted). */
  booked: z.string().min(1).optional(),
});
export type JournalAccount = z.infer<typeof JournalAccount>;

/** Billing line kinds a tax rule can apply to. */
export const TaxableKind = z.enum(['time', 'milestone', 'retainer-fee', 'retainer-overage', 'adjustment']);

/** A tax on billing lines (e.g. VAT): rate × each line's amount, rounded per line to the currency's minor unit. */
export const TaxRule = z.strictObject({
  name: z.string().min(1),
  /** Percent, e.g. `19` or `7.5`. */
  ratePercent: NonNegativeAmount,
  kinds: z.array(TaxableKind).min(1),
  /** The output-tax liability account credited. */
  account: z.string().min(1),
});
export type TaxRule = z.infer<typeof TaxRule>;

/** Ledger accounts the journal posts to besides the per-category cost accounts of `journal`. */
export const LedgerAccounts = z.strictObject({
  /** Time and materials recognised as revenue but not yet invoiced (work in progress). */
  unbilledReceivable: z.string().min(1).default('1260'),
  /** Prepaid retainers: the advance billed earlier, released to revenue as earned. */
  deferredRevenue: z.string().min(1).default('2400'),
});

/**
 * How the journal meets the books: which sources' costs are already there (their bills and
 * purchases were posted by accounts payable, so the journal only moves them to the project), the
 * accounts for revenue recognition, tax rules, names of accounts (QuickBooks imports by name), and
 * the ledger's own identifiers for the exports.
 */
export const Accounting = z.strictObject({
  bookedSources: z.array(SourceName).default(['quickbooks', 'sap']),
  /**
   * `reclassify`: booked costs are moved from unassigned cost to the project; `omit`: the ledger
   * already codes those bills to the project, so the journal posts nothing for them.
   */
  bookedCosts: z.enum(['reclassify', 'omit']).default('reclassify'),
  accounts: LedgerAccounts.default({ unbilledReceivable: '1260', deferredRevenue: '2400' }),
  tax: z.array(TaxRule).default([]),
  /** Account number → name, for ledgers that import by name (QuickBooks Online). */
  accountNames: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** The project's dimension value in the ledger (QuickBooks class, SAP WBS element); the projectRef when omitted. */
  projectDimension: z.string().min(1).optional(),
  /** SAP company code: the SAP export is written only when it is set. */
  sapCompanyCode: z.string().min(1).max(4).optional(),
});
export type Accounting = z.infer<typeof Accounting>;

export const CheckSeverity = z.enum(['blocking', 'warning']);
export type CheckSeverity = z.infer<typeof CheckSeverity>;

/** A recorded decision to accept a failed check: who, why, when. */
export const Waiver = z.strictObject({
  /** The check id (e.g. `completion`, `acceptance:m1`, `milestone-date:m2`). */
  check: z.string().min(1),
  by: z.string().min(1),
  reason: z.string().min(1),
  date: IsoDate,
  /** Only for this period's statement; every statement when omitted. */
  period: PeriodSelectorString.optional(),
});
export type Waiver = z.infer<typeof Waiver>;

/** A quantity: a non-negative decimal string ("120", "12.5"). */
const Quantity = DecimalString.refine((s) => !s.startsWith('-'), 'must not be negative');

/**
 * An item of a supplier contract at an agreed unit price (in the charter currency; more decimals
 * than the currency has are kept exactly). Cost records of the contract's supplier and category in
 * this `unit` are this item, so one contract lists each unit once. `plannedQuantities` gives the
 * planned quantity per work package (site); quantity × agreed price is the planned cost.
 */
export const SupplierContractItem = z.strictObject({
  id: Id,
  description: z.string().min(1),
  unit: z.string().min(1),
  unitPrice: NonNegativeAmount,
  plannedQuantities: z.record(z.string().min(1), Quantity).default({}),
});
export type SupplierContractItem = z.infer<typeof SupplierContractItem>;

export const SupplierContract = z
  .strictObject({
    supplier: z.string().min(1),
    reference: z.string().min(1).optional(),
    amount: NonNegativeAmount,
    category: CostCategory.default('outsourcing'),
    /** Items at agreed unit prices: actual cost is compared with quantity × agreed price. */
    items: z.array(SupplierContractItem).default([]),
  })
  .superRefine((contract, ctx) => {
    const ids = new Set<string>();
    const units = new Set<string>();
    contract.items.forEach((item, i) => {
      if (ids.has(item.id))
        ctx.addIssue({ code: 'custom', path: ['items', i, 'id'], message: `duplicate item id "${item.id}"` });
      if (units.has(item.unit))
        ctx.addIssue({
          code: 'custom',
          path: ['items', i, 'unit'],
          message: `a second item in "${item.unit}": records are matched to items by unit, one item per unit`,
        });
      ids.add(item.id);
      units.add(item.unit);
    });
  });
export type SupplierContract = z.infer<typeof SupplierContract>;

/**
 * What happens when a record of a settled (locked) period changes at the source after the lock: the
 * change is always detected at the next collection and reported in that statement; then either
 * `revise` proposes a revision of the locked period (the nightly run settles revision n+1, which ends
 * in a credit or debit note) or `carryForward` carries the difference into the statement being settled
 * as late-edit adjustment lines that name the original period. With `revise`, a difference smaller
 * than `threshold` (absolute, charter currency; the billing difference for a client, else the cost
 * difference) is carried forward instead. Without this object late edits are reported only.
 */
export const LateEditRule = z.strictObject({
  mode: z.enum(['revise', 'carryForward']),
  threshold: NonNegativeAmount.optional(),
  /** Days a live collection looks back before the period (31 covers any previous month in full). */
  lookBackDays: z.number().int().min(0).max(366).default(31),
});
export type LateEditRule = z.infer<typeof LateEditRule>;

/**
 * When a period may settle: a cut-off after its end and what must be final first (shared/domain/readiness.ts
 * applies it).
 */
export const ReadinessRule = z.strictObject({
  /** Days after the period's last day before the nightly run settles it (0: the night after it ends). */
  settleAfterDays: z.number().int().min(0).max(60).default(0),
  /** Every time entry whose source says whether it is approved must be approved. */
  approvedTime: z.boolean().default(false),
  /** Cloud cost must be final: no figure the source still marks estimated. */
  finalCloudCost: z.boolean().default(false),
  /** A file-mode source whose file is not in the inbox makes the period wait (otherwise the run fails). */
  files: z.boolean().default(true),
  /** Days after the period's last day from which a waiting period is overdue and operations are told. */
  deadlineDays: z.number().int().min(0).max(120).default(10),
});
export type ReadinessRule = z.infer<typeof ReadinessRule>;

export const Charter = z
  .strictObject({
    schemaVersion: z.literal(1),
    projectId: Id,
    /** The project key the records carry (`projectRef`). */
    projectRef: z.string().min(1),
    name: z.string().min(1),
    description: z.string().optional(),
    settlement: z.strictObject({ mode: SettlementMode }),
    counterparty: Counterparty,
    basis: SettlementBasis,
    contract: Contract,
    currency: CurrencyCode,
    schedule: z.strictObject({ start: IsoDate, end: IsoDate }).optional(),
    /** IANA time zone the project's days are counted in; UTC when omitted. */
    timeZone: TimeZone.optional(),
    budget: Budget.default({ lines: [] }),
    rateCards: z.array(RateCardEntry).default([]),
    people: z.array(Person).default([]),
    indirect: z.array(IndirectRule).default([]),
    milestones: z.array(Milestone).default([]),
    scope: Scope.optional(),
    thresholds: Thresholds.default({
      varianceWarningPercent: 5,
      varianceCriticalPercent: 15,
      eacOverrunWarningPercent: 10,
    }),
    approvers: z.array(Approver).min(1, 'at least one approver is required'),
    approval: ApprovalSettings.default({}),
    /** Language of this project's documents; the tenant's when omitted. */
    locale: Locale.optional(),
    /** Internal brief recipients (older form of `recipients` with audience `internal`). */
    businessUnitHeads: z.array(Email).default([]),
    /** Client statement recipients (older form of `recipients` with audience `client`). */
    distribution: z.array(Email).default([]),
    recipients: z.array(Recipient).default([]),
    journal: z.array(JournalAccount).default([]),
    accounting: Accounting.default({
      bookedSources: ['quickbooks', 'sap'],
      bookedCosts: 'reclassify',
      accounts: { unbilledReceivable: '1260', deferredRevenue: '2400' },
      tax: [],
      accountNames: {},
    }),
    sources: z.array(DataSourceBinding).default([]),
    fxRates: z.array(FxRate).default([]),
    supplierContracts: z.array(SupplierContract).default([]),
    verification: z
      .strictObject({
        completion: CheckSeverity.default('blocking'),
        acceptance: CheckSeverity.default('blocking'),
        milestoneDates: CheckSeverity.default('warning'),
        rates: CheckSeverity.default('blocking'),
      })
      .default({
        completion: 'blocking',
        acceptance: 'blocking',
        milestoneDates: 'warning',
        rates: 'blocking',
      }),
    waivers: z.array(Waiver).default([]),
    /** The contract's clauses and the evidence confirmed to fulfil them (clause coverage). */
    clauses: ContractClauses.optional(),
    /** Records of a locked period that change at the source later: report only, revise or carry forward. */
    lateEdits: LateEditRule.optional(),
    /** When a period may settle: days after its end, and what must be final first. */
    readiness: ReadinessRule.optional(),
  })
  .superRefine((c, ctx) => {
    const duplicates = (values: string[], path: (i: number) => PropertyKey[], what: string) => {
      const seen = new Set<string>();
      values.forEach((v, i) => {
        if (seen.has(v)) ctx.addIssue({ code: 'custom', path: path(i), message: `duplicate ${what} "${v}"` });
        seen.add(v);
      });
    };
    duplicates(
      c.milestones.map((m) => m.id),
      (i) => ['milestones', i, 'id'],
      'milestone id',
    );
    duplicates(
      c.sources.map((s) => s.id),
      (i) => ['sources', i, 'id'],
      'source id',
    );
    duplicates(
      c.people.map((p) => p.id),
      (i) => ['people', i, 'id'],
      'person',
    );
    duplicates(
      c.indirect.map((r) => r.id),
      (i) => ['indirect', i, 'id'],
      'indirect rule id',
    );
    duplicates(
      c.contract.adjustments.map((a) => a.id),
      (i) => ['contract', 'adjustments', i, 'id'],
      'adjustment id',
    );
    if (c.schedule && c.schedule.end < c.schedule.start) {
      ctx.addIssue({ code: 'custom', path: ['schedule', 'end'], message: 'end is before start' });
    }
    const milestoneIds = new Set(c.milestones.map((m) => m.id));
    const checkSelector = (selector: string | undefined, path: PropertyKey[]) => {
      if (selector?.startsWith('milestone:') && !milestoneIds.has(selector.slice('milestone:'.length))) {
        ctx.addIssue({ code: 'custom', path, message: `unknown milestone in "${selector}"` });
      }
    };
    c.contract.adjustments.forEach((a, i) => {
      checkSelector(a.period, ['contract', 'adjustments', i, 'period']);
    });
    c.budget.lines.forEach((l, i) => {
      checkSelector(l.period, ['budget', 'lines', i, 'period']);
    });
    c.waivers.forEach((w, i) => {
      checkSelector(w.period, ['waivers', i, 'period']);
    });
    c.clauses?.items.forEach((clause, i) => {
      if (clause.milestone !== undefined && !milestoneIds.has(clause.milestone))
        ctx.addIssue({
          code: 'custom',
          path: ['clauses', 'items', i, 'milestone'],
          message: `unknown milestone "${clause.milestone}"`,
        });
    });
    if (c.contract.type === 'fixed-price' && !c.milestones.some((m) => m.billingAmount !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['milestones'],
        message: 'a fixed-price contract needs at least one milestone with a billingAmount',
      });
    }
    if (c.contract.type === 'retainer' && c.settlement.mode !== 'periodic') {
      ctx.addIssue({
        code: 'custom',
        path: ['settlement', 'mode'],
        message: 'a retainer contract is settled periodically (mode "periodic")',
      });
    }
    if (c.settlement.mode === 'milestone' && c.milestones.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['milestones'],
        message: 'milestone settlement needs milestones',
      });
    }
    let previous = new Dec(0);
    c.approvers.forEach((a, i) => {
      const min = new Dec(a.minAmount ?? 0);
      if (min.lt(previous)) {
        ctx.addIssue({
          code: 'custom',
          path: ['approvers', i, 'minAmount'],
          message: 'approvers must be listed in ascending minAmount order',
        });
      }
      previous = Dec.max(previous, min);
    });
    const roles = new Set(c.rateCards.flatMap((r) => (r.role ? [r.role] : [])));
    c.people.forEach((p, i) => {
      const personal = c.rateCards.some((r) => r.person === p.id);
      if (!roles.has(p.role) && !personal) {
        ctx.addIssue({
          code: 'custom',
          path: ['people', i, 'role'],
          message: `no rate card for role "${p.role}" or person "${p.id}"`,
        });
      }
    });
    c.rateCards.forEach((r, i) => {
      if (r.currency !== c.currency && !c.fxRates.some((f) => f.from === r.currency || f.to === r.currency)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rateCards', i, 'currency'],
          message: `no fxRates entry converts ${r.currency} to ${c.currency}`,
        });
      }
    });
  });
export type Charter = z.infer<typeof Charter>;
/** The charter as written (before defaults are applied). */
export type CharterInput = z.input<typeof Charter>;

export interface CharterProblem {
  /** JSON path of the offending value, e.g. `$.milestones[1].plannedEnd`. */
  readonly path: string;
  readonly message: string;
}

export type CharterValidation = { ok: true; charter: Charter } | { ok: false; problems: CharterProblem[] };

/** Formats a zod issue path as a JSON path (`$.a.b[2].c`). */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * Validates a parsed charter document. Returns the charter (defaults applied) or every problem
 * with its JSON path, in document order.
 */
export function validateCharter(json: unknown): CharterValidation {
  const result = Charter.safeParse(json);
  if (result.success) return { ok: true, charter: result.data };
  const problems: CharterProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ path: formatJsonPath([...issue.path, key]), message: 'unknown key' });
      }
    } else {
      problems.push({ path: formatJsonPath(issue.path), message: issue.message });
    }
  }
  return { ok: false, problems };
}

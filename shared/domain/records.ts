import { z } from 'zod';

/**
 * The one normalised record model. Every connector (Toggl, Clockify, Tempo, Jira, QuickBooks,
 * SAP, Cost Explorer, Azure, CSV/XLSX) produces these; the engine consumes only these.
 * One record per NDJSON line. Identity is `source` + `sourceId` (idempotent storage key).
 */

/** ISO 4217 currency code. */
export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');
export type CurrencyCode = z.infer<typeof CurrencyCode>;

/** A decimal amount as a string ("-12.3400"): never a binary float. */
export const DecimalString = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as "1234.50"');
export type DecimalString = z.infer<typeof DecimalString>;

/** Calendar date YYYY-MM-DD. */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
export type IsoDate = z.infer<typeof IsoDate>;

/** ISO 8601 timestamp with an offset or Z. */
export const IsoDateTime = z.iso.datetime({ offset: true });

export const SourceName = z.enum([
  'toggl',
  'clockify',
  'tempo',
  'jira',
  'quickbooks',
  'sap',
  'aws-cost-explorer',
  'azure-cost',
  'focus',
  'csv',
  'xlsx',
  'demo',
]);
export type SourceName = z.infer<typeof SourceName>;

const RecordBase = z.object({
  source: SourceName,
  /** The id the source system gives the record (or a stable hash for file rows without one). */
  sourceId: z.string().min(1),
  /** Which project the record belongs to (charter `projectRef` or a data-source binding). */
  projectRef: z.string().min(1),
  /** Optional work package / site the record belongs to (construction sites, sub-projects). */
  workPackage: z.string().min(1).optional(),
});

export const TimeRecord = RecordBase.extend({
  kind: z.literal('time'),
  /** Stable person id (email or vendor user id). */
  person: z.string().min(1),
  /** Role, when the source knows it; otherwise the charter's people → role mapping applies. */
  role: z.string().min(1).optional(),
  start: IsoDateTime,
  /** Worked seconds (integer, ≥ 0). */
  seconds: z.number().int().nonnegative(),
  billable: z.boolean(),
  /** Billable seconds (Tempo may differ from worked seconds); equals `seconds` when the source has no such notion. */
  billableSeconds: z.number().int().nonnegative(),
  description: z.string().optional(),
  taskKey: z.string().optional(),
  /**
   * The entry's approval at the source, where the source exposes one (absent: it does not): only
   * `approved` time is final; the charter's readiness rule can make a period wait for it.
   */
  approval: z.enum(['approved', 'pending', 'rejected']).optional(),
});
export type TimeRecord = z.infer<typeof TimeRecord>;

export const CostCategory = z.enum([
  'labour',
  'outsourcing',
  'materials',
  'equipment',
  'cloud',
  'indirect',
  'other',
]);
export type CostCategory = z.infer<typeof CostCategory>;

export const CostRecord = RecordBase.extend({
  kind: z.literal('cost'),
  category: CostCategory,
  /** Signed decimal string: credits, credit memos and reversals are negative. */
  amount: DecimalString,
  currency: CurrencyCode,
  date: IsoDate,
  vendor: z.string().min(1),
  /** Document type at the source (bill, purchase-order, supplier-invoice, credit-memo, usage, overhead, requisition, rental…). */
  document: z.string().optional(),
  description: z.string().optional(),
  /** Quantity and unit for materials/equipment lines (site daily logs, requisitions, rentals). */
  quantity: DecimalString.optional(),
  unit: z.string().optional(),
  /** Purchase orders are commitments, not actual cost: the engine reports them but does not add them to actuals. */
  commitment: z.boolean().optional(),
  /** The source says the figure is still an estimate (Cost Explorer before the month is closed). */
  estimated: z.boolean().optional(),
});
export type CostRecord = z.infer<typeof CostRecord>;

export const TaskRecord = RecordBase.extend({
  kind: z.literal('task'),
  key: z.string().min(1),
  status: z.string(),
  done: z.boolean(),
  /** Story points or function points (the charter says which). */
  points: z.number().nonnegative(),
  resolvedAt: IsoDateTime.optional(),
  milestone: z.string().optional(),
  /** The title and description (plain text): what contract clauses are matched against. */
  summary: z.string().optional(),
  description: z.string().optional(),
});
export type TaskRecord = z.infer<typeof TaskRecord>;

export const EvidenceType = z.enum(['acceptance', 'milestone-reached', 'nps', 'sign-off', 'other']);
export const EvidenceRecord = RecordBase.extend({
  kind: z.literal('evidence'),
  type: EvidenceType,
  date: IsoDate,
  /** Milestone id for acceptance / milestone-reached evidence. */
  milestone: z.string().optional(),
  /** Who signed or reported it. */
  by: z.string().optional(),
  /** NPS score (-100..100) or a rating; free text otherwise. */
  score: z.number().optional(),
  /** Where the evidence is (document id, URL, file name). */
  reference: z.string().min(1),
  note: z.string().optional(),
});
export type EvidenceRecord = z.infer<typeof EvidenceRecord>;

export const SettlementRecord = z.discriminatedUnion('kind', [
  TimeRecord,
  CostRecord,
  TaskRecord,
  EvidenceRecord,
]);
export type SettlementRecord = z.infer<typeof SettlementRecord>;

/** A record that failed validation: kept with where it came from and why, never dropped. */
export const QuarantinedRecord = z.object({
  source: SourceName,
  /** Where in the input: "page 2 item 14", "line 37", "row 12". */
  position: z.string(),
  /** A short machine-readable reason code (e.g. `invalid-amount`, `running-timer`, `missing-project`). */
  reason: z.string(),
  /** Human-readable message naming the field and the source. */
  message: z.string(),
  /** The raw item as received (JSON value or CSV row). */
  raw: z.unknown(),
});
export type QuarantinedRecord = z.infer<typeof QuarantinedRecord>;

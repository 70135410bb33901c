import { BUCKET_AREAS, objectKeys } from '#storage/layout.ts';

/**
 * The settled facts as tables: one declaration per table, from which the Parquet schema (writer),
 * the DuckDB views (local queries) and the Glue table columns (CDK, Athena) are all derived.
 *
 * Layout in the tenant's bucket (Hive style, so Athena partition projection and DuckDB's
 * `hive_partitioning` read the same keys):
 *
 *     facts/<table>/tenant=<tenantId>/year=<yyyy>/month=<mm>/<settlementId>.parquet
 *
 * `year`/`month` are those of the period's last day (a monthly period's own month), or of the
 * as-of date for a milestone or final settlement whose window ends later, so a revision lands in
 * the same partition as the settlement it supersedes (unless it is settled as of another date). Every revision is a file of its own (the settlement id carries the
 * revision): facts are appended, never edited; queries take the latest revision per project and
 * period (see analytics/queries/).
 */

/** Column types. Money is always an exact DECIMAL, never a float. */
export type ColumnType =
  /** Statement amounts: DECIMAL(18,4) holds every ISO 4217 minor unit (0–4 decimals) exactly. */
  | 'money'
  /** Source amounts and quantities (cloud bills carry up to 10+ decimals): DECIMAL(38,12). */
  | 'amount'
  /** Indices and percentages (CPI, SPI, TCPI, % complete): DECIMAL(18,4). */
  | 'ratio'
  | 'string'
  | 'int'
  | 'bigint'
  | 'boolean'
  | 'date'
  | 'timestamp';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  /** What the column holds (shown as the Glue column comment). */
  readonly doc: string;
}

export interface FactTable {
  readonly name: FactTableName;
  readonly doc: string;
  readonly columns: readonly Column[];
}

export const DECIMAL_SHAPE = {
  money: { precision: 18, scale: 4 },
  ratio: { precision: 18, scale: 4 },
  amount: { precision: 38, scale: 12 },
} as const;

/** Partition keys, in path order; not stored in the files (Athena forbids a column twice). */
export const PARTITION_KEYS = [
  { name: 'tenant', type: 'string', doc: 'Tenant id' },
  { name: 'year', type: 'int', doc: "Year of the period's last day (of as-of for open-ended periods)" },
  {
    name: 'month',
    type: 'int',
    doc: "Month (1–12) of the period's last day (of as-of for open-ended periods)",
  },
] as const satisfies readonly Column[];

const c = (name: string, type: ColumnType, doc: string): Column => ({ name, type, doc });

/** Columns every table starts with: which settlement revision the row belongs to. */
const SETTLEMENT_KEY: readonly Column[] = [
  c('settlement_id', 'string', 'Settlement id (project, period, revision)'),
  c('project_id', 'string', 'Project id'),
  c('period', 'string', "Period selector: 'YYYY-MM', 'milestone:<id>' or 'final'"),
  c('revision', 'int', 'Revision of the period (0 = first settlement); the highest revision supersedes'),
];

export const FACT_TABLES = [
  {
    name: 'settlements',
    doc: 'One row per finalised settlement revision: statement totals, hours, counts and timings',
    columns: [
      ...SETTLEMENT_KEY,
      c('project_ref', 'string', 'Project reference in the source systems'),
      c('project_name', 'string', 'Project name'),
      c('counterparty_type', 'string', 'internal, client or supplier'),
      c('counterparty_name', 'string', 'Counterparty name'),
      c('contract_type', 'string', 'fixed-price, time-and-materials or retainer'),
      c('period_kind', 'string', 'month, milestone or final'),
      c('period_from', 'date', 'First day of the period'),
      c('period_to', 'date', 'Day after the last day of the period (exclusive)'),
      c('as_of', 'date', 'Run date the statement is computed as of'),
      c('statement_number', 'string', 'Gapless statement number'),
      c('revision_reason', 'string', 'Why the period was re-opened (revisions only)'),
      c('currency', 'string', 'ISO 4217 currency of every amount of the row'),
      c('cost', 'money', 'Actual cost of the period (sum of cost lines)'),
      c('commitments', 'money', 'Open purchase orders: reported, not in cost'),
      c('billing', 'money', 'Net billing of the period'),
      c('margin', 'money', 'billing - cost'),
      c('settlement_amount', 'money', 'Amount the approval chain was chosen by'),
      c('cost_to_date', 'money', 'Cost up to as-of (actual cost of earned value)'),
      c('labour', 'money', 'Cost of the labour category'),
      c('outsourcing', 'money', 'Cost of the outsourcing category'),
      c('materials', 'money', 'Cost of the materials category'),
      c('equipment', 'money', 'Cost of the equipment category'),
      c('cloud', 'money', 'Cost of the cloud category'),
      c('indirect', 'money', 'Allocated indirect cost'),
      c('other', 'money', 'Cost of the other category'),
      c('worked_seconds', 'bigint', 'Worked seconds in the period'),
      c('billable_seconds', 'bigint', 'Billable seconds in the period'),
      c('capacity_seconds', 'bigint', "The charter's people × working days × 8 h in the period"),
      c('time_records', 'int', 'Time records read'),
      c('cost_records', 'int', 'Cost records read'),
      c('quarantined_records', 'int', 'Records quarantined during collection'),
      c('blocking_failures', 'int', 'Blocking checks that failed (waived ones excluded)'),
      c('nps_promoters', 'int', 'NPS answers 9–10 dated in the period'),
      c('nps_passives', 'int', 'NPS answers 7–8 dated in the period'),
      c('nps_detractors', 'int', 'NPS answers 0–6 dated in the period'),
      c('data_ready_at', 'timestamp', "When the settlement was opened (the period's data complete)"),
      c('approved_at', 'timestamp', 'Last approval decision (finalisation time when no approval was needed)'),
      c('finalised_at', 'timestamp', 'When the statement was numbered and the period locked'),
    ],
  },
  {
    name: 'statement_lines',
    doc: 'Cost lines, commitments and billing lines of each settlement revision',
    columns: [
      ...SETTLEMENT_KEY,
      c('line_type', 'string', 'cost, commitment or billing'),
      c('line_id', 'string', 'Line id, unique in the statement'),
      c('category', 'string', 'Cost category (cost, commitment) or billing kind (billing)'),
      c('description', 'string', 'Line description'),
      c('role', 'string', 'Role (labour and time billing lines)'),
      c('person', 'string', 'Person (labour and time billing lines)'),
      c('work_package', 'string', 'Work package or site'),
      c('vendor', 'string', 'Vendor or supplier'),
      c('seconds', 'bigint', 'Worked seconds (labour) or billable seconds (time billing)'),
      c('records', 'int', 'Source records in the line'),
      c('amount', 'money', 'Line amount (exact; rounded once per line, half-even)'),
      c('currency', 'string', 'ISO 4217 currency of the amount'),
    ],
  },
  {
    name: 'earned_value',
    doc: 'Earned-value snapshot of each settlement revision (projects with a baseline)',
    columns: [
      ...SETTLEMENT_KEY,
      c('as_of', 'date', 'Snapshot date'),
      c('currency', 'string', 'ISO 4217 currency of every amount of the row'),
      c('bac', 'money', 'Budget at completion'),
      c('pv', 'money', 'Planned value'),
      c('ev', 'money', 'Earned value'),
      c('ac', 'money', 'Actual cost'),
      c('cv', 'money', 'Cost variance (EV - AC)'),
      c('sv', 'money', 'Schedule variance (EV - PV)'),
      c('cpi', 'ratio', 'Cost performance index (null when AC is zero)'),
      c('spi', 'ratio', 'Schedule performance index (null when PV is zero)'),
      c('eac', 'money', 'Estimate at completion (BAC / CPI)'),
      c('etc', 'money', 'Estimate to complete'),
      c('vac', 'money', 'Variance at completion (BAC - EAC)'),
      c('tcpi', 'ratio', 'To-complete performance index'),
      c('percent_complete', 'ratio', 'EV / BAC × 100'),
      c('forecast_overrun_percent', 'ratio', '(EAC - BAC) / BAC × 100'),
      c('early_warning', 'boolean', 'The forecast crosses the early-warning threshold'),
    ],
  },
  {
    name: 'checks',
    doc: 'Contract checks of each settlement revision',
    columns: [
      ...SETTLEMENT_KEY,
      c('check_id', 'string', 'Check id'),
      c('title', 'string', 'Check title'),
      c('severity', 'string', 'blocking or warning'),
      c('status', 'string', 'pass, fail, pending or waived'),
      c('detail', 'string', 'What was found'),
    ],
  },
  {
    name: 'approval_steps',
    doc: 'Approval chain of each settlement revision: one row per step, with its timings',
    columns: [
      ...SETTLEMENT_KEY,
      c('step', 'int', 'Position in the approval chain (0 = first approver)'),
      c('request_id', 'string', 'Approval request id'),
      c('approver', 'string', 'Who decided ("y for x" under delegation)'),
      c('decision', 'string', 'approved, rejected or empty when undecided'),
      c('comment', 'string', "The approver's comment"),
      c('sent_at', 'timestamp', 'When the approval email was sent'),
      c('decided_at', 'timestamp', 'When the decision was made'),
      c('wait_seconds', 'bigint', 'sent_at to decided_at, in seconds'),
      c('reminders', 'int', 'Reminders sent'),
      c('escalated', 'boolean', 'The step was escalated'),
    ],
  },
  {
    name: 'quarantine',
    doc: 'Quarantined record counts per source and reason of each settlement revision',
    columns: [
      ...SETTLEMENT_KEY,
      c('source', 'string', 'Data source'),
      c('reason', 'string', 'Why the records were quarantined'),
      c('records', 'int', 'Number of records'),
    ],
  },
  {
    name: 'time_records',
    doc: 'Normalised time records of the period of each settlement revision',
    columns: [
      ...SETTLEMENT_KEY,
      c('source', 'string', 'Data source'),
      c('source_id', 'string', 'Record id at the source'),
      c('person', 'string', 'Person'),
      c('role', 'string', 'Role given by the source (the charter maps the rest)'),
      c('work_package', 'string', 'Work package or site'),
      c('task_key', 'string', 'Task the time was booked on'),
      c('started_at', 'timestamp', 'Start of the work'),
      c('work_date', 'date', 'Date of the work'),
      c('seconds', 'bigint', 'Worked seconds'),
      c('billable_seconds', 'bigint', 'Billable seconds'),
      c('billable', 'boolean', 'Billable at the source'),
    ],
  },
  {
    name: 'cost_records',
    doc: 'Normalised cost records of the period of each settlement revision (source currency)',
    columns: [
      ...SETTLEMENT_KEY,
      c('source', 'string', 'Data source'),
      c('source_id', 'string', 'Record id at the source'),
      c('category', 'string', 'Cost category'),
      c('vendor', 'string', 'Vendor or supplier'),
      c('work_package', 'string', 'Work package or site'),
      c('document', 'string', 'Document type at the source'),
      c('cost_date', 'date', 'Date of the cost'),
      c('amount', 'amount', 'Signed amount in the source currency (credits negative)'),
      c('currency', 'string', 'ISO 4217 currency of the amount'),
      c('quantity', 'amount', 'Quantity (materials, equipment)'),
      c('unit', 'string', 'Unit of the quantity'),
      c('commitment', 'boolean', 'A purchase order: reported, not actual cost'),
    ],
  },
] as const satisfies readonly { name: string; doc: string; columns: readonly Column[] }[];

export type FactTableName = (typeof FACT_TABLES)[number]['name'];

/** A row of a fact table: column name → value (null for absent). Money as decimal strings. */
export type FactRow = Readonly<Record<string, string | number | boolean | null>>;

/** Prefix of all fact objects in the tenant's bucket (its `facts` area). */
export const FACTS_PREFIX = BUCKET_AREAS.facts.prefix;

/** Where a table's rows of one settlement revision are stored. */
export function factObjectKey(
  table: FactTableName,
  partition: { tenant: string; year: number; month: number },
  settlementId: string,
): string {
  return objectKeys.fact(table, partition.tenant, partition.year, partition.month, settlementId);
}

export function factTable(name: FactTableName): FactTable {
  const table = FACT_TABLES.find((t) => t.name === name);
  if (!table) throw new Error(`unknown fact table ${name}`);
  return table;
}

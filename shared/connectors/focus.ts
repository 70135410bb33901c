import { createHash } from 'node:crypto';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { Dec } from '#domain/money.ts';
import { COMMON_OPTIONS, type Connector, pageByPage } from './connector.ts';
import { SourceConfigError } from './errors.ts';
import { isObject, type RecordSink, type SourceOptions } from './record-sink.ts';
import { decodeText, readCsv } from './tabular.ts';

/**
 * Cloud cost from FOCUS exports (FinOps Open Cost and Usage Specification 1.x): AWS Data Exports
 * (FOCUS 1.0 in Parquet or CSV), Azure Cost Management's FOCUS export (CSV), and any other
 * provider's FOCUS file. One export serves every project of the tenant: each project's binding picks
 * its rows by a tag, so a nightly query (Athena in the cloud, DuckDB locally) replaces a paid
 * Cost Explorer call per settlement.
 *
 * - Cost: `EffectiveCost` by default — amortised: Reserved Instance and Savings Plan purchases are
 *   spread over the usage they cover (their purchase rows carry EffectiveCost 0, so nothing is
 *   counted twice). Option `metric: BilledCost` takes the invoiced amounts instead.
 * - Credits, refunds and corrections (`ChargeCategory` Credit/Adjustment, `ChargeClass` Correction)
 *   are kept with their sign.
 * - Shared and untagged cost (rows without the tag key) is never dropped: the binding's `shared`
 *   option allocates it — `proportional` (by the project's share of tagged cost in the billing
 *   period, the default) or a fixed share (`shared: "0.25"`) — as a record of its own that names the
 *   rule and the base.
 * - Final: a billing period is final when every row carries an `InvoiceId` (FOCUS 1.2); otherwise
 *   a note says the figures may still change.
 *
 * Amounts stay exact: CSV decimals are read as text; Parquet DECIMAL columns are read as their
 * unscaled integers and scaled with decimal arithmetic (never through a float).
 */

type Row = Record<string, unknown>;

const REQUIRED = ['BillingCurrency', 'ChargePeriodStart', 'BillingPeriodStart', 'ProviderName'] as const;

function isParquet(bytes: Uint8Array): boolean {
  const magic = (b: Uint8Array, at: number) =>
    b[at] === 0x50 && b[at + 1] === 0x41 && b[at + 2] === 0x52 && b[at + 3] === 0x31;
  return bytes.length > 8 && magic(bytes, 0) && magic(bytes, bytes.length - 4);
}

/** Two's-complement big-endian bytes → bigint. */
function bigintFromBytes(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const bits = BigInt(bytes.length * 8);
  return bytes.length > 0 && (bytes[0] ?? 0) & 0x80 ? value - (1n << bits) : value;
}

/** Reads a Parquet FOCUS file; DECIMAL columns become exact decimal strings. */
async function readParquetRows(bytes: Uint8Array): Promise<Row[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  const scales = new Map<string, number>();
  // Drop the DECIMAL annotation so the reader hands over the unscaled integers instead of floats.
  for (const element of metadata.schema) {
    if (element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL') {
      scales.set(element.name, element.scale ?? 0);
      element.converted_type = undefined;
      element.logical_type = undefined;
    }
  }
  const rows = (await parquetReadObjects({ file, metadata, utf8: false })) as Row[];
  return rows.map((row) => {
    const out: Row = {};
    for (const [name, value] of Object.entries(row)) {
      const scale = scales.get(name);
      if (scale !== undefined && value !== null && value !== undefined) {
        const unscaled =
          value instanceof Uint8Array ? bigintFromBytes(value) : BigInt(value as number | bigint);
        out[name] = new Dec(unscaled.toString()).div(new Dec(10).pow(scale)).toFixed();
      } else if (value instanceof Uint8Array) {
        out[name] = decodeText(value);
      } else if (value instanceof Date) {
        out[name] = value.toISOString();
      } else {
        out[name] = value;
      }
    }
    return out;
  });
}

function readCsvRows(bytes: Uint8Array): { rows: Row[]; failure?: string } {
  const table = readCsv(decodeText(bytes));
  if (table.failure) return { rows: [], failure: table.failure };
  const rows = table.rows.map((row) => {
    const out: Row = {};
    for (const [header, cell] of Object.entries(row.raw)) {
      // Exports write SQL-style NULL (FinOps sample data) or leave the cell empty (Azure).
      out[header] = cell === '' || cell === 'NULL' ? null : cell;
    }
    return out;
  });
  return { rows };
}

/** Tags as a map: a JSON object in CSV, a MAP column (object or key/value list) in Parquet. */
function tagsOf(value: unknown): Record<string, string> | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') {
    const parsed = JSON.parse(value) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : undefined;
  }
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((e: { key?: unknown; value?: unknown }) => [String(e.key), String(e.value)]),
    );
  }
  return typeof value === 'object' ? (value as Record<string, string>) : undefined;
}

const DECIMAL = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
function decimalOf(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = typeof value === 'number' ? String(value) : String(value).trim();
  if (!DECIMAL.test(text)) return undefined;
  return new Dec(text).toFixed();
}

/** `2024-09-18 22:00:00`, `2024-09-18T22:00:00Z` or a Date → `2024-09-18`. */
function dateOf(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = String(value);
  return /^\d{4}-\d{2}-\d{2}/.test(text) ? text.slice(0, 10) : undefined;
}

const sourceIdOf = (parts: readonly string[]) =>
  `focus:${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24)}`;

interface Bucket {
  amount: InstanceType<typeof Dec>;
  rows: number;
  record: Record<string, unknown>;
}

/**
 * The options both ways of reading a FOCUS source share (the export file, the cost query's rows),
 * or undefined after quarantining the source's records as misconfigured.
 */
function focusOptions(sink: RecordSink, options: SourceOptions, position: string) {
  const tagKey = typeof options.tagKey === 'string' ? options.tagKey : undefined;
  const projectRef = typeof options.projectRef === 'string' ? options.projectRef : undefined;
  const tagValue = typeof options.tagValue === 'string' ? options.tagValue : projectRef;
  if (!tagKey || !tagValue || !projectRef) {
    sink.quarantine(
      'invalid-options',
      'focus: options tagKey and tagValue (or projectRef) are required',
      position,
      null,
    );
    return undefined;
  }
  return {
    tagKey,
    projectRef,
    tagValue,
    metric: options.metric === 'BilledCost' ? ('BilledCost' as const) : ('EffectiveCost' as const),
    shared: typeof options.shared === 'string' ? options.shared : 'proportional',
  };
}

/**
 * Normalises one FOCUS export into cost records of the bound project (category `cloud`), one per
 * provider, service, charge category, currency and day, plus one allocation record per billing
 * period and currency for the shared/untagged cost. Options: `tagKey` (required), `tagValue`
 * (default: the project reference), `metric` (EffectiveCost | BilledCost), `shared`
 * (`proportional` | a share such as `0.25` | `none` — then untagged cost is reported in a note).
 */
export async function addFocusFile(
  sink: RecordSink,
  bytes: Uint8Array,
  options: SourceOptions,
): Promise<void> {
  const read = focusOptions(sink, options, 'file');
  if (!read) return;
  const { tagKey, projectRef, tagValue, metric, shared } = read;
  let rows: Row[];
  if (isParquet(bytes)) {
    try {
      rows = await readParquetRows(bytes);
    } catch (error) {
      sink.quarantine(
        'unparseable-file',
        `focus file: not readable Parquet (${(error as Error).message})`,
        'file',
        null,
      );
      return;
    }
  } else {
    const csv = readCsvRows(bytes);
    if (csv.failure) {
      sink.quarantine('unparseable-file', `focus file: ${csv.failure}`, 'file', null);
      return;
    }
    rows = csv.rows;
  }
  const missing = REQUIRED.filter((c) => rows.length > 0 && !(c in (rows[0] ?? {})));
  if (missing.length > 0 || (rows.length > 0 && !(metric in (rows[0] ?? {})))) {
    sink.quarantine(
      'not-focus',
      `focus file: columns ${[...missing, ...(metric in (rows[0] ?? {}) ? [] : [metric])].join(', ')} are missing; is this a FOCUS export?`,
      'file',
      Object.keys(rows[0] ?? {}),
    );
    return;
  }

  const tally = focusTally({ metric, tagKey, tagValue, projectRef });
  let invoiced = 0;
  rows.forEach((row, index) => {
    const position = `row ${index + 2}`;
    const amount = decimalOf(row[metric]);
    const day = dateOf(row.ChargePeriodStart);
    const billingPeriod = dateOf(row.BillingPeriodStart);
    const currency = typeof row.BillingCurrency === 'string' ? row.BillingCurrency : undefined;
    const invalid = invalidField(metric, amount, day, billingPeriod, currency);
    if (invalid || amount === undefined || !day || !billingPeriod || !currency) {
      sink.quarantine('invalid-record', `focus ${position}: ${invalid} is missing or invalid`, position, row);
      return;
    }
    let tags: Record<string, string> | undefined;
    try {
      tags = tagsOf(row.Tags);
    } catch {
      sink.quarantine('invalid-record', `focus ${position}: Tags is not a JSON object`, position, row);
      return;
    }
    if (row.InvoiceId !== null && row.InvoiceId !== undefined) invoiced += 1;
    const tag = tags?.[tagKey];
    tally.add({
      owner: tag === undefined || tag === '' ? 'untagged' : tag === tagValue ? 'mine' : 'others',
      billingPeriod,
      provider: String(row.ProviderName),
      service: String(row.ServiceName ?? 'unknown service'),
      category: String(row.ChargeCategory ?? 'Usage'),
      currency,
      day,
      amount,
      rows: 1,
    });
  });

  emitFocusCost(sink, {
    ...tally.sums(),
    rows: rows.length,
    invoiced,
    options: { metric, shared, tagKey, tagValue, projectRef },
  });
}

type Dec_ = InstanceType<typeof Dec>;

/** Per billing period and currency: this project's tagged cost, all tagged cost, untagged cost. */
interface PeriodSums {
  mine: Dec_;
  tagged: Dec_;
  untagged: Dec_;
  untaggedRows: number;
}

interface FocusIds {
  readonly metric: string;
  readonly tagKey: string;
  readonly tagValue: string;
  readonly projectRef: string;
}

/** Adds cost to the project's record of its provider, service, charge category, currency and day. */
function addToProject(
  project: Map<string, Bucket>,
  cost: {
    provider: string;
    service: string;
    category: string;
    currency: string;
    day: string;
    amount: string | Dec_;
    rows: number;
  },
  { metric, tagKey, tagValue, projectRef }: FocusIds,
): void {
  const { provider, service, category, currency, day } = cost;
  const key = [provider, service, category, currency, day].join('|');
  const bucket = project.get(key) ?? {
    amount: new Dec(0),
    rows: 0,
    record: {
      kind: 'cost',
      category: 'cloud',
      vendor: provider,
      currency,
      date: day,
      document: category === 'Usage' ? 'usage' : category.toLowerCase(),
      description: `${service} (${category}, ${metric})`,
      projectRef,
      sourceId: sourceIdOf([provider, service, category, currency, day, metric, tagKey, tagValue]),
    },
  };
  bucket.amount = bucket.amount.plus(cost.amount);
  bucket.rows += cost.rows;
  project.set(key, bucket);
}

/** The first of a cost row's fields that is missing or invalid, by its FOCUS column name. */
function invalidField(
  metric: string,
  amount: string | undefined,
  day: string | undefined,
  billingPeriod: string | undefined,
  currency: string | undefined,
): string | undefined {
  if (amount === undefined) return metric;
  if (!day) return 'ChargePeriodStart';
  if (!billingPeriod) return 'BillingPeriodStart';
  if (!currency || !/^[A-Z]{3}$/.test(currency)) return 'BillingCurrency';
  return undefined;
}

/**
 * Folds cost rows — the export file's, or the nightly query's already grouped ones — into the
 * project's buckets and the per billing period and currency sums: untagged cost apart, every tagged
 * cost in `tagged`, this project's also in `mine` and in its bucket.
 */
function focusTally(ids: FocusIds) {
  const project = new Map<string, Bucket>();
  const periods = new Map<string, PeriodSums>();
  let otherProjects = 0;
  return {
    add(row: {
      owner: 'mine' | 'others' | 'untagged';
      billingPeriod: string;
      provider: string;
      service: string;
      category: string;
      currency: string;
      day: string;
      amount: string;
      rows: number;
    }): void {
      const periodKey = `${row.billingPeriod}|${row.currency}`;
      const period = periods.get(periodKey) ?? {
        mine: new Dec(0),
        tagged: new Dec(0),
        untagged: new Dec(0),
        untaggedRows: 0,
      };
      periods.set(periodKey, period);
      if (row.owner === 'untagged') {
        period.untagged = period.untagged.plus(row.amount);
        period.untaggedRows += row.rows;
        return;
      }
      period.tagged = period.tagged.plus(row.amount);
      if (row.owner === 'others') {
        otherProjects += row.rows;
        return;
      }
      period.mine = period.mine.plus(row.amount);
      addToProject(project, row, ids);
    },
    sums: () => ({ project, periods, otherProjects }),
  };
}

/**
 * The project's records from its sums, whichever way they were made (the export file read here, or
 * the nightly query's rows): one per provider, service, charge category, currency and day, one
 * allocation of the untagged cost per billing period and currency, and the notes.
 */
function emitFocusCost(
  sink: RecordSink,
  state: {
    project: Map<string, Bucket>;
    periods: Map<string, PeriodSums>;
    rows: number;
    invoiced: number;
    otherProjects: number;
    options: FocusIds & { shared: string };
  },
): void {
  const { project, periods, invoiced, otherProjects } = state;
  const { metric, shared, tagKey, tagValue, projectRef } = state.options;
  const rows = { length: state.rows };
  for (const bucket of project.values()) {
    sink.accept({ ...bucket.record, amount: bucket.amount.toFixed() }, `${bucket.rows} rows`, bucket.record);
  }
  for (const [key, period] of [...periods.entries()].sort()) {
    const [billingPeriod, currency] = key.split('|') as [string, string];
    if (period.untagged.isZero()) continue;
    let share: InstanceType<typeof Dec> | undefined;
    let rule: string;
    if (shared === 'none') {
      sink.notes.push(
        `focus: ${period.untagged.toFixed()} ${currency} of untagged cost in the billing period from ${billingPeriod} is not allocated (shared: none)`,
      );
      continue;
    }
    if (shared === 'proportional') {
      share = period.tagged.isZero() ? new Dec(0) : period.mine.div(period.tagged);
      rule = `proportional to tagged cost (${period.mine.toFixed()} of ${period.tagged.toFixed()} ${currency})`;
    } else if (DECIMAL.test(shared) && new Dec(shared).gte(0) && new Dec(shared).lte(1)) {
      share = new Dec(shared);
      rule = `fixed share ${shared}`;
    } else {
      sink.quarantine(
        'invalid-options',
        `focus: option shared "${shared}" is not proportional, none or a share 0–1`,
        'file',
        null,
      );
      return;
    }
    // Twelve decimals: exact enough for any bill, and the statement rounds once per line.
    const allocated = period.untagged.times(share).toDecimalPlaces(12, Dec.ROUND_HALF_EVEN);
    sink.accept(
      {
        kind: 'cost',
        category: 'cloud',
        vendor: 'Shared and untagged cloud cost',
        currency,
        date: billingPeriod,
        document: 'allocation',
        description: `Untagged ${period.untagged.toFixed()} ${currency} (${period.untaggedRows} rows) allocated ${rule}`,
        projectRef,
        sourceId: sourceIdOf(['shared', billingPeriod, currency, metric, tagKey, tagValue, shared]),
        amount: allocated.toFixed(),
      },
      `billing period ${billingPeriod}`,
      { billingPeriod, currency, untagged: period.untagged.toFixed(), rule },
    );
  }
  if (otherProjects > 0) sink.notes.push(`focus: ${otherProjects} rows tagged for other projects ignored`);
  sink.notes.push(
    invoiced === rows.length && rows.length > 0
      ? 'focus: billing period final (every row has an InvoiceId)'
      : `focus: billing period not final (${rows.length - invoiced} of ${rows.length} rows without an InvoiceId): figures may change until the invoice`,
  );
  sink.notes.push(
    `focus: cost metric ${metric}${metric === 'EffectiveCost' ? ' (amortised commitments)' : ''}`,
  );
}

/** A row of the nightly FOCUS query as a settlement's slice holds it: its own tag, untagged, or others'. */
export interface FocusSliceRow {
  readonly tag: 'mine' | 'untagged' | 'others';
  readonly provider: string | null;
  readonly service: string | null;
  readonly category: string | null;
  readonly currency: string | null;
  readonly day: string | null;
  readonly billingPeriod: string | null;
  readonly cost: string | null;
  readonly rows: number;
  readonly invoiced: number;
}

export function isFocusQueryPage(
  page: unknown,
): page is { focusQuery: { queryId: string; rows: FocusSliceRow[] } } {
  const q = isObject(page) ? page.focusQuery : undefined;
  return isObject(q) && typeof q.queryId === 'string' && Array.isArray(q.rows);
}

/**
 * The project's cost from the rows of the FOCUS query (Athena in the cloud, DuckDB locally) — the
 * same records, allocation and notes as reading the export file here (`addFocusFile`).
 */
export function addFocusQueryPage(
  sink: RecordSink,
  page: unknown,
  options: SourceOptions,
  label: string,
): void {
  const read = focusOptions(sink, options, label);
  if (!read) return;
  const { tagKey, projectRef, tagValue, metric, shared } = read;
  if (!isFocusQueryPage(page)) {
    sink.quarantine(
      'unexpected-shape',
      `focus ${label}: expected the rows of the FOCUS cost query`,
      label,
      page,
    );
    return;
  }
  const tally = focusTally({ metric, tagKey, tagValue, projectRef });
  let rows = 0;
  let invoiced = 0;
  page.focusQuery.rows.forEach((row, index) => {
    const position = `${label} row ${index + 1}`;
    rows += row.rows;
    invoiced += row.invoiced;
    const amount = decimalOf(row.cost);
    const day = dateOf(row.day);
    const billingPeriod = dateOf(row.billingPeriod);
    const currency = row.currency ?? undefined;
    const invalid = invalidField(metric, amount, day, billingPeriod, currency);
    if (invalid || amount === undefined || !day || !billingPeriod || !currency) {
      sink.quarantine(
        'invalid-record',
        `focus ${position}: ${invalid} is missing or invalid (${row.rows} rows)`,
        position,
        row,
      );
      return;
    }
    tally.add({
      owner: row.tag === 'untagged' ? 'untagged' : row.tag === 'others' ? 'others' : 'mine',
      billingPeriod,
      provider: String(row.provider),
      service: String(row.service ?? 'unknown service'),
      category: String(row.category ?? 'Usage'),
      currency,
      day,
      amount,
      rows: row.rows,
    });
  });
  emitFocusCost(sink, {
    ...tally.sums(),
    rows,
    invoiced,
    options: { metric, shared, tagKey, tagValue, projectRef },
  });
}

export const focusConnector: Connector = {
  name: 'focus',
  summary: 'FOCUS cost exports (AWS Data Exports, Azure; CSV or Parquet) by project tag, amortised cost',
  options: {
    projectRef: COMMON_OPTIONS.projectRef,
    tagKey: { type: 'string', description: 'the tag that names the project in the export’s Tags (required)' },
    tagValue: { type: 'string', description: 'tag value that means this project (default: projectRef)' },
    metric: {
      type: 'string',
      description: 'EffectiveCost (default: amortised commitments) or BilledCost (invoiced amounts)',
    },
    shared: {
      type: 'string',
      description:
        'untagged cost: proportional (default, by the project’s share of tagged cost), a share 0–1 such as 0.25, or none (reported in a note)',
    },
  },
  addFile: addFocusFile,
  // Live mode: the rows of the tenant's FOCUS export query (the nightly snapshot's slice, or a
  // settlement's own query when started by hand: functions/collect-source.ts).
  addPages: pageByPage(addFocusQueryPage),
  fetchPages: async ({ binding }) => {
    throw new SourceConfigError(
      `${binding.id}: a live FOCUS source queries the tenant's export for a dated window with option tagKey; this window opens at the start of time or tagKey is missing (set tagKey, or bind the export file in mode "file")`,
      { source: binding.id },
    );
  },
  accountWide: { keep: (record, projectRef) => record.projectRef === projectRef },
};

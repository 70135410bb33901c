import { z } from 'zod';
import { Dec } from '#domain/money.ts';
import type { DataSourceBinding } from '#domain/sources.ts';
import { DEFAULT_METRIC, projectRefOfTag, tagOfGroupKeys } from './aws-cost-explorer.ts';
import type { FocusSliceRow } from './focus.ts';
import { isObject, type SourceOptions, stringOption, text } from './record-sink.ts';
import type { CollectWindow, SharedSlice } from './types.ts';

/**
 * The nightly cloud-cost snapshot: one account-wide query per source kind and window (Cost Explorer
 * grouped by the project tag, or the tenant's FOCUS export through Athena) answers every settlement
 * the night starts. Each settlement reads its project's slice from here instead of paying a query
 * of its own; the slice has the shape of the connector's own answer, so the records are the same.
 */

const DecimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'an exact decimal string');
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** One Cost Explorer group (a tag value in one time period), amounts exactly as the response had them. */
export const CostExplorerGroup = z.object({
  start: Day,
  end: Day,
  estimated: z.boolean(),
  keys: z.array(z.string()),
  metric: z.string().min(1),
  amount: z.string().min(1),
  unit: z.string().min(1),
});
export type CostExplorerGroup = z.infer<typeof CostExplorerGroup>;

/** One row of the FOCUS query: cost of one tag value by provider, service, charge category and day. */
export const FocusCostRow = z.object({
  provider: z.string().nullable(),
  service: z.string().nullable(),
  category: z.string().nullable(),
  currency: z.string().nullable(),
  day: z.string().nullable(),
  billingPeriod: z.string().nullable(),
  cost: DecimalString.nullable(),
  rows: z.number().int().nonnegative(),
  invoiced: z.number().int().nonnegative(),
});
export type FocusCostRow = z.infer<typeof FocusCostRow>;

export const CloudCostKind = z.enum(['aws-cost-explorer', 'focus']);
export type CloudCostKind = z.infer<typeof CloudCostKind>;

export const CloudCostQuery = z.object({
  kind: CloudCostKind,
  /** What was asked (kind, tag, metric, granularity, export, window): bindings asking the same share it. */
  key: z.string().min(1),
  window: z.object({ from: Day, to: Day }),
  /** Cost Explorer's request id, or Athena's QueryExecutionId. */
  queryId: z.string().min(1),
  /** Every period of the answer is final (closed month / invoiced billing period). */
  final: z.boolean(),
  note: z.string(),
  currencies: z.array(z.string()),
  /** The tag values of the settlements it was made for; another project queries alone. */
  tagValues: z.array(z.string()),
  /** Per tag value ('' = untagged): Cost Explorer groups, or FOCUS rows. */
  projects: z.record(z.string(), z.array(z.union([CostExplorerGroup, FocusCostRow]))),
});
export type CloudCostQuery = z.infer<typeof CloudCostQuery>;

export const CloudCostSnapshot = z.object({
  tenantId: z.string().min(1),
  asOf: Day,
  queries: z.array(CloudCostQuery),
});
export type CloudCostSnapshot = z.infer<typeof CloudCostSnapshot>;

/** The sources a nightly query can serve: Cost Explorer live, FOCUS live (the tenant's export). */
export function sharedKindOf(binding: DataSourceBinding): CloudCostKind | undefined {
  if (binding.mode !== 'live') return undefined;
  if (binding.connector === 'aws-cost-explorer') return 'aws-cost-explorer';
  if (binding.connector === 'focus') return 'focus';
  return undefined;
}

/** The question a binding asks for a window; bindings with the same key share one query. */
export function sharedQueryKey(binding: DataSourceBinding, window: CollectWindow): string | undefined {
  const kind = sharedKindOf(binding);
  const tagKey = stringOption(binding.options, 'tagKey');
  if (!kind || !tagKey) return undefined;
  const o = binding.options;
  const parts =
    kind === 'aws-cost-explorer'
      ? [stringOption(o, 'metric') ?? DEFAULT_METRIC, stringOption(o, 'granularity') ?? 'MONTHLY']
      : [stringOption(o, 'metric') === 'BilledCost' ? 'BilledCost' : 'EffectiveCost'];
  return [kind, tagKey, ...parts, window.from, window.to].join('|');
}

/** The tag value that means the binding's project (option tagValue, else the projectRef). */
export function ownTagValue(options: SourceOptions, projectRef: string): string {
  return stringOption(options, 'tagValue') ?? projectRef;
}

/** Cost Explorer pages → the query's snapshot entry (every group kept, by tag value). */
export function costExplorerQuery(
  pages: readonly unknown[],
  fields: { key: string; window: CollectWindow; queryId: string; tagValues: readonly string[] },
): CloudCostQuery {
  const projects: Record<string, CostExplorerGroup[]> = {};
  const currencies = new Set<string>();
  let periods = 0;
  let estimated = 0;
  for (const page of pages) {
    const results = isObject(page) && Array.isArray(page.ResultsByTime) ? page.ResultsByTime : [];
    for (const period of results) {
      if (!isObject(period) || !isObject(period.TimePeriod)) continue;
      periods += 1;
      if (period.Estimated === true) estimated += 1;
      for (const group of Array.isArray(period.Groups) ? period.Groups : []) {
        if (!isObject(group) || !Array.isArray(group.Keys) || !isObject(group.Metrics)) continue;
        const keys = group.Keys.map(String);
        for (const [metric, value] of Object.entries(group.Metrics)) {
          if (!isObject(value)) continue;
          const unit = text(value.Unit) ?? '';
          if (unit) currencies.add(unit);
          const tag = tagOfGroupKeys(keys);
          projects[tag] ??= [];
          projects[tag].push({
            start: String(period.TimePeriod.Start),
            end: String(period.TimePeriod.End),
            estimated: period.Estimated === true,
            keys,
            metric,
            amount: String(value.Amount),
            unit,
          });
        }
      }
    }
  }
  return {
    kind: 'aws-cost-explorer',
    key: fields.key,
    window: { from: fields.window.from, to: fields.window.to },
    queryId: fields.queryId,
    final: estimated === 0,
    note:
      estimated === 0
        ? `${periods} period(s), none estimated`
        : `${estimated} of ${periods} period(s) estimated (the month is not closed yet)`,
    currencies: [...currencies].sort(),
    tagValues: [...new Set(fields.tagValues)].sort(),
    projects,
  };
}

/** The Cost Explorer response holding only the groups of `tags`, period by period, in the query's order. */
function costExplorerPage(groups: readonly CostExplorerGroup[]): unknown {
  const periods = new Map<
    string,
    { TimePeriod: object; Estimated: boolean; Groups: unknown[]; Total: object }
  >();
  const ordered = [...groups].sort((a, b) => a.start.localeCompare(b.start));
  for (const g of ordered) {
    const id = `${g.start}/${g.end}`;
    const period = periods.get(id) ?? {
      TimePeriod: { Start: g.start, End: g.end },
      Total: {},
      Groups: [],
      Estimated: g.estimated,
    };
    period.Groups.push({ Keys: g.keys, Metrics: { [g.metric]: { Amount: g.amount, Unit: g.unit } } });
    periods.set(id, period);
  }
  return { ResultsByTime: [...periods.values()] };
}

/**
 * The slice of the night's snapshot that answers `binding` for `projectRef`, or undefined when the
 * snapshot holds no query for it (another window, tag or metric; a project it was not made for).
 */
export function sliceOf(
  snapshot: CloudCostSnapshot,
  snapshotKey: string,
  binding: DataSourceBinding,
  projectRef: string,
  window: CollectWindow,
): SharedSlice | undefined {
  const key = sharedQueryKey(binding, window);
  const query = snapshot.queries.find((q) => q.key === key);
  const pages = query && projectPagesOf(query, binding, projectRef);
  if (!query || !pages) return undefined;
  const body = JSON.stringify({ snapshot: snapshotKey, queryId: query.queryId, pages });
  return {
    pages,
    note: `${binding.id}: read from the nightly cloud-cost snapshot ${snapshotKey} (query ${query.queryId}, one query for ${query.tagValues.length} project tag(s); ${query.final ? 'final' : 'estimated'}: ${query.note})`,
    raw: {
      name: `${binding.id}/snapshot-slice.json`,
      contentType: 'application/json',
      body: new TextEncoder().encode(body),
    },
  };
}

/**
 * The project's part of one cloud-cost query, as pages in the shape the connector's own query
 * returns: its tag values (its own, and any the binding's projectMap sends to it) and the untagged
 * cost. Undefined when the query was not asked for the project's tag value.
 */
export function projectPagesOf(
  query: CloudCostQuery,
  binding: DataSourceBinding,
  projectRef: string,
): unknown[] | undefined {
  const options = {
    ...binding.options,
    projectRef: stringOption(binding.options, 'projectRef') ?? projectRef,
  };
  if (!query.tagValues.includes(ownTagValue(options, projectRef))) return undefined;
  const tags = Object.keys(query.projects).filter(
    (tag) =>
      tag === '' ||
      (query.kind === 'aws-cost-explorer'
        ? projectRefOfTag(options, tag) === options.projectRef
        : tag === ownTagValue(options, projectRef)),
  );
  const mine = Object.fromEntries(tags.map((tag) => [tag, query.projects[tag] ?? []]));
  return query.kind === 'aws-cost-explorer'
    ? [costExplorerPage(Object.values(mine).flat() as CostExplorerGroup[])]
    : [
        {
          focusQuery: {
            queryId: query.queryId,
            rows: focusSliceRows(query, ownTagValue(options, projectRef)),
          },
        },
      ];
}

/** The rows of the FOCUS cost query (analytics/cloud-costs/focus-costs.sql) → the snapshot's entry. */
export function focusQuery(
  rows: readonly Record<string, string | null>[],
  fields: {
    key: string;
    window: CollectWindow;
    queryId: string;
    tagValues: readonly string[];
    metric: string;
  },
): CloudCostQuery {
  const projects: Record<string, FocusCostRow[]> = {};
  const currencies = new Set<string>();
  let count = 0;
  let invoiced = 0;
  for (const row of rows) {
    const tag = row.tag_value ?? '';
    const cost = fields.metric === 'BilledCost' ? row.billed_cost : row.effective_cost;
    const entry = FocusCostRow.parse({
      provider: row.provider ?? null,
      service: row.service ?? null,
      category: row.category ?? null,
      currency: row.currency ?? null,
      day: row.charge_day ?? null,
      billingPeriod: row.billing_period_start ?? null,
      cost: cost === null || cost === undefined ? null : new Dec(cost).toFixed(),
      rows: Number(row.row_count ?? 0),
      invoiced: Number(row.invoiced_rows ?? 0),
    });
    if (entry.currency) currencies.add(entry.currency);
    count += entry.rows;
    invoiced += entry.invoiced;
    projects[tag] ??= [];
    projects[tag].push(entry);
  }
  const final = count > 0 && invoiced === count;
  return {
    kind: 'focus',
    key: fields.key,
    window: { from: fields.window.from, to: fields.window.to },
    queryId: fields.queryId,
    final,
    note: final
      ? `every one of ${count} rows has an InvoiceId`
      : `${count - invoiced} of ${count} rows without an InvoiceId: figures may change until the invoice`,
    currencies: [...currencies].sort(),
    tagValues: [...new Set(fields.tagValues)].sort(),
    projects,
  };
}

/**
 * A project's slice of a FOCUS query: its own rows, the untagged rows, and the other projects'
 * rows summed per billing period and currency (the base of a proportional allocation, no detail).
 */
function focusSliceRows(query: CloudCostQuery, own: string): FocusSliceRow[] {
  const out: FocusSliceRow[] = [];
  const others = new Map<
    string,
    { cost: InstanceType<typeof Dec>; rows: number; invoiced: number; null: boolean }
  >();
  for (const [tag, entries] of Object.entries(query.projects)) {
    for (const entry of entries as FocusCostRow[]) {
      if (tag === own || tag === '') {
        out.push({ tag: tag === '' ? 'untagged' : 'mine', ...entry });
        continue;
      }
      const key = `${entry.billingPeriod}|${entry.currency}`;
      const sum = others.get(key) ?? { cost: new Dec(0), rows: 0, invoiced: 0, null: false };
      if (entry.cost === null) sum.null = true;
      else sum.cost = sum.cost.plus(entry.cost);
      sum.rows += entry.rows;
      sum.invoiced += entry.invoiced;
      others.set(key, sum);
    }
  }
  for (const [key, sum] of [...others].sort(([a], [b]) => a.localeCompare(b))) {
    const [billingPeriod = '', currency = ''] = key.split('|');
    out.push({
      tag: 'others',
      provider: null,
      service: null,
      category: null,
      currency,
      day: billingPeriod,
      billingPeriod,
      cost: sum.null ? null : sum.cost.toFixed(),
      rows: sum.rows,
      invoiced: sum.invoiced,
    });
  }
  return out;
}

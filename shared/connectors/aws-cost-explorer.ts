import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandInput,
  type GetCostAndUsageCommandOutput,
} from '@aws-sdk/client-cost-explorer';
import {
  addJsonFile,
  COMMON_OPTIONS,
  type Connector,
  type CostExplorerLike,
  type LiveContext,
  pageByPage,
} from './connector.ts';
import {
  SourceAuthError,
  SourceConfigError,
  SourcePayloadError,
  SourceRateLimitedError,
  SourceUnavailableError,
} from './errors.ts';
import type { FetchedPage } from './http.ts';
import {
  isObject,
  mapOption,
  projectFor,
  type RecordSink,
  type SourceOptions,
  stringOption,
  text,
} from './record-sink.ts';
import { parseDate, parseDecimal } from './values.ts';

/**
 * AWS Cost Explorer by cost-allocation tag. Live: `GetCostAndUsage` grouped by `TAG` `options.tagKey`,
 * metric `options.metric` (default NetAmortizedCost), `End` exclusive (= the window's `to`), following
 * `NextPageToken`. File: a saved response (or an array of them). Metric per group: `options.metric` when
 * set (a group without it is quarantined, naming the metrics it has); else the one cost metric the
 * group has; else, among several, NetAmortizedCost. The note names the metric(s) used.
 * Amounts are decimal strings with many decimals and are kept exactly; credits are negative.
 * Group keys look like `project$atlas`; the untagged group `project$` is kept as projectRef
 * `unallocated` (never dropped) and reported. Other tag values map through `options.projectMap`,
 * `options.tagValue` maps to the binding's projectRef, anything else keeps its tag value.
 * Options: tagKey, tagValue, metric, granularity (MONTHLY|DAILY), projectRef, projectMap, maxPages.
 */

export const UNALLOCATED = 'unallocated';
export const DEFAULT_METRIC = 'NetAmortizedCost';
/** Cost Explorer's cost metrics (UsageQuantity and NormalizedUsageAmount are quantities, not money). */
export const COST_METRICS = [
  'AmortizedCost',
  'BlendedCost',
  'NetAmortizedCost',
  'NetUnblendedCost',
  'UnblendedCost',
];

/** The metric a group's amount is read from, or the reason none can be chosen. */
function chooseMetric(
  metrics: Record<string, unknown>,
  configured: string | undefined,
): { metric?: string; problem?: string } {
  const present = Object.keys(metrics).filter((key) => COST_METRICS.includes(key) || key === configured);
  const listed = Object.keys(metrics).join(', ') || 'none';
  if (configured !== undefined)
    return configured in metrics
      ? { metric: configured }
      : {
          problem: `metric \`${configured}\` (option metric) is missing from \`Metrics\`; present: ${listed}`,
        };
  if (present.length === 1) return { metric: present[0] };
  if (present.includes(DEFAULT_METRIC)) return { metric: DEFAULT_METRIC };
  return {
    problem:
      present.length === 0
        ? `no cost metric in \`Metrics\` (present: ${listed})`
        : `several cost metrics and no ${DEFAULT_METRIC} (present: ${listed}); choose one with the option metric`,
  };
}

export function isCostExplorerPage(value: unknown): boolean {
  return isObject(value) && Array.isArray(value.ResultsByTime);
}

export function addCostExplorerPage(
  sink: RecordSink,
  page: unknown,
  options: SourceOptions,
  pageLabel: string,
): void {
  if (!isCostExplorerPage(page)) {
    sink.quarantine(
      'unexpected-shape',
      `aws-cost-explorer ${pageLabel || 'file'}: expected a GetCostAndUsage response with \`ResultsByTime\``,
      pageLabel || 'file',
      page,
    );
    return;
  }
  const configured = stringOption(options, 'metric');
  const used = new Set<string>();
  const tagValue = stringOption(options, 'tagValue');
  const map = mapOption(options, 'projectMap');
  const prefix = pageLabel ? `${pageLabel} ` : '';
  let unallocated = 0;
  let estimated = 0;
  (page as { ResultsByTime: unknown[] }).ResultsByTime.forEach((period, p) => {
    const periodPosition = `${prefix}period ${p + 1}`;
    if (!isObject(period) || !isObject(period.TimePeriod)) {
      sink.quarantine(
        'unexpected-shape',
        `aws-cost-explorer ${periodPosition}: field \`TimePeriod\` is missing`,
        periodPosition,
        period,
      );
      return;
    }
    const start = parseDate(period.TimePeriod.Start);
    const end = text(period.TimePeriod.End) ?? '';
    if (period.Estimated === true) estimated += 1;
    const groups = Array.isArray(period.Groups) ? period.Groups : [];
    const items: { position: string; keys: string[]; metrics: unknown; raw: unknown }[] =
      groups.length > 0
        ? groups.map((group, g) => ({
            position: `${periodPosition} group ${g + 1}`,
            keys: isObject(group) && Array.isArray(group.Keys) ? group.Keys.map(String) : [],
            metrics: isObject(group) ? group.Metrics : undefined,
            raw: group,
          }))
        : isObject(period.Total) && Object.keys(period.Total).length > 0
          ? [{ position: `${periodPosition} total`, keys: [], metrics: period.Total, raw: period.Total }]
          : [];
    for (const item of items) {
      const choice = chooseMetric(isObject(item.metrics) ? item.metrics : {}, configured);
      const metric = choice.metric ?? '';
      const value = isObject(item.metrics) ? item.metrics[metric] : undefined;
      if (choice.problem !== undefined || !isObject(value)) {
        sink.quarantine(
          'missing-metric',
          `aws-cost-explorer ${item.position}: ${choice.problem ?? `metric \`${metric}\` is not an object`}`,
          item.position,
          item.raw,
        );
        continue;
      }
      used.add(metric);
      const amount = parseDecimal(value.Amount);
      if (amount === undefined) {
        sink.quarantine(
          'invalid-amount',
          `aws-cost-explorer ${item.position}: field \`Metrics.${metric}.Amount\` is not a decimal string`,
          item.position,
          item.raw,
        );
        continue;
      }
      if (start === undefined) {
        sink.quarantine(
          'invalid-date',
          `aws-cost-explorer ${item.position}: field \`TimePeriod.Start\` is not a date`,
          item.position,
          period,
        );
        continue;
      }
      // With a second GroupBy (e.g. RECORD_TYPE) Keys holds two entries; the tag entry is `key$value`.
      const tagEntry = item.keys.find((key) => key.includes('$')) ?? '';
      const others = item.keys.filter((key) => key !== tagEntry);
      const dollar = tagEntry.indexOf('$');
      const tagKey = dollar >= 0 ? tagEntry.slice(0, dollar) : '';
      const tag = dollar >= 0 ? tagEntry.slice(dollar + 1) : '';
      const suffix = others.length > 0 ? ` (${others.join(', ')})` : '';
      let projectRef: string | undefined;
      if (tag === '') {
        projectRef = UNALLOCATED;
        unallocated += 1;
      } else {
        projectRef = map[tag] ?? (tag === tagValue ? projectFor(options) : undefined) ?? tag;
      }
      sink.accept(
        {
          kind: 'cost',
          sourceId: `${start}/${end}/${item.keys.join('|') || 'total'}/${metric}`,
          projectRef,
          category: stringOption(options, 'category') ?? 'cloud',
          amount,
          currency: text(value.Unit),
          date: start,
          vendor: 'Amazon Web Services',
          document: 'usage',
          ...(period.Estimated === true ? { estimated: true } : {}),
          description:
            tag === ''
              ? `${metric}, untagged${tagKey ? ` (no ${tagKey} tag)` : ''}: unallocated cloud cost${suffix}`
              : `${metric}, tag ${tagKey}=${tag}${suffix}`,
        },
        item.position,
        item.raw,
      );
    }
  });
  if (used.size > 0)
    sink.note(
      `aws-cost-explorer ${pageLabel || 'file'}: amounts are ${[...used].join(' and ')}${configured ? ' (option metric)' : used.size === 1 && used.has(DEFAULT_METRIC) ? '' : ' (the only cost metric in the response)'}`,
    );
  if (unallocated > 0)
    sink.note(
      `aws-cost-explorer ${pageLabel || 'file'}: ${unallocated} untagged cost group(s) kept as projectRef "${UNALLOCATED}"`,
    );
  if (estimated > 0)
    sink.note(
      `aws-cost-explorer ${pageLabel || 'file'}: ${estimated} period(s) are estimated (the month is not closed yet)`,
    );
}

function mapSdkError(error: unknown, source: string): Error {
  const name = error instanceof Error ? error.name : '';
  const status =
    isObject(error) && isObject(error.$metadata) ? Number(error.$metadata.httpStatusCode) : undefined;
  const context = { source, url: 'ce:GetCostAndUsage', status, cause: error };
  if (/Throttling|LimitExceeded|TooManyRequests/.test(name)) {
    return new SourceRateLimitedError(
      `${source}: Cost Explorer throttled GetCostAndUsage (${name}); retry later`,
      context,
    );
  }
  if (
    /AccessDenied|UnrecognizedClient|ExpiredToken|InvalidClientTokenId|InvalidSignature|CredentialsProvider/.test(
      name,
    )
  ) {
    return new SourceAuthError(
      `${source}: Cost Explorer rejected the credentials (${name}); check the role's ce:GetCostAndUsage permission`,
      context,
    );
  }
  if (/DataUnavailable|BillExpiration|RequestChangedException/.test(name)) {
    return new SourceUnavailableError(`${source}: Cost Explorer data unavailable (${name})`, context);
  }
  if (status !== undefined && status >= 500) {
    return new SourceUnavailableError(`${source}: Cost Explorer unavailable (HTTP ${status})`, context);
  }
  if (/Validation|InvalidNextToken/.test(name)) {
    return new SourceConfigError(
      `${source}: Cost Explorer refused the query (${name}); check tagKey, metric and the window`,
      context,
    );
  }
  return new SourceUnavailableError(
    `${source}: Cost Explorer call failed (${name || 'network error'})`,
    context,
  );
}

let defaultClient: CostExplorerLike | undefined;
function getDefaultClient(): CostExplorerLike {
  // Cost Explorer's API endpoint is global and lives in us-east-1, whatever the stack's region.
  defaultClient ??= new CostExplorerClient({ region: 'us-east-1' });
  return defaultClient;
}

/** The tag a Cost Explorer group key names (`project$atlas` → `atlas`; the untagged `project$` → ''). */
export function tagOfGroupKeys(keys: readonly string[]): string {
  const entry = keys.find((key) => key.includes('$')) ?? '';
  return entry.slice(entry.indexOf('$') + 1);
}

/** The projectRef a tag value's cost is recorded under (as `addCostExplorerPage` maps it). */
export function projectRefOfTag(options: SourceOptions, tag: string): string {
  if (tag === '') return UNALLOCATED;
  return (
    mapOption(options, 'projectMap')[tag] ??
    (tag === stringOption(options, 'tagValue') ? projectFor(options) : undefined) ??
    tag
  );
}

/** What one GetCostAndUsage query asks: the tag to group by, the metric, the granularity. */
export interface CostExplorerQuery {
  /** Names the query in errors and raw payload names (the binding id, or the nightly query). */
  readonly id: string;
  readonly options: SourceOptions;
}

/**
 * Calls GetCostAndUsage page by page for a window, grouped by the tag `options.tagKey`: every
 * project of the account at once. Used per settlement (live mode) and once per night for all.
 */
export async function queryCostExplorer(
  client: CostExplorerLike,
  query: CostExplorerQuery,
  window: { readonly from: string; readonly to: string },
): Promise<FetchedPage[]> {
  const { id, options } = query;
  const tagKey = stringOption(options, 'tagKey');
  if (tagKey === undefined) {
    throw new SourceConfigError(
      `${id}: option tagKey (the cost-allocation tag, e.g. "project") is required`,
      {
        source: id,
      },
    );
  }
  const maxPages = Number(options.maxPages ?? 100);
  const metric = stringOption(options, 'metric') ?? DEFAULT_METRIC;
  const pages: FetchedPage[] = [];
  const tokens = new Set<string>();
  let token: string | undefined;
  do {
    if (pages.length >= maxPages) {
      throw new SourcePayloadError(
        `${id}: Cost Explorer returned more than ${maxPages} pages; the pager seems endless`,
        {
          source: id,
        },
      );
    }
    const input: GetCostAndUsageCommandInput = {
      TimePeriod: { Start: window.from, End: window.to },
      Granularity: (stringOption(options, 'granularity') ?? 'MONTHLY') as 'MONTHLY' | 'DAILY',
      Metrics: [metric],
      GroupBy: [{ Type: 'TAG', Key: tagKey }],
      ...(token === undefined ? {} : { NextPageToken: token }),
    };
    let output: GetCostAndUsageCommandOutput;
    try {
      output = await client.send(new GetCostAndUsageCommand(input));
    } catch (error) {
      throw mapSdkError(error, id);
    }
    const { $metadata: _metadata, ...body } = output;
    pages.push({
      json: body,
      raw: {
        name: `${id}/page-${String(pages.length + 1).padStart(4, '0')}.json`,
        contentType: 'application/json',
        body: new TextEncoder().encode(JSON.stringify(body)),
      },
    });
    token = output.NextPageToken || undefined;
    if (token !== undefined) {
      if (tokens.has(token)) {
        throw new SourcePayloadError(
          `${id}: Cost Explorer repeated a NextPageToken; stopping instead of looping`,
          {
            source: id,
          },
        );
      }
      tokens.add(token);
    }
  } while (token !== undefined);
  return pages;
}

/** Live mode: one query for the settlement's window. The client is injectable (tests, local runtime). */
function fetchCostExplorerPages({ binding, window, costExplorer }: LiveContext): Promise<FetchedPage[]> {
  return queryCostExplorer(
    costExplorer ?? getDefaultClient(),
    { id: binding.id, options: binding.options },
    window,
  );
}

export const costExplorerConnector: Connector = {
  name: 'aws-cost-explorer',
  summary: 'AWS Cost Explorer GetCostAndUsage grouped by a cost-allocation tag',
  options: {
    ...COMMON_OPTIONS,
    projectMap: { type: 'map', description: 'tag value → projectRef' },
    tagKey: { type: 'string', description: 'cost-allocation tag, e.g. project (required live)' },
    tagValue: { type: 'string', description: 'tag value that means this project (→ projectRef)' },
    metric: {
      type: 'string',
      description: `cost metric: ${COST_METRICS.join(', ')} (default: the only one present, else ${DEFAULT_METRIC})`,
    },
    category: { type: 'string', description: 'cost category (default cloud)' },
    granularity: { type: 'string', description: 'MONTHLY (default) or DAILY', live: true },
  },
  addFile: (sink, bytes, options) =>
    addJsonFile(costExplorerConnector, isCostExplorerPage, sink, bytes, options),
  addPages: pageByPage(addCostExplorerPage),
  fetchPages: fetchCostExplorerPages,
  // One response holds every tag value: a settlement keeps its project's cost and the untagged cost.
  accountWide: {
    keep: (record, projectRef) => record.projectRef === projectRef || record.projectRef === UNALLOCATED,
  },
};

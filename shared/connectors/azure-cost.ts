import { UNALLOCATED } from './aws-cost-explorer.ts';
import { addJsonFile, COMMON_OPTIONS, type Connector, type LiveContext, pageByPage } from './connector.ts';
import { type FetchedPage, fetchAllPages, joinUrl, resolveUrl } from './http.ts';
import { azureAccessToken } from './oauth.ts';
import {
  isObject,
  mapOption,
  projectFor,
  type RecordSink,
  type SourceOptions,
  stringOption,
  text,
} from './record-sink.ts';
import { parseDate, roundFloat } from './values.ts';

/**
 * Azure Cost Management Query API. Live: `POST {scope}/providers/Microsoft.CostManagement/query`
 * grouped by `TagKey` `options.tagKey`, following `properties.nextLink` (re-POSTed with the same body).
 * File: a saved response (or an array of them). Rows are positional (`properties.columns` names them);
 * costs are JSON doubles with float noise and are rounded half-even to `options.precision` decimals
 * (default 6) through their decimal text. `UsageDate` is a number such as 20261001. Tag values are
 * matched case-insensitively (Atlas = atlas = ATLAS); empty tags are kept as `unallocated`.
 * Granularity Daily has `UsageDate`, Monthly `BillingMonth` ("2026-10-01T00:00:00"); None has no date
 * column and its rows are dated by the query's time period: `options.periodStart`, else the start of
 * the collection window. Live mode authenticates with the client-credentials grant (tenantId, clientId,
 * clientSecret in the secret) or a stored accessToken.
 */

export const DEFAULT_AZURE_PRECISION = 6;
const COST_COLUMNS = ['cost', 'pretaxcost', 'costusd', 'pretaxcostusd', 'totalcost'];

export function isAzurePage(value: unknown): boolean {
  return isObject(value) && isObject(value.properties) && Array.isArray(value.properties.rows);
}

function parseUsageDate(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) {
    const digits = String(value);
    return /^\d{8}$/.test(digits)
      ? parseDate(`${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`)
      : undefined;
  }
  if (typeof value === 'string' && /^\d{8}$/.test(value)) return parseUsageDate(Number(value));
  return parseDate(value);
}

export function addAzurePage(
  sink: RecordSink,
  page: unknown,
  options: SourceOptions,
  pageLabel: string,
): void {
  if (!isAzurePage(page)) {
    sink.quarantine(
      'unexpected-shape',
      `azure-cost ${pageLabel || 'file'}: expected a Query API response with \`properties.rows\``,
      pageLabel || 'file',
      page,
    );
    return;
  }
  const properties = (page as { properties: { columns?: unknown; rows: unknown[] } }).properties;
  const columns = (Array.isArray(properties.columns) ? properties.columns : []).map((c) =>
    isObject(c) ? (text(c.name) ?? '').toLowerCase() : '',
  );
  const costIndex = columns.findIndex((name) => COST_COLUMNS.includes(name));
  const dateIndex = columns.findIndex(
    (name) => name === 'usagedate' || name === 'billingmonth' || name === 'date',
  );
  const dateColumn = dateIndex >= 0 ? (columns[dateIndex] ?? '') : undefined;
  const periodStart = parseDate(stringOption(options, 'periodStart') ?? stringOption(options, 'windowFrom'));
  if (dateIndex < 0 && properties.rows.length > 0)
    sink.note(
      periodStart === undefined
        ? `azure-cost ${pageLabel || 'file'}: the response has no date column (granularity None) and no periodStart option dates it`
        : `azure-cost ${pageLabel || 'file'}: the response has no date column (granularity None); rows are dated ${periodStart}, the start of the query's period`,
    );
  const currencyIndex = columns.indexOf('currency');
  // Grouped by TagKey the project is the TagValue column; grouped by a dimension (ResourceGroup,
  // ServiceName…) it is that dimension's column, the first one that is not cost, date or currency.
  const tagValueIndex =
    columns.indexOf('tagvalue') >= 0
      ? columns.indexOf('tagvalue')
      : columns.findIndex(
          (name, i) =>
            name !== '' && i !== costIndex && i !== dateIndex && name !== 'currency' && name !== 'tagkey',
        );
  const tagKeyIndex = columns.indexOf('tagkey');
  const precision = Number(options.precision ?? DEFAULT_AZURE_PRECISION);
  const tagValue = stringOption(options, 'tagValue')?.toLowerCase();
  const map = Object.fromEntries(
    Object.entries(mapOption(options, 'projectMap')).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const prefix = pageLabel ? `${pageLabel} ` : '';
  let unallocated = 0;
  let folded = 0;
  properties.rows.forEach((row, index) => {
    const position = `${prefix}row ${index + 1}`;
    if (!Array.isArray(row)) {
      sink.quarantine('unexpected-shape', `azure-cost ${position}: a row must be an array`, position, row);
      return;
    }
    if (costIndex < 0) {
      sink.quarantine(
        'missing-column',
        `azure-cost ${position}: no cost column (Cost/PreTaxCost) in \`properties.columns\``,
        position,
        row,
      );
      return;
    }
    const amount = roundFloat(row[costIndex], precision);
    if (amount === undefined) {
      sink.quarantine(
        'invalid-amount',
        `azure-cost ${position}: field \`${columns[costIndex]}\` is not a number`,
        position,
        row,
      );
      return;
    }
    const date = dateIndex >= 0 ? parseUsageDate(row[dateIndex]) : periodStart;
    if (date === undefined) {
      sink.quarantine(
        'invalid-date',
        dateColumn === undefined
          ? `azure-cost ${position}: the response has no date column (granularity None); set the option periodStart (the query's first day, e.g. 2026-10-01) to date its rows`
          : `azure-cost ${position}: field \`${dateColumn}\` is not a date such as 20261001 or 2026-10-01T00:00:00 (${String(row[dateIndex])})`,
        position,
        row,
      );
      return;
    }
    const rawTag = tagValueIndex >= 0 ? (text(row[tagValueIndex]) ?? '') : '';
    const tag = rawTag.toLowerCase();
    let projectRef: string | undefined;
    if (tag === '') {
      projectRef = UNALLOCATED;
      unallocated += 1;
    } else {
      if (rawTag !== tag) folded += 1;
      projectRef = map[tag] ?? (tag === tagValue ? projectFor(options) : undefined) ?? tag;
    }
    const identity = row.filter((_, i) => i !== costIndex).map((value) => String(value ?? ''));
    if (dateIndex < 0) identity.unshift(date);
    sink.accept(
      {
        kind: 'cost',
        sourceId: identity.join('/'),
        projectRef,
        category: stringOption(options, 'category') ?? 'cloud',
        amount,
        currency: currencyIndex >= 0 ? text(row[currencyIndex]) : stringOption(options, 'currency'),
        date,
        vendor: 'Microsoft Azure',
        document: 'usage',
        description:
          tag === ''
            ? 'untagged: unallocated cloud cost'
            : `${tagKeyIndex >= 0 ? `tag ${text(row[tagKeyIndex])}` : (columns[tagValueIndex] ?? 'group')}=${rawTag}`,
      },
      position,
      row,
    );
  });
  sink.note(
    `azure-cost ${pageLabel || 'file'}: costs rounded half-even to ${precision} decimals from their float text`,
  );
  if (unallocated > 0)
    sink.note(
      `azure-cost ${pageLabel || 'file'}: ${unallocated} untagged row(s) kept as projectRef "${UNALLOCATED}"`,
    );
  if (folded > 0)
    sink.note(
      `azure-cost ${pageLabel || 'file'}: ${folded} row(s) had tag values in another letter case and were matched case-insensitively`,
    );
}

async function fetchAzurePages(ctx: LiveContext): Promise<FetchedPage[]> {
  const { binding, policy, window } = ctx;
  const options = binding.options;
  const base = stringOption(options, 'baseUrl') ?? 'https://management.azure.com';
  const scope = stringOption(options, 'scope') ?? '';
  const lastDay = new Date(Date.parse(`${window.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const granularity = stringOption(options, 'granularity') ?? 'Daily';
  const body = {
    type: 'ActualCost',
    timeframe: 'Custom',
    timePeriod: { from: `${window.from}T00:00:00Z`, to: `${lastDay}T23:59:59Z` },
    dataset: {
      granularity,
      aggregation: { totalCost: { name: 'Cost', function: 'Sum' } },
      grouping: [{ type: 'TagKey', name: stringOption(options, 'tagKey') ?? 'project' }],
    },
  };
  const headers = { authorization: `Bearer ${await azureAccessToken(ctx)}` };
  const first = joinUrl(
    base,
    `${scope.startsWith('/') ? '' : '/'}${scope}/providers/Microsoft.CostManagement/query`,
    {
      'api-version': stringOption(options, 'apiVersion') ?? '2023-11-01',
    },
  );
  return fetchAllPages(
    policy,
    { url: first, method: 'POST', headers, body },
    (json, _index, request) => {
      const next = isObject(json) && isObject(json.properties) ? text(json.properties.nextLink) : undefined;
      return next ? { url: resolveUrl(next, request.url), method: 'POST', headers, body } : undefined;
    },
    { rawPrefix: binding.id, maxPages: Number(options.maxPages ?? 500) },
  );
}

export const azureCostConnector: Connector = {
  name: 'azure-cost',
  summary: 'Azure Cost Management Query API by tag (Daily, Monthly or None granularity)',
  options: {
    ...COMMON_OPTIONS,
    projectMap: { type: 'map', description: 'tag value (any letter case) → projectRef' },
    tagKey: { type: 'string', description: 'cost-allocation tag (default project)' },
    tagValue: { type: 'string', description: 'tag value that means this project (→ projectRef)' },
    precision: {
      type: 'number',
      description: `decimals costs are rounded to (default ${DEFAULT_AZURE_PRECISION})`,
    },
    currency: { type: 'string', description: 'currency when the response has no Currency column' },
    category: { type: 'string', description: 'cost category (default cloud)' },
    periodStart: {
      type: 'string',
      description:
        'first day of the query period; dates rows of a granularity None response (default: the window start)',
    },
    granularity: { type: 'string', description: 'Daily (default), Monthly or None', live: true },
    scope: { type: 'string', description: 'subscription/resource group scope', live: true },
    apiVersion: {
      type: 'string',
      description: 'Cost Management api-version (default 2023-11-01)',
      live: true,
    },
    authorityUrl: { type: 'string', description: 'Microsoft identity platform base (tests)', live: true },
  },
  secretKeys: [['tenantId', 'clientId', 'clientSecret'], ['accessToken']],
  addFile: (sink, bytes, options) => addJsonFile(azureCostConnector, isAzurePage, sink, bytes, options),
  addPages: pageByPage(addAzurePage),
  fetchPages: fetchAzurePages,
};

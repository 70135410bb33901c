import { basename, extname } from 'node:path';
import { SettlementRecord, type SourceName } from '#domain/records.ts';
import type { DataSourceBinding } from '#domain/sources.ts';
import {
  addCostExplorerPage,
  type CostExplorerLike,
  fetchCostExplorerPages,
  isCostExplorerPage,
} from './aws-cost-explorer.ts';
import { addAzurePage, fetchAzurePages, isAzurePage } from './azure-cost.ts';
import { addClockifyCsv, addClockifyEntries, fetchClockifyPages } from './clockify.ts';
import { ConnectorError, SourceAuthError, SourceConfigError } from './errors.ts';
import { addFocusFile } from './focus.ts';
import { addGenericRows, PROFILE_NAMES, resolveProfile } from './generic.ts';
import type { FetchedPage, HttpPolicy } from './http.ts';
import { addJiraPage, fetchJiraPages, isJiraPage } from './jira.ts';
import { addQuickBooksPage, fetchQuickBooksPages, isQuickBooksPage } from './quickbooks.ts';
import {
  type NormalizeResult,
  pagesOf,
  RecordSink,
  type SourceOptions,
  stringOption,
} from './record-sink.ts';
import { addSapPage, fetchSapPages, isSapPage } from './sap.ts';
import { decodeText, readCsv, readTable, splitOverflow, type Table } from './tabular.ts';
import { addTempoPage, fetchTempoPages, isTempoPage } from './tempo.ts';
import { addTogglCsv, addTogglEntries, fetchTogglPages } from './toggl.ts';
import type { CollectContext, Collector, RawPayload } from './types.ts';
import { isValidTimeZone } from './values.ts';

export type { CostExplorerLike } from './aws-cost-explorer.ts';
export * from './errors.ts';
export type { NormalizeResult } from './record-sink.ts';

type AddPage = (sink: RecordSink, page: unknown, options: SourceOptions, pageLabel: string) => void;

/** JSON payload shapes per source: how to recognise a page, how to normalise one. */
const JSON_SOURCES: Partial<Record<SourceName, { isPage: (value: unknown) => boolean; add: AddPage }>> = {
  toggl: { isPage: Array.isArray, add: addTogglEntries },
  clockify: { isPage: Array.isArray, add: addClockifyEntries },
  tempo: { isPage: isTempoPage, add: addTempoPage },
  jira: { isPage: isJiraPage, add: addJiraPage },
  quickbooks: { isPage: isQuickBooksPage, add: addQuickBooksPage },
  sap: { isPage: isSapPage, add: addSapPage },
  'aws-cost-explorer': { isPage: isCostExplorerPage, add: addCostExplorerPage },
  'azure-cost': { isPage: isAzurePage, add: addAzurePage },
};

/** Secret keys each live connector needs (names only: values never leave getSecret's result). */
const SECRET_KEYS: Partial<Record<SourceName, readonly (readonly string[])[]>> = {
  toggl: [['apiToken']],
  clockify: [['apiKey']],
  tempo: [['token']],
  jira: [['email', 'apiToken']],
  quickbooks: [['accessToken']],
  sap: [['token'], ['username', 'password']],
  'azure-cost': [['accessToken']],
};

function looksLikeJson(bytes: Uint8Array): boolean {
  const text = decodeText(bytes.subarray(0, 64)).trimStart();
  return text.startsWith('{') || text.startsWith('[');
}

function checkOptions(source: string, options: SourceOptions): void {
  const tz = stringOption(options, 'tz');
  if (tz !== undefined && !isValidTimeZone(tz)) {
    throw new SourceConfigError(
      `${source}: option tz "${tz}" is not an IANA time zone such as Europe/Berlin`,
      { source },
    );
  }
}

/** Quarantines shifted rows (more cells than headers) and returns the rest of the table. */
function withoutOverflow(sink: RecordSink, source: string, table: Table): Table {
  const { table: rest, overflowing } = splitOverflow(table);
  for (const row of overflowing) {
    sink.quarantine(
      'column-count',
      `${source} ${row.position}: ${row.overflow} cell(s) more than the header has columns (an unquoted comma?); fields cannot be placed safely`,
      row.position,
      row.raw,
    );
  }
  return rest;
}

function addJsonFile(sink: RecordSink, source: SourceName, bytes: Uint8Array, options: SourceOptions): void {
  const spec = JSON_SOURCES[source];
  if (!spec) throw new SourceConfigError(`${source}: no JSON normaliser for this source`, { source });
  let json: unknown;
  try {
    json = JSON.parse(decodeText(bytes));
  } catch (error) {
    sink.quarantine(
      'unparseable-file',
      `${source} file: not valid JSON (${error instanceof Error ? error.message : String(error)}); the whole file is quarantined`,
      'file',
      decodeText(bytes.subarray(0, 2000)),
    );
    return;
  }
  const pages = pagesOf(json, spec.isPage);
  pages.forEach((page, i) => {
    spec.add(sink, page, options, pages.length > 1 ? `page ${i + 1}` : '');
  });
}

function addNdjsonRecords(sink: RecordSink, bytes: Uint8Array, options: SourceOptions): void {
  decodeText(bytes)
    .split(/\r?\n/)
    .forEach((line, index) => {
      if (line.trim() === '') return;
      const position = `line ${index + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        sink.quarantine('unparseable-line', `demo ${position}: not valid JSON`, position, line);
        return;
      }
      const parsed = SettlementRecord.safeParse(value);
      if (!parsed.success) {
        sink.quarantine(
          'invalid-record',
          `demo ${position}: field \`${parsed.error.issues[0]?.path.join('.') ?? 'record'}\` ${parsed.error.issues[0]?.message ?? 'is invalid'}`,
          position,
          value,
        );
        return;
      }
      const { source: _source, ...rest } = parsed.data;
      const projectRef = stringOption(options, 'projectRef');
      sink.accept(
        rest.projectRef || projectRef === undefined ? rest : { ...rest, projectRef },
        position,
        value,
      );
    });
}

/**
 * Normalises one file the way file mode does: a vendor export or saved API response for the vendor
 * sources (Toggl/Clockify CSV or JSON; the others JSON), CSV/XLSX with a profile for `csv`/`xlsx`,
 * NDJSON records for `demo`. Never throws for bad content: unreadable content is quarantined.
 * @throws SourceConfigError for an unknown source/profile or an invalid `tz` option.
 */
export async function normalizeFile(
  source: SourceName,
  bytes: Uint8Array,
  options: SourceOptions = {},
): Promise<NormalizeResult> {
  checkOptions(source, options);
  const sink = new RecordSink(source);
  switch (source) {
    case 'toggl':
    case 'clockify': {
      if (looksLikeJson(bytes)) {
        addJsonFile(sink, source, bytes, options);
      } else {
        const table = readCsv(decodeText(bytes));
        if (table.failure)
          sink.quarantine('unparseable-file', `${source} file: ${table.failure}`, 'file', null);
        else if (source === 'toggl') addTogglCsv(sink, withoutOverflow(sink, source, table), options);
        else addClockifyCsv(sink, withoutOverflow(sink, source, table), options);
      }
      break;
    }
    case 'csv':
    case 'xlsx': {
      if (resolveProfile(options) === undefined) {
        throw new SourceConfigError(
          `${source}: option profile is missing or unknown (${String(options.profile ?? '')}); choose one of ${PROFILE_NAMES.join(', ')} or set kind + columns`,
          { source },
        );
      }
      const table = await readTable(bytes, stringOption(options, 'sheet'));
      if (table.failure)
        sink.quarantine('unparseable-file', `${source} file: ${table.failure}`, 'file', null);
      else
        addGenericRows(
          sink,
          withoutOverflow(sink, source, table),
          options,
          stringOption(options, 'fileName') ?? '',
        );
      break;
    }
    case 'demo':
      addNdjsonRecords(sink, bytes, options);
      break;
    case 'focus':
      await addFocusFile(sink, bytes, options);
      break;
    default:
      addJsonFile(sink, source, bytes, options);
  }
  return sink.result();
}

function contentTypeOf(path: string): string {
  switch (extname(path).toLowerCase()) {
    case '.csv':
      return 'text/csv';
    case '.json':
      return 'application/json';
    case '.ndjson':
      return 'application/x-ndjson';
    case '.parquet':
      return 'application/vnd.apache.parquet';
    case '.xlsx':
      return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    default:
      return 'application/octet-stream';
  }
}

async function resolveSecret(
  binding: DataSourceBinding,
  ctx: CollectContext,
): Promise<Record<string, string>> {
  const source = binding.id;
  if (binding.secret === undefined) {
    throw new SourceAuthError(`${source}: live mode needs a secret name in the binding (secret)`, { source });
  }
  let secret: Record<string, string>;
  try {
    secret = await ctx.getSecret(binding.secret);
  } catch (error) {
    throw new SourceAuthError(`${source}: the secret "${binding.secret}" could not be read`, {
      source,
      cause: error,
    });
  }
  const alternatives = SECRET_KEYS[binding.connector] ?? [];
  if (
    alternatives.length > 0 &&
    !alternatives.some((keys) => keys.every((key) => (secret[key] ?? '') !== ''))
  ) {
    throw new SourceAuthError(
      `${source}: the secret "${binding.secret}" lacks the key(s) ${alternatives.map((keys) => keys.join(' + ')).join(' or ')}`,
      { source },
    );
  }
  return secret;
}

function policyFor(binding: DataSourceBinding, ctx: CollectContext): HttpPolicy {
  const o = binding.options;
  const num = (key: string) => (typeof o[key] === 'number' ? (o[key] as number) : undefined);
  return {
    source: binding.id,
    fetch: ctx.fetch,
    sleep: ctx.sleep,
    maxAttempts: num('maxAttempts'),
    baseDelayMs: num('baseDelayMs'),
    maxDelayMs: num('maxDelayMs'),
    timeoutMs: num('timeoutMs'),
    maxRetryAfterMs: num('maxRetryAfterMs'),
  };
}

export interface CollectorDependencies {
  /** Cost Explorer client (default: one SDK client per process, us-east-1). */
  readonly costExplorer?: CostExplorerLike;
}

async function fetchLivePages(
  binding: DataSourceBinding,
  ctx: CollectContext,
  deps: CollectorDependencies,
): Promise<FetchedPage[]> {
  if (binding.connector === 'aws-cost-explorer')
    return fetchCostExplorerPages(binding, ctx.window, deps.costExplorer);
  const secret = await resolveSecret(binding, ctx);
  const policy = policyFor(binding, ctx);
  switch (binding.connector) {
    case 'toggl':
      return fetchTogglPages(binding, policy, secret, ctx.window);
    case 'clockify':
      return fetchClockifyPages(binding, policy, secret, ctx.window);
    case 'tempo':
      return fetchTempoPages(binding, policy, secret, ctx.window);
    case 'jira':
      return fetchJiraPages(binding, policy, secret);
    case 'quickbooks':
      return fetchQuickBooksPages(binding, policy, secret, ctx.window);
    case 'sap':
      return fetchSapPages(binding, policy, secret, ctx.window);
    case 'azure-cost':
      return fetchAzurePages(binding, policy, secret, ctx.window);
    default:
      throw new SourceConfigError(
        `${binding.id}: connector ${binding.connector} has no live mode; use mode "file"`,
        { source: binding.id },
      );
  }
}

/** Builds the collector with injectable SDK clients. */
export function createCollector(deps: CollectorDependencies = {}): Collector {
  return async (binding, ctx) => {
    const options: SourceOptions = {
      ...binding.options,
      projectRef: stringOption(binding.options, 'projectRef') ?? ctx.projectRef,
    };
    checkOptions(binding.id, options);
    const raw: RawPayload[] = [];
    let result: NormalizeResult;
    if (binding.mode === 'file') {
      if (binding.path === undefined) {
        throw new SourceConfigError(`${binding.id}: file mode needs a path in the binding`, {
          source: binding.id,
        });
      }
      let bytes: Uint8Array;
      try {
        bytes = await ctx.readFile(binding.path);
      } catch (error) {
        // A throttled or unavailable store is worth the state machine's retry, not a config error.
        if ((error as Error | null)?.name === 'TransientStoreError') throw error;
        throw new SourceConfigError(`${binding.id}: cannot read ${binding.path} from the project's inbox`, {
          source: binding.id,
          cause: error,
        });
      }
      raw.push({
        name: `${binding.id}/${basename(binding.path)}`,
        contentType: contentTypeOf(binding.path),
        body: bytes,
      });
      result = await normalizeFile(binding.connector, bytes, {
        ...options,
        fileName: basename(binding.path),
      });
    } else {
      const spec = JSON_SOURCES[binding.connector];
      if (!spec) {
        throw new SourceConfigError(
          `${binding.id}: connector ${binding.connector} has no live mode; use mode "file"`,
          { source: binding.id },
        );
      }
      const pages = await fetchLivePages(binding, ctx, deps);
      const sink = new RecordSink(binding.connector);
      pages.forEach((page, i) => {
        raw.push(page.raw);
        spec.add(sink, page.json, options, `page ${i + 1}`);
      });
      result = sink.result();
    }
    return {
      sourceId: binding.id,
      records: result.records,
      quarantined: result.quarantined,
      raw,
      notes: result.notes,
    };
  };
}

/** The Collect step's collector: dispatches on `binding.connector` and `binding.mode`. */
export const collectSource: Collector = createCollector();

/** True for errors the state machine should retry (see TRANSIENT_ERROR_NAMES). */
export function isTransientConnectorError(error: unknown): boolean {
  return (
    error instanceof ConnectorError &&
    (error.name === 'SourceUnavailableError' || error.name === 'SourceRateLimitedError')
  );
}

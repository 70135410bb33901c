import type { GetCostAndUsageCommand, GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import type { SettlementRecord, SourceName } from '#domain/records.ts';
import type { DataSourceBinding } from '#domain/sources.ts';
import { SourceConfigError } from './errors.ts';
import type { FetchedPage, HttpPolicy } from './http.ts';
import { pagesOf, type RecordSink, type SourceOptions } from './record-sink.ts';
import type { SecretStore } from './secret-store.ts';
import { decodeText, readCsv, splitOverflow, type Table } from './tabular.ts';
import type { CollectWindow } from './types.ts';

/** How an option's value is written (the CLI parses `--option KEY=VALUE` by it; JSON is always accepted). */
export type OptionType = 'string' | 'number' | 'boolean' | 'map' | 'list' | 'json';

/** One option a connector reads from its binding (or from `settle normalize --option`). */
export interface OptionSpec {
  readonly type: OptionType;
  readonly description: string;
  /** Only read in live mode. */
  readonly live?: boolean;
}

/** A page of a vendor response with its place in the run ("page 2", or "" for a single file). */
export interface LabelledPage {
  readonly json: unknown;
  readonly label: string;
}

/** What a live connector receives: the binding, the HTTP policy, its credentials and the window. */
export interface LiveContext {
  readonly binding: DataSourceBinding;
  readonly policy: HttpPolicy;
  /** The binding's secret, read once (keys checked against `secretKeys`). */
  readonly secret: Record<string, string>;
  /** Reads and conditionally replaces the binding's secret (OAuth refresh-token rotation). */
  readonly secrets: SecretStore;
  readonly window: CollectWindow;
  readonly now: () => number;
  /** Cost Explorer client (SDK, not HTTP); injectable for tests and the local runtime. */
  readonly costExplorer?: CostExplorerLike;
}

/** The part of the Cost Explorer client the connector uses (inject a fake in tests). */
export interface CostExplorerLike {
  send(command: GetCostAndUsageCommand): Promise<GetCostAndUsageCommandOutput>;
}

/**
 * One vendor: what it reads in file mode, how it pages in live mode, which secret keys and options it
 * takes. Every connector is one object of this shape, registered in `registry.ts`.
 */
export interface Connector {
  readonly name: SourceName;
  /** One line for `settle normalize --help`. */
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Alternatives of secret keys a live binding's secret must hold (one alternative must be complete). */
  readonly secretKeys?: readonly (readonly string[])[];
  /**
   * The vendor rotates the credentials on use (an OAuth refresh token that is replaced on every
   * refresh): they live in a versioned secret of their own, written back with a compare-and-swap.
   * Otherwise they are static and read from the tenant's credentials document.
   */
  readonly rotatingCredentials?: boolean;
  /** Normalises one file (export or saved API response). Never throws for bad content. */
  addFile(sink: RecordSink, bytes: Uint8Array, options: SourceOptions): void | Promise<void>;
  /** Live mode: fetches every page of the window. Absent: the connector has no live mode. */
  fetchPages?(ctx: LiveContext): Promise<FetchedPage[]>;
  /** Normalises fetched pages (live mode) — all at once, so documents on different pages can pair up. */
  addPages(sink: RecordSink, pages: readonly LabelledPage[], options: SourceOptions): void | Promise<void>;
  /**
   * A live query that answers for every project of the account at once (Cost Explorer by tag, a
   * FOCUS export): the nightly run makes it once for all due settlements, and a settlement keeps
   * only the records this predicate accepts, whichever way its figures came.
   */
  readonly accountWide?: { keep(record: SettlementRecord, projectRef: string): boolean };
}

/** Options every connector reads. */
export const COMMON_OPTIONS = {
  projectRef: {
    type: 'string',
    description:
      'project every record belongs to unless projectMap says otherwise (the charter fills it in a run; --project on the command line)',
  },
  projectMap: {
    type: 'map',
    description: 'vendor project/customer/tag (name or id) → projectRef, e.g. {"Atlas":"atlas-2026"}',
  },
  maxPages: { type: 'number', description: 'page cap for a pager that never ends (default 500)', live: true },
  baseUrl: { type: 'string', description: 'API base URL (tests and private clouds)', live: true },
  maxAttempts: { type: 'number', description: 'attempts per request (default 5)', live: true },
  timeoutMs: { type: 'number', description: 'per-attempt timeout in ms (default 30000)', live: true },
} as const satisfies Readonly<Record<string, OptionSpec>>;

/** Options of time-tracking exports. */
export const TIME_OPTIONS = {
  tz: { type: 'string', description: 'IANA zone of wall-clock times in CSV exports (default UTC)' },
  dateOrder: {
    type: 'string',
    description:
      'date order of slashed dates in CSV exports: MDY or DMY (detected from the file when a day > 12 shows it; required when the file is ambiguous)',
  },
  people: { type: 'map', description: 'vendor user id → person (email)' },
  person: {
    type: 'string',
    description:
      'person whose time a CSV export holds when it has no User or Email column (a Clockify shared report)',
  },
} as const satisfies Readonly<Record<string, OptionSpec>>;

/** `addPages` from a function that handles one page at a time. */
export function pageByPage(
  add: (sink: RecordSink, page: unknown, options: SourceOptions, pageLabel: string) => void,
): Connector['addPages'] {
  return (sink, pages, options) => {
    for (const page of pages) add(sink, page.json, options, page.label);
  };
}

/** Labels pages "page 1", "page 2"… when there are several; a single page has no label. */
export function labelPages(jsons: readonly unknown[], always = false): LabelledPage[] {
  return jsons.map((json, i) => ({ json, label: always || jsons.length > 1 ? `page ${i + 1}` : '' }));
}

/** File mode for a saved JSON response (one page, or a JSON array of archived pages). */
export function addJsonFile(
  connector: Pick<Connector, 'name' | 'addPages'>,
  isPage: (value: unknown) => boolean,
  sink: RecordSink,
  bytes: Uint8Array,
  options: SourceOptions,
): void | Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(decodeText(bytes));
  } catch (error) {
    sink.quarantine(
      'unparseable-file',
      `${connector.name} file: not valid JSON (${error instanceof Error ? error.message : String(error)}); the whole file is quarantined`,
      'file',
      decodeText(bytes.subarray(0, 2000)),
    );
    return;
  }
  return connector.addPages(sink, labelPages(pagesOf(json, isPage)), options);
}

export function looksLikeJson(bytes: Uint8Array): boolean {
  const text = decodeText(bytes.subarray(0, 64)).trimStart();
  return text.startsWith('{') || text.startsWith('[');
}

/** Quarantines shifted rows (more cells than headers) and returns the rest of the table. */
export function withoutOverflow(sink: RecordSink, source: string, table: Table): Table {
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

/** File mode for a vendor CSV export. */
export function addCsvFile(
  source: string,
  add: (sink: RecordSink, table: Table, options: SourceOptions) => void,
  sink: RecordSink,
  bytes: Uint8Array,
  options: SourceOptions,
): void {
  const table = readCsv(decodeText(bytes));
  if (table.failure) sink.quarantine('unparseable-file', `${source} file: ${table.failure}`, 'file', null);
  else add(sink, withoutOverflow(sink, source, table), options);
}

/** A live connector that was asked for something it cannot do. */
export function noLiveMode(binding: DataSourceBinding): never {
  throw new SourceConfigError(
    `${binding.id}: connector ${binding.connector} has no live mode; use mode "file"`,
    { source: binding.id },
  );
}

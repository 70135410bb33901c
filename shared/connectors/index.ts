import { basename, extname } from 'node:path';
import type { SourceName } from '#domain/records.ts';
import type { DataSourceBinding } from '#domain/sources.ts';
import { type CostExplorerLike, labelPages } from './connector.ts';
import { SourceAuthError, SourceConfigError } from './errors.ts';
import type { HttpPolicy } from './http.ts';
import { type NormalizeResult, RecordSink, type SourceOptions, stringOption } from './record-sink.ts';
import { connectorFor } from './registry.ts';
import type { SecretStore } from './secret-store.ts';
import type { CollectContext, Collector, RawPayload } from './types.ts';
import { isValidTimeZone } from './values.ts';

export type { CostExplorerLike, OptionSpec } from './connector.ts';
export * from './errors.ts';
export type { NormalizeResult } from './record-sink.ts';
export { CONNECTORS, connectorFor } from './registry.ts';
export { MemorySecretStore, type SecretStore, type SecretVersion } from './secret-store.ts';

function checkOptions(source: string, options: SourceOptions): void {
  const tz = stringOption(options, 'tz');
  if (tz !== undefined && !isValidTimeZone(tz)) {
    throw new SourceConfigError(
      `${source}: option tz "${tz}" is not an IANA time zone such as Europe/Berlin`,
      { source },
    );
  }
  const order = stringOption(options, 'dateOrder');
  if (order !== undefined && !/^(MDY|DMY)$/i.test(order)) {
    throw new SourceConfigError(`${source}: option dateOrder "${order}" must be MDY or DMY`, { source });
  }
}

/**
 * Normalises one file the way file mode does: a vendor export or saved API response for the vendor
 * sources (Toggl/Clockify CSV or JSON; the others JSON), CSV/XLSX with a profile for `csv`/`xlsx`,
 * NDJSON records for `demo`. Never throws for bad content: unreadable content is quarantined.
 * @throws SourceConfigError for an unknown source/profile or an invalid `tz`/`dateOrder` option.
 */
export async function normalizeFile(
  source: SourceName,
  bytes: Uint8Array,
  options: SourceOptions = {},
): Promise<NormalizeResult> {
  checkOptions(source, options);
  const sink = new RecordSink(source);
  await connectorFor(source).addFile(sink, bytes, options);
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
  secrets: SecretStore,
): Promise<Record<string, string>> {
  const source = binding.id;
  const alternatives = connectorFor(binding.connector).secretKeys ?? [];
  if (alternatives.length === 0) return {};
  if (binding.secret === undefined) {
    throw new SourceAuthError(`${source}: live mode needs a secret name in the binding (secret)`, { source });
  }
  let secret: Record<string, string>;
  try {
    secret = (await secrets.read(binding.secret)).value;
  } catch (error) {
    throw new SourceAuthError(`${source}: the secret "${binding.secret}" could not be read`, {
      source,
      cause: error,
    });
  }
  if (!alternatives.some((keys) => keys.every((key) => (secret[key] ?? '') !== ''))) {
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
  /** Clock (OAuth token expiry). Default Date.now. */
  readonly now?: () => number;
}

/** Secrets for a context that only reads them (`getSecret`): rotated tokens cannot be stored. */
function readOnlyStore(ctx: CollectContext): SecretStore {
  return {
    read: async (name) => ({ value: await ctx.getSecret(name), version: 'read-only' }),
    async replace(name) {
      throw new SourceAuthError(
        `the secret "${name}" cannot be written here, so a rotated OAuth refresh token would be lost; run with a writable secret store`,
        { source: name },
      );
    },
  };
}

/** Builds the collector with injectable SDK clients. */
export function createCollector(deps: CollectorDependencies = {}): Collector {
  return async (binding, ctx) => {
    const connector = connectorFor(binding.connector);
    const options: SourceOptions = {
      ...binding.options,
      ...(binding.options.tz === undefined && ctx.timeZone !== undefined ? { tz: ctx.timeZone } : {}),
      projectRef: stringOption(binding.options, 'projectRef') ?? ctx.projectRef,
      windowFrom: ctx.window.from,
      windowTo: ctx.window.to,
    };
    checkOptions(binding.id, options);
    const raw: RawPayload[] = [];
    const sink = new RecordSink(binding.connector);
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
      await connector.addFile(sink, bytes, { ...options, fileName: basename(binding.path) });
    } else {
      const slice = connector.accountWide ? await ctx.sharedSlice?.(binding) : undefined;
      if (slice) {
        raw.push(slice.raw);
        await connector.addPages(sink, labelPages(slice.pages, true), options);
        sink.note(slice.note);
      } else {
        if (connector.fetchPages === undefined) {
          throw new SourceConfigError(
            `${binding.id}: connector ${binding.connector} has no live mode; use mode "file"`,
            { source: binding.id },
          );
        }
        const secrets = ctx.secrets ?? readOnlyStore(ctx);
        const pages = await connector.fetchPages({
          binding,
          policy: policyFor(binding, ctx),
          secret: await resolveSecret(binding, secrets),
          secrets,
          window: ctx.window,
          now: deps.now ?? Date.now,
          costExplorer: deps.costExplorer,
        });
        for (const page of pages) raw.push(page.raw);
        await connector.addPages(
          sink,
          labelPages(
            pages.map((page) => page.json),
            true,
          ),
          options,
        );
        if (connector.accountWide) {
          sink.note(
            `${binding.id}: queried for this settlement alone (no nightly cloud-cost snapshot answers for it)`,
          );
        }
      }
    }
    const result = sink.result();
    // An account-wide answer holds every project's cost: the settlement keeps its own part.
    const keep = binding.mode === 'live' ? connector.accountWide?.keep : undefined;
    const records = keep
      ? result.records.filter((r) => keep(r, options.projectRef as string))
      : result.records;
    if (records.length < result.records.length) {
      result.notes.push(
        `${binding.id}: ${result.records.length - records.length} record(s) of other projects left out`,
      );
    }
    return {
      sourceId: binding.id,
      records,
      quarantined: result.quarantined,
      raw,
      notes: result.notes,
    };
  };
}

/** The Collect step's collector: dispatches on `binding.connector` and `binding.mode`. */
export const collectSource: Collector = createCollector();

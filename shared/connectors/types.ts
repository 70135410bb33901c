import type { QuarantinedRecord, SettlementRecord } from '#domain/records.ts';
import type { DataSourceBinding } from '#domain/sources.ts';
import type { SecretStore } from './secret-store.ts';

/** The period a collection covers: `from` inclusive, `to` exclusive (dates, YYYY-MM-DD). */
export interface CollectWindow {
  readonly from: string;
  readonly to: string;
}

/** What a connector needs from its surroundings; adapters supply it (S3 inbox, Secrets Manager, fetch). */
export interface CollectContext {
  readonly projectRef: string;
  readonly window: CollectWindow;
  /** The project's time zone: wall-clock times without an offset are read in it unless the source sets `tz`. */
  readonly timeZone?: string | undefined;
  /** Reads a file-mode input from the project's inbox. */
  readFile(path: string): Promise<Uint8Array>;
  /** Resolves a live-mode secret to its key/value pairs. */
  getSecret(name: string): Promise<Record<string, string>>;
  /**
   * Versioned secrets with compare-and-swap writes (OAuth refresh-token rotation). Without it, secrets
   * are read through `getSecret` and rotated tokens are kept in this process's memory only.
   */
  readonly secrets?: SecretStore;
  /** HTTP client (global fetch by default; tests point base URLs at a local server). */
  readonly fetch: typeof fetch;
  /** Sleep used between retries (tests inject a fast one). */
  sleep(ms: number): Promise<void>;
  /**
   * The project's slice of the night's shared cloud-cost query for a live binding (`undefined`: no
   * snapshot answers for it, and the connector queries for this settlement alone).
   */
  sharedSlice?(binding: DataSourceBinding): Promise<SharedSlice | undefined>;
}

/** A live source's answer read from the nightly snapshot instead of a query of its own. */
export interface SharedSlice {
  /** Pages in the shape the connector's own query returns, holding this project's part only. */
  readonly pages: readonly unknown[];
  /** Says where the figures came from (the snapshot, its query id, final or estimated). */
  readonly note: string;
  /** The slice as read, archived with the settlement's raw payloads. */
  readonly raw: RawPayload;
}

/** One raw payload as received (a page of an API, or the file), archived under `raw/`. */
export interface RawPayload {
  readonly name: string;
  readonly contentType: string;
  readonly body: Uint8Array;
}

export interface CollectResult {
  readonly sourceId: string;
  readonly records: SettlementRecord[];
  readonly quarantined: QuarantinedRecord[];
  readonly raw: RawPayload[];
  /** Free-form notes worth reporting (running timers skipped, metric used, unallocated cost…). */
  readonly notes: string[];
}

export type Collector = (binding: DataSourceBinding, ctx: CollectContext) => Promise<CollectResult>;

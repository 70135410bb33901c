import type { QuarantinedRecord, SettlementRecord, SourceName } from '#domain/records.ts';
import { SettlementRecord as SettlementRecordSchema } from '#domain/records.ts';

/** What every normaliser returns: each input item is either a record, a quarantined item or a duplicate. */
export interface NormalizeResult {
  readonly records: SettlementRecord[];
  readonly quarantined: QuarantinedRecord[];
  readonly notes: string[];
  /** Items that repeated a sourceId already seen in this run (page overlap); reported in notes, stored once. */
  readonly duplicates: number;
}

/**
 * Collects the output of one normalisation run: validates candidates with the record model,
 * quarantines failures with a reason and a message naming the field and the source, and keeps a
 * record that appears twice (same sourceId, e.g. on two pages) once.
 */
export class RecordSink {
  readonly source: SourceName;
  readonly records: SettlementRecord[] = [];
  readonly quarantined: QuarantinedRecord[] = [];
  readonly notes: string[] = [];
  duplicates = 0;
  readonly #index = new Map<string, number>();
  #changedDuplicates = 0;

  constructor(source: SourceName) {
    this.source = source;
  }

  /** Validates and adds a candidate record; returns false when it was quarantined. */
  accept(candidate: Record<string, unknown>, position: string, raw: unknown): boolean {
    const parsed = SettlementRecordSchema.safeParse({ source: this.source, ...candidate });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'record';
      this.quarantine(
        'invalid-record',
        `${this.source} ${position}: field \`${field}\` ${issue?.message ?? 'is invalid'}`,
        position,
        raw,
      );
      return false;
    }
    const record = parsed.data;
    const existing = this.#index.get(record.sourceId);
    if (existing !== undefined) {
      this.duplicates += 1;
      const previous = this.records[existing];
      if (JSON.stringify(previous) !== JSON.stringify(record)) {
        // Same id, different content within one run: the later page wins (it reflects the newer state).
        this.records[existing] = record;
        this.#changedDuplicates += 1;
      }
      return true;
    }
    this.#index.set(record.sourceId, this.records.length);
    this.records.push(record);
    return true;
  }

  quarantine(reason: string, message: string, position: string, raw: unknown): void {
    this.quarantined.push({ source: this.source, position, reason, message, raw });
  }

  note(message: string): void {
    this.notes.push(message);
  }

  result(): NormalizeResult {
    const notes = [...this.notes];
    if (this.duplicates > 0) {
      notes.push(
        `${this.source}: ${this.duplicates} item(s) repeated a sourceId already collected in this run and were kept once` +
          (this.#changedDuplicates > 0
            ? ` (${this.#changedDuplicates} differed; the later copy was kept)`
            : ''),
      );
    }
    const reasons = new Map<string, number>();
    for (const item of this.quarantined) reasons.set(item.reason, (reasons.get(item.reason) ?? 0) + 1);
    if (reasons.size > 0) {
      const list = [...reasons].map(([reason, count]) => `${reason}: ${count}`).join(', ');
      notes.push(`${this.source}: ${this.quarantined.length} item(s) quarantined (${list})`);
    }
    return { records: this.records, quarantined: this.quarantined, notes, duplicates: this.duplicates };
  }
}

/** Reads a string option, or undefined. */
export function stringOption(options: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = options[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Reads a string → string map option (project maps, account → category maps…). */
export function mapOption(options: Readonly<Record<string, unknown>>, key: string): Record<string, string> {
  const value = options[key];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A non-empty string field, or undefined (numbers are stringified: ids are often numeric). */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim().length > 0 ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Binding options as received (validated piecemeal by each connector). */
export type SourceOptions = Readonly<Record<string, unknown>>;

/**
 * The project a record belongs to: the first candidate (source project name/id, customer, tag) found
 * in `options.projectMap`, else `options.projectRef` (the binding's fallback, filled from the charter's
 * projectRef by the collector and by `settle normalize --project`), else the vendor's own project (the
 * first candidate present), so that a file read without a map shows what it holds. Undefined only when
 * the item names no project at all → quarantined as `missing-project`.
 */
export function projectFor(
  options: SourceOptions,
  ...candidates: (string | undefined)[]
): string | undefined {
  const map = mapOption(options, 'projectMap');
  for (const candidate of candidates) {
    if (candidate !== undefined && map[candidate] !== undefined) return map[candidate];
  }
  return stringOption(options, 'projectRef') ?? candidates.find((candidate) => candidate !== undefined);
}

/** Time zone for wall-clock times without offset (CSV exports, Tempo): `options.tz`, default UTC. */
export function timeZoneOf(options: SourceOptions): string {
  return stringOption(options, 'tz') ?? 'UTC';
}

/** Unwraps a file that holds either one page or a JSON array of archived pages. */
export function pagesOf(json: unknown, isPage: (value: unknown) => boolean): unknown[] {
  if (Array.isArray(json) && json.length > 0 && json.every(isPage)) return json;
  return [json];
}

/** "page 2 item 14" in live mode, "item 14" in file mode (1-based). */
export function itemPosition(pageLabel: string, index: number): string {
  return `${pageLabel ? `${pageLabel} ` : ''}item ${index + 1}`;
}

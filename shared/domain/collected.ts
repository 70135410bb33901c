import type { QuarantinedRecord } from '#domain/records.ts';

/** Quarantine counts by source and reason, in a stable order (they go into the statement). */
export function countQuarantine(
  items: ReadonlyArray<Pick<QuarantinedRecord, 'source' | 'reason'>>,
): Array<{ source: string; reason: string; count: number }> {
  const counts = new Map<string, { source: string; reason: string; count: number }>();
  for (const q of items) {
    const key = `${q.source}\u0000${q.reason}`;
    const entry = counts.get(key) ?? { source: q.source, reason: q.reason, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) =>
    a.source === b.source ? (a.reason < b.reason ? -1 : 1) : a.source < b.source ? -1 : 1,
  );
}

/** The SHA-256 of every raw payload the Collect step archived, keyed by S3 key (sorted). */
export function inputsHashOf(collected: readonly unknown[]): Record<string, string> {
  const hashes: Record<string, string> = {};
  const entries: Array<[string, string]> = [];
  for (const c of collected) {
    for (const raw of (c as { raw?: Array<{ key: string; sha256: string }> }).raw ?? []) {
      entries.push([raw.key, raw.sha256]);
    }
  }
  for (const [k, v] of entries.sort(([a], [b]) => (a < b ? -1 : 1))) hashes[k] = v;
  return hashes;
}

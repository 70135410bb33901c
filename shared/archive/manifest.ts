import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BUCKET_AREAS } from '#storage/layout.ts';

/**
 * The archive manifest: one per settlement, at `archive/<settlementId>/manifest.json`, written last.
 * It lists every archived file (key, SHA-256, size, content type) and holds the hash of the tenant's
 * previous manifest, so the manifests form a hash chain ordered by `sequence` (1, 2, 3…).
 *
 * Format 2 lists the final statement files where Finalise wrote them, under `final/<settlementId>/`
 * in the same object-locked bucket, instead of a second copy under `archive/<settlementId>/statement/`
 * (format 1): the same bytes under the same retention, hashed in the same manifest, one PUT each
 * instead of two.
 *
 * A manifest's `hash` is the SHA-256 (hex) of its canonical serialisation without the `hash` field:
 * JSON with object keys sorted by UTF-16 code units at every level, no whitespace, UTF-8 — the same
 * as RFC 8785 for the values a manifest holds (strings, safe integers, null, arrays, objects).
 */

export const MANIFEST_FORMAT = 'settlement-archive-manifest/2';
/** Manifests written before the final files were listed in place (every file under `archive/<id>/`). */
export const MANIFEST_FORMAT_1 = 'settlement-archive-manifest/1';
export const FINAL_PREFIX = BUCKET_AREAS.final.prefix;
export const ARCHIVE_PREFIX = BUCKET_AREAS.archive.prefix;
export const MANIFEST_NAME = 'manifest.json';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256');

export const ManifestFile = z.object({
  key: z.string().min(1),
  sha256: Sha256,
  size: z.number().int().nonnegative(),
  contentType: z.string().min(1),
});
export type ManifestFile = z.infer<typeof ManifestFile>;

export const Manifest = z.object({
  format: z.enum([MANIFEST_FORMAT_1, MANIFEST_FORMAT]),
  tenantId: z.string().min(1),
  settlementId: z.string().min(1),
  /** Position in the tenant's chain: 1 for the first archived settlement. */
  sequence: z.number().int().positive(),
  archivedAt: z.iso.datetime({ offset: true }),
  /** The hash of the manifest with sequence − 1; null for the first. */
  previousManifestHash: Sha256.nullable(),
  files: z.array(ManifestFile),
  hash: Sha256,
});
export type Manifest = z.infer<typeof Manifest>;

/** The end of a tenant's chain: what the lead keeps in the `ARCHIVE#HEAD` item. */
export const ChainHead = z.object({
  sequence: z.number().int().positive(),
  hash: Sha256,
  settlementId: z.string().min(1).optional(),
});
export type ChainHead = z.infer<typeof ChainHead>;

/** Canonical JSON: sorted keys, no whitespace. Rejects values a manifest never holds. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new TypeError(`canonical JSON holds safe integers only, got ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot hold ${typeof value}`);
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The hash a manifest must carry: over everything but its `hash` field. */
export function computeManifestHash(manifest: Omit<Manifest, 'hash'> | Manifest): string {
  const { hash: _hash, ...body } = manifest as Manifest;
  return sha256Hex(canonicalJson(body));
}

/** Builds a manifest (files sorted by key) and seals it with its hash. */
export function sealManifest(
  body: Omit<Manifest, 'hash' | 'format' | 'files'> & { files: readonly ManifestFile[] },
): Manifest {
  const unsealed = {
    format: MANIFEST_FORMAT,
    ...body,
    files: [...body.files].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
  } as const;
  return { ...unsealed, hash: computeManifestHash(unsealed) };
}

/** Manifests are stored as pretty-printed JSON (the hash is over the canonical form, not these bytes). */
export function serialiseManifest(manifest: Manifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
}

export const settlementPrefix = (settlementId: string): string => `${ARCHIVE_PREFIX}${settlementId}/`;
/** Where Finalise wrote a settlement's final files (listed in place by a format-2 manifest). */
export const finalPrefix = (settlementId: string): string => `${FINAL_PREFIX}${settlementId}/`;
export const manifestKey = (settlementId: string): string =>
  `${settlementPrefix(settlementId)}${MANIFEST_NAME}`;

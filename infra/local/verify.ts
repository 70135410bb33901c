import { getObject, listKeys } from '#adapters/objects.ts';
import { getArchiveHead } from '#adapters/settlement-store.ts';
import { type Manifest, sha256 } from '#lib/archive.ts';

export interface ArchiveVerification {
  readonly ok: boolean;
  readonly settlements: number;
  readonly files: number;
  /** The first broken link, named. */
  readonly broken?: string;
  readonly summary: string;
}

/**
 * Re-reads every manifest of the tenant's archive in chain order, recomputes every file hash and the
 * chain, and names the first broken link.
 */
export async function verifyLocalArchive(tenantId: string): Promise<ArchiveVerification> {
  const manifests: Array<{ key: string; text: string; manifest: Manifest }> = [];
  const keys = await listKeys('archive/');
  const prefixes = new Set(keys.map((k) => k.split('/').slice(0, 2).join('/')));
  for (const prefix of prefixes) {
    const key = `${prefix}/manifest.json`;
    const body = await getObject(key);
    if (!body) return fail(`${prefix}/: incomplete archive (no manifest)`, manifests.length, 0);
    const text = new TextDecoder().decode(body);
    manifests.push({ key, text, manifest: JSON.parse(text) as Manifest });
  }
  manifests.sort((a, b) => a.manifest.sequence - b.manifest.sequence);
  let previous: string | null = null;
  let files = 0;
  for (const [index, { key, text, manifest }] of manifests.entries()) {
    if (manifest.tenantId !== tenantId)
      return fail(`${key}: belongs to tenant ${manifest.tenantId}`, index, files);
    if (manifest.sequence !== index + 1)
      return fail(`${key}: sequence ${manifest.sequence}, expected ${index + 1}`, index, files);
    if (manifest.previousManifestHash !== previous) {
      return fail(
        `${key}: chain broken — previous hash ${manifest.previousManifestHash ?? 'none'} ≠ ${previous ?? 'none'}`,
        index,
        files,
      );
    }
    const listed = new Set(manifest.files.map((f) => f.key));
    for (const file of manifest.files) {
      const body = await getObject(file.key);
      if (!body) return fail(`${file.key}: missing (listed in ${key})`, index, files);
      if (sha256(body) !== file.sha256)
        return fail(`${file.key}: content changed (hash differs from ${key})`, index, files);
      files += 1;
    }
    const prefix = key.slice(0, -'manifest.json'.length);
    const extra = keys.filter((k) => k.startsWith(prefix) && k !== key && !listed.has(k));
    if (extra.length) return fail(`${extra[0]}: not listed in ${key}`, index, files);
    previous = sha256(text);
  }
  const head = await getArchiveHead();
  if ((head?.manifestHash ?? null) !== previous) {
    return fail(
      `chain head ${head?.manifestHash ?? 'none'} does not match the last manifest ${previous ?? 'none'}`,
      manifests.length,
      files,
    );
  }
  return {
    ok: true,
    settlements: manifests.length,
    files,
    summary: `${manifests.length} settlements, ${files} files, chain intact`,
  };
}

function fail(broken: string, settlements: number, files: number): ArchiveVerification {
  return { ok: false, settlements, files, broken, summary: `first broken link: ${broken}` };
}

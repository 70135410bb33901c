import { createHash } from 'node:crypto';
import { getClients } from '#adapters/clients.ts';
import { loadConfig } from '#adapters/config.ts';
import { getObject, listKeys, objectKeys, putObject } from '#adapters/objects.ts';
import { getCharter, readQuarantine, readRecords } from '#adapters/settlement-store.ts';
import { createApprovalStore } from '#approval/store.ts';
import type { SettlementState } from '#domain/workflow.ts';

/**
 * The tamper-evident archive of one settlement: every input and output under
 * `archive/<settlementId>/`, then a manifest listing each file's SHA-256, size and type, holding
 * the hash of the tenant's previous manifest — so the manifests form a chain. The manifest is
 * written last: a prefix without one is an incomplete archive, never a partial "complete" one.
 */

export interface ManifestFile {
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
  readonly contentType: string;
}

export interface Manifest {
  readonly schemaVersion: 1;
  readonly tenantId: string;
  readonly settlementId: string;
  readonly sequence: number;
  readonly previousManifestHash: string | null;
  readonly files: ManifestFile[];
}

export const sha256 = (body: Uint8Array | string) => createHash('sha256').update(body).digest('hex');

/** The manifest's hash: SHA-256 over its canonical serialisation (the bytes stored). */
export function serializeManifest(manifest: Manifest): string {
  const files = [...manifest.files].sort((a, b) => (a.key < b.key ? -1 : 1));
  return `${JSON.stringify({ ...manifest, files }, null, 2)}\n`;
}

export const manifestKey = (settlementId: string) => `archive/${settlementId}/manifest.json`;

const TYPES: Record<string, string> = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  eml: 'message/rfc822',
};
const typeOf = (key: string) => TYPES[key.split('.').pop() ?? ''] ?? 'application/octet-stream';

/** Writes every file of a settlement and its chained manifest; returns what the chain head needs. */
export async function archiveSettlementFiles(
  state: SettlementState,
  head: { manifestHash: string; sequence: number } | undefined,
): Promise<{ manifestKey: string; manifestHash: string; sequence: number; files: number }> {
  const { settlement } = state;
  const id = settlement.settlementId;
  const files: ManifestFile[] = [];
  const put = async (name: string, body: Uint8Array | string) => {
    const key = `archive/${id}/${name}`;
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    await putObject(key, bytes, typeOf(key));
    files.push({ key, sha256: sha256(bytes), size: bytes.length, contentType: typeOf(key) });
  };
  const copyPrefix = async (prefix: string, into: string) => {
    for (const key of await listKeys(prefix)) {
      const body = await getObject(key);
      if (body) await put(`${into}/${key.slice(prefix.length)}`, body);
    }
  };

  const charter = await getCharter(settlement.projectId, settlement.charterVersion);
  await put('inputs/charter.json', `${JSON.stringify(charter.charter, null, 2)}\n`);
  const records: string[] = [];
  for await (const record of readRecords(settlement.projectId)) records.push(JSON.stringify(record));
  await put('inputs/records.ndjson', records.length ? `${records.join('\n')}\n` : '');
  const quarantine = await readQuarantine(id);
  await put('inputs/quarantine.ndjson', quarantine.map((q) => JSON.stringify(q)).join('\n'));
  await put(
    'inputs/settlement.json',
    `${JSON.stringify({ ...settlement, collected: state.collected ?? [] }, null, 2)}\n`,
  );
  await copyPrefix(objectKeys.rawPrefix(id), 'raw');
  await copyPrefix(objectKeys.finalPrefix(id), 'statement');
  await copyPrefix(`drafts/${id}/`, 'draft');
  await copyPrefix(objectKeys.emailPrefix(id), 'emails');
  const approvals = createApprovalStore(getClients().ddb, loadConfig().tableName);
  await put('approvals/log.json', `${JSON.stringify(await approvals.readLog(id), null, 2)}\n`);

  const manifest: Manifest = {
    schemaVersion: 1,
    tenantId: settlement.tenantId,
    settlementId: id,
    sequence: (head?.sequence ?? 0) + 1,
    previousManifestHash: head?.manifestHash ?? null,
    files,
  };
  const text = serializeManifest(manifest);
  const key = manifestKey(id);
  await putObject(key, text, 'application/json');
  return { manifestKey: key, manifestHash: sha256(text), sequence: manifest.sequence, files: files.length };
}

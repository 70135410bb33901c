import { getClients } from '#adapters/clients.ts';
import { loadConfig } from '#adapters/config.ts';
import { getObject, listKeys } from '#adapters/objects.ts';
import {
  getArchiveHead,
  getCharter,
  listCharterVersions,
  readQuarantine,
  readRecords,
} from '#adapters/settlement-store.ts';
import { createApprovalStore } from '#approval/store.ts';
import {
  type ArchiveFileInput,
  type ArchiveResult,
  type StoredFileInput,
  writeArchive,
} from '#archive/archive.ts';
import { type ChainHead, finalPrefix } from '#archive/manifest.ts';
import { createS3BlobStore } from '#archive/s3-store.ts';
import type { SettlementState } from '#domain/workflow.ts';

/**
 * Gathers everything a settlement used and produced — charter, normalised records, quarantine,
 * raw payloads, statement in every format, draft and summary, approval log, emails — and hands it
 * to the archive writer (`shared/archive`), which writes it under `archive/<settlementId>/` with a
 * SHA-256 manifest chained to the tenant's previous one (the chain head lives in DynamoDB). The final
 * statement files are already in the object-locked bucket (`final/<settlementId>/`, written by
 * Finalise with their SHA-256): the manifest lists them there rather than writing each a second time.
 */

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
const text = (value: string) => new TextEncoder().encode(value);

/** The archive store: the tenant's object-locked bucket. */
export function tenantBlobStore() {
  return createS3BlobStore(getClients().s3, loadConfig().archiveBucketName);
}

/** The chain head recorded in DynamoDB, in the archive module's terms. */
export async function recordedHead(): Promise<(ChainHead & { settlementId: string }) | null> {
  const head = await getArchiveHead();
  return head ? { sequence: head.sequence, hash: head.manifestHash, settlementId: head.settlementId } : null;
}

/** The final files where Finalise wrote them, to be listed in place. */
async function finalFiles(settlementId: string): Promise<StoredFileInput[]> {
  const stored: StoredFileInput[] = [];
  for (const key of await listKeys(finalPrefix(settlementId))) {
    const body = await getObject(key);
    if (body) stored.push({ key, body, contentType: typeOf(key) });
  }
  return stored;
}

async function settlementFiles(state: SettlementState): Promise<ArchiveFileInput[]> {
  const { settlement } = state;
  const id = settlement.settlementId;
  const files: ArchiveFileInput[] = [];
  const add = (path: string, body: Uint8Array) => files.push({ path, body, contentType: typeOf(path) });
  const copyPrefix = async (prefix: string, into: string) => {
    for (const key of await listKeys(prefix)) {
      const body = await getObject(key);
      if (body) add(`${into}/${key.slice(prefix.length)}`, body);
    }
  };
  const charter = await getCharter(settlement.projectId, settlement.charterVersion);
  add('inputs/charter.json', text(`${JSON.stringify(charter.charter, null, 2)}\n`));
  // Who wrote and who approved each version up to this one: the change log the settlement rests on.
  const changes = (await listCharterVersions(settlement.projectId)).filter(
    (v) => v.version <= settlement.charterVersion,
  );
  add('inputs/charter-changes.json', text(`${JSON.stringify(changes, null, 2)}\n`));
  const records: string[] = [];
  for await (const record of readRecords(settlement.projectId)) records.push(JSON.stringify(record));
  add('inputs/records.ndjson', text(records.length ? `${records.join('\n')}\n` : ''));
  const quarantine = await readQuarantine(id);
  add('inputs/quarantine.ndjson', text(quarantine.map((q) => `${JSON.stringify(q)}\n`).join('')));
  add(
    'inputs/settlement.json',
    text(`${JSON.stringify({ ...settlement, collected: state.collected ?? [] }, null, 2)}\n`),
  );
  await copyPrefix(`raw/${id}/`, 'raw');
  await copyPrefix(`drafts/${id}/`, 'draft');
  await copyPrefix(`emails/${id}/`, 'emails');
  const approvals = createApprovalStore(getClients().ddb, loadConfig().tableName);
  add('approvals/log.json', text(`${JSON.stringify(await approvals.readLog(id), null, 2)}\n`));
  return files;
}

/** Archives one settlement, chained to `head`; a retried step finds its own archive and writes nothing. */
export async function archiveSettlementFiles(
  state: SettlementState,
  head: ChainHead | null,
): Promise<ArchiveResult> {
  return writeArchive(
    tenantBlobStore(),
    {
      tenantId: state.settlement.tenantId,
      settlementId: state.settlement.settlementId,
      files: await settlementFiles(state),
      stored: await finalFiles(state.settlement.settlementId),
    },
    head,
  );
}

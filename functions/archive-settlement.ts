import { advanceArchiveHead, updateSettlement } from '#adapters/settlement-store.ts';
import { manifestKey } from '#archive/manifest.ts';
import { archiveSettlementFiles, recordedHead, tenantBlobStore } from '#archive/settlement-archive.ts';
import { SettlementState } from '#domain/workflow.ts';
import { declareStep } from '#steps/declaration.ts';
import { nowIso, stepHandler } from '#steps/step-handler.ts';

/**
 * Archive: raw payloads, normalised records, quarantine, charter, statement in every format,
 * approval log and emails under `archive/<settlementId>/`, with a manifest of SHA-256 hashes chained
 * to the tenant's previous manifest. The manifest is written last; the chain head moves only from
 * the manifest it was chained to (a lost race is a TransientStoreError: the retry re-chains).
 */
export const step = declareStep({
  states: { settlement: ['Archive'] },
  input: SettlementState,
  timeoutSeconds: 240,
  memoryMb: 1769,
  access: {
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem'],
    read: ['raw', 'drafts', 'final', 'emails', 'archive'],
    write: ['archive'],
    list: ['raw', 'drafts', 'final', 'emails', 'archive'],
  },
});

export const handler = stepHandler(step, async (state): Promise<SettlementState> => {
  const { settlement } = state;
  const head = await recordedHead();
  if (head?.settlementId === settlement.settlementId) {
    // A retry after the head already moved to this settlement's manifest: nothing to write again.
    const manifest = await tenantBlobStore().get(manifestKey(settlement.settlementId));
    const files = manifest
      ? (JSON.parse(new TextDecoder().decode(manifest)) as { files: unknown[] }).files.length
      : 0;
    return {
      ...state,
      archive: { manifestKey: manifestKey(settlement.settlementId), manifestHash: head.hash, files },
    };
  }
  const archived = await archiveSettlementFiles(state, head);
  await advanceArchiveHead(head?.hash, {
    manifestHash: archived.head.hash,
    sequence: archived.head.sequence,
    manifestKey: archived.manifestKey,
    settlementId: settlement.settlementId,
  });
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: 'archived',
    manifestKey: archived.manifestKey,
    manifestHash: archived.head.hash,
    updatedAt: nowIso(),
  });
  return {
    ...state,
    archive: {
      manifestKey: archived.manifestKey,
      manifestHash: archived.head.hash,
      files: archived.manifest.files.length,
    },
  };
});

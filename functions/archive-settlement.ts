import { advanceArchiveHead, getArchiveHead, updateSettlement } from '#adapters/settlement-store.ts';
import { SettlementState } from '#domain/workflow.ts';
import { archiveSettlementFiles } from '#lib/archive.ts';
import { nowIso, stepHandler } from '#lib/step-handler.ts';

/**
 * Archive: raw payloads, normalised records, quarantine, charter, statement in every format,
 * approval log and emails under `archive/<settlementId>/`, with a manifest of SHA-256 hashes chained
 * to the tenant's previous manifest. The manifest is written last; the chain head moves only from
 * the manifest it was chained to.
 */
export const handler = stepHandler(SettlementState, async (state): Promise<SettlementState> => {
  const { settlement } = state;
  const head = await getArchiveHead();
  const archived = await archiveSettlementFiles(state, head);
  await advanceArchiveHead(head?.manifestHash, { ...archived, settlementId: settlement.settlementId });
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: 'archived',
    manifestKey: archived.manifestKey,
    manifestHash: archived.manifestHash,
    updatedAt: nowIso(),
  });
  return {
    ...state,
    archive: {
      manifestKey: archived.manifestKey,
      manifestHash: archived.manifestHash,
      files: archived.files,
    },
  };
});

import { ArchiveBusyError } from '#adapters/errors.ts';
import { isExecutionRunning } from '#adapters/executions.ts';
import { advanceArchiveHead, updateSettlement } from '#adapters/settlement-store.ts';
import { acquireSlot, releaseSlot } from '#adapters/slots.ts';
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
    stepFunctions: ['DescribeExecution'],
  },
});

/** One settlement at a time appends to the tenant's archive chain (ArchiveBusyError otherwise: retried). */
async function withArchiveLock<T>(holder: string, fn: () => Promise<T>): Promise<T> {
  if (!(await acquireSlot(holder, 1, nowIso(), isExecutionRunning, 'ARCHIVE'))) {
    throw new ArchiveBusyError(
      'another settlement of the tenant is archiving; the chain is appended one at a time',
    );
  }
  try {
    return await fn();
  } finally {
    await releaseSlot(holder, 'ARCHIVE');
  }
}

export const handler = stepHandler(
  step,
  async (state): Promise<SettlementState> =>
    withArchiveLock(state.settlement.executionId ?? state.settlement.settlementId, () => archive(state)),
);

async function archive(state: SettlementState): Promise<SettlementState> {
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
}

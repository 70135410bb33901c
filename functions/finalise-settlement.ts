import { getClients } from '#adapters/clients.ts';
import { issuer, loadConfig, tenantLocale } from '#adapters/config.ts';
import { replacedJournal, writeFinalDocuments, writeRevisionNote } from '#adapters/final-files.ts';
import { confirmCarriedLateEdits, periodRecordsTakenAt } from '#adapters/late-edits.ts';
import { getJson, getObject, objectKeys } from '#adapters/objects.ts';
import { getCharter, lockPeriod, takeStatementNumber, updateSettlement } from '#adapters/settlement-store.ts';
import { writeSettlementFacts } from '#analytics/write-facts.ts';
import { createApprovalStore } from '#approval/store.ts';
import { parseCharter } from '#domain/charters.ts';
import { recipientGroupsOf } from '#domain/recipients.ts';
import type { Statement } from '#domain/statement.ts';
import { SettlementState } from '#domain/workflow.ts';
import { renderDocuments } from '#statement/documents.ts';
import { formatStatementNumber } from '#statement/number.ts';
import { declareStep } from '#steps/declaration.ts';
import { nowIso, stepHandler } from '#steps/step-handler.ts';

/**
 * Finalise: take the next gapless statement number of the tenant and year (the same number again on
 * a re-run), render the final statement in every format with its journal and approval trail, the
 * documents of each recipient group (the client statement; other languages) with the plan Distribute
 * sends from, write the settled facts (Parquet under facts/, what Athena and settle query read),
 * confirm the late edits the statement carries, and lock the period (with when its records were read).
 */
export const step = declareStep({
  states: { settlement: ['Finalise'] },
  input: SettlementState,
  timeoutSeconds: 120,
  access: {
    table: ['GetItem', 'PutItem', 'UpdateItem', 'Query'],
    read: ['drafts', 'final'],
    write: ['final', 'facts'],
  },
});

export const handler = stepHandler(step, async (state): Promise<SettlementState> => {
  const { settlement } = state;
  if (!state.computed) throw new Error('Finalise ran before Compute');
  const statement = await getJson<Statement>(state.computed.statementKey);
  const charter = parseCharter(
    (await getCharter(settlement.projectId, settlement.charterVersion)).charter,
    `charter of ${settlement.projectId}`,
  );
  const year = Number(settlement.asOf.slice(0, 4));
  const sequence = await takeStatementNumber(year, settlement.settlementId);
  const statementNumber = formatStatementNumber(settlement.tenantId, year, sequence);
  const id = settlement.settlementId;
  // The final documents are written once. A re-run after they were (a crash later in this step or
  // after it, a redrive) keeps them: once this settlement has locked the period, rendering again would
  // leave out the journal it replaces and its revision note, and the archive lists these very files.
  // `distribution.json` is written last, so its presence means every document is there.
  let revisionNote: Awaited<ReturnType<typeof writeRevisionNote>>;
  if ((await getObject(objectKeys.final(id, 'distribution.json'))) === undefined) {
    const approvalLog = await createApprovalStore(getClients().ddb, loadConfig().tableName).readLog(id);
    const documents = await renderDocuments(statement, charter, {
      number: statementNumber,
      issuer: issuer(),
      approval: state.approval,
      approvalLog,
      locale: tenantLocale(),
      replaces: await replacedJournal(settlement),
    });
    revisionNote = await writeRevisionNote(settlement, statement, documents.view);
    await writeFinalDocuments(id, documents, recipientGroupsOf(charter, tenantLocale()));
  }
  const lockedAt = nowIso();
  // The settled facts (Parquet under facts/) before the lock, so a failed write is retried with the step.
  await writeSettlementFacts(settlement, statement, {
    statementNumber,
    finalisedAt: lockedAt,
    people: charter.people.length,
    timeZone: charter.timeZone,
  });
  // The late edits this statement carries are settled with it: later runs measure from what it carried.
  await confirmCarriedLateEdits(settlement);
  await lockPeriod(
    settlement.projectId,
    settlement.period,
    settlement.revision,
    id,
    lockedAt,
    await periodRecordsTakenAt(id),
  );
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: 'approved',
    statementNumber,
    lockedAt,
    ...(revisionNote ? { revisionNote } : {}),
    updatedAt: lockedAt,
  });
  return { ...state, outcome: 'approved', final: { statementNumber, lockedAt } };
});

import { getClients } from '#adapters/clients.ts';
import { issuer, loadConfig, tenantLocale } from '#adapters/config.ts';
import { getJson, objectKeys, putJson, putObject } from '#adapters/objects.ts';
import {
  getCharter,
  getPeriodLock,
  getSettlement,
  lockPeriod,
  takeStatementNumber,
  updateSettlement,
} from '#adapters/settlement-store.ts';
import { createApprovalStore } from '#approval/store.ts';
import { parseCharter } from '#domain/charters.ts';
import { reviseStatement } from '#domain/periods.ts';
import { recipientGroupsOf } from '#domain/recipients.ts';
import type { Statement } from '#domain/statement.ts';
import { SettlementState } from '#domain/workflow.ts';
import { renderDistribution, renderDocuments, renderRevisionNote } from '#statement/documents.ts';
import { formatStatementNumber } from '#statement/number.ts';
import { declareStep } from '#steps/declaration.ts';
import { nowIso, stepHandler } from '#steps/step-handler.ts';

/**
 * Finalise: take the next gapless statement number of the tenant and year (the same number again on
 * a re-run), render the final statement in every format with its journal and approval trail, the
 * documents of each recipient group (the client statement; other languages) with the plan Distribute
 * sends from, and lock the period.
 */
export const step = declareStep({
  states: { settlement: ['Finalise'] },
  input: SettlementState,
  timeoutSeconds: 120,
  access: {
    table: ['GetItem', 'PutItem', 'UpdateItem', 'Query'],
    read: ['drafts', 'final'],
    write: ['final'],
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
  const approvalLog = await createApprovalStore(getClients().ddb, loadConfig().tableName).readLog(id);
  const documents = await renderDocuments(statement, charter, {
    number: statementNumber,
    issuer: issuer(),
    approval: state.approval,
    approvalLog,
    locale: tenantLocale(),
  });
  await putObject(objectKeys.final(id, 'statement.json'), documents.json, 'application/json');
  await putObject(objectKeys.final(id, 'statement.html'), documents.html, 'text/html; charset=utf-8');
  await putObject(objectKeys.final(id, 'statement.pdf'), documents.pdf, 'application/pdf');
  await putObject(objectKeys.final(id, 'statement.csv'), documents.csv, 'text/csv; charset=utf-8');
  await putObject(
    objectKeys.final(id, 'statement.xlsx'),
    documents.xlsx,
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  );
  await putObject(objectKeys.final(id, 'journal.csv'), documents.journalCsv, 'text/csv; charset=utf-8');
  const distribution = await renderDistribution(documents.view, recipientGroupsOf(charter, tenantLocale()));
  for (const file of distribution.files)
    await putObject(objectKeys.final(id, file.name), file.content, file.contentType);
  await putJson(objectKeys.final(id, 'distribution.json'), distribution.emails);
  const previousLock = await getPeriodLock(settlement.projectId, settlement.period);
  let revisionNote: string | undefined;
  if (previousLock && Number(previousLock.revision) < settlement.revision) {
    // A revision of a settled period: the difference is issued as a credit or debit note that
    // names the statement it corrects; the previous statement stays as it was.
    const previousId = String(previousLock.settlementId);
    const previous = await getJson<Statement>(objectKeys.final(previousId, 'statement.json'));
    const previousItem = await getSettlement(
      settlement.projectId,
      settlement.period,
      Number(previousLock.revision),
    );
    const current = await getSettlement(settlement.projectId, settlement.period, settlement.revision);
    const note = reviseStatement(previous, statement, current?.reason as string | undefined);
    if (note.kind !== 'none') {
      const rendered = renderRevisionNote(
        note,
        documents.view,
        String(previousItem?.statementNumber ?? previousId),
      );
      await putObject(
        objectKeys.final(id, `${note.kind}.json`),
        `${JSON.stringify(note, null, 2)}\n`,
        'application/json',
      );
      await putObject(objectKeys.final(id, `${note.kind}.html`), rendered.html, 'text/html; charset=utf-8');
      revisionNote = note.kind;
    }
  }
  const lockedAt = nowIso();
  await lockPeriod(settlement.projectId, settlement.period, settlement.revision, id, lockedAt);
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: 'approved',
    statementNumber,
    lockedAt,
    ...(revisionNote ? { revisionNote } : {}),
    updatedAt: lockedAt,
  });
  return { ...state, outcome: 'approved', final: { statementNumber, lockedAt } };
});

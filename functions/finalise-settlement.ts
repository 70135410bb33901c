import { issuer } from '#adapters/config.ts';
import { getJson, objectKeys, putObject } from '#adapters/objects.ts';
import {
  getCharter,
  getPeriodLock,
  getSettlement,
  lockPeriod,
  takeStatementNumber,
  updateSettlement,
} from '#adapters/settlement-store.ts';
import { writeSettlementFacts } from '#analytics/write-facts.ts';
import { reviseStatement } from '#domain/periods.ts';
import type { Statement } from '#domain/statement.ts';
import { SettlementState } from '#domain/workflow.ts';
import { parseCharter } from '#lib/charters.ts';
import { formatStatementNumber, renderDocuments, renderRevisionNote } from '#lib/documents.ts';
import { nowIso, stepHandler } from '#lib/step-handler.ts';

/**
 * Finalise: take the next gapless statement number of the tenant and year (the same number again on
 * a re-run), render the final statement in every format with its journal, and lock the period.
 */
export const handler = stepHandler(SettlementState, async (state): Promise<SettlementState> => {
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
  const documents = await renderDocuments(statement, charter, {
    number: statementNumber,
    issuer: issuer(),
    approval: state.approval,
  });
  const id = settlement.settlementId;
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
  // The settled facts (Parquet under facts/) before the lock, so a failed write is retried with the step.
  await writeSettlementFacts(settlement, statement, {
    statementNumber,
    finalisedAt: lockedAt,
    people: charter.people.length,
  });
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

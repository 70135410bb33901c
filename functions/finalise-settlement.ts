import { getJson, objectKeys, putObject } from '#adapters/objects.ts';
import { getCharter, lockPeriod, takeStatementNumber, updateSettlement } from '#adapters/settlement-store.ts';
import type { Statement } from '#domain/statement.ts';
import { SettlementState } from '#domain/workflow.ts';
import { parseCharter } from '#lib/charters.ts';
import { formatStatementNumber, renderDocuments } from '#lib/documents.ts';
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
  const lockedAt = nowIso();
  await lockPeriod(settlement.projectId, settlement.period, settlement.revision, id, lockedAt);
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: 'approved',
    statementNumber,
    lockedAt,
    updatedAt: lockedAt,
  });
  return { ...state, outcome: 'approved', final: { statementNumber, lockedAt } };
});

import { issuer, loadConfig } from '#adapters/config.ts';
import { getJson, objectKeys, putJson, putObject } from '#adapters/objects.ts';
import { getCharter, updateSettlement } from '#adapters/settlement-store.ts';
import { initialApprovalState } from '#approval/chain.ts';
import { approvalSettingsOf, approvalSummaryOf, approversOf } from '#approval/from-charter.ts';
import { summaryKey } from '#approval/summary.ts';
import { resolveTimings } from '#approval/timings.ts';
import { parseCharter } from '#domain/charters.ts';
import type { Statement } from '#domain/statement.ts';
import { SettlementState } from '#domain/workflow.ts';
import { renderDraftDocuments } from '#statement/documents.ts';
import { declareStep } from '#steps/declaration.ts';
import { nowIso, stepHandler } from '#steps/step-handler.ts';

/**
 * Draft: render the draft statement (HTML and PDF beside the JSON) and the approval summary, and
 * start the approval loop at step 0 of the chain that the settlement amount requires.
 */
export const step = declareStep({
  states: { settlement: ['Draft'] },
  input: SettlementState,
  timeoutSeconds: 240,
  memoryMb: 1769,
  access: { table: ['GetItem', 'UpdateItem'], read: ['drafts'], write: ['drafts'] },
});

export const handler = stepHandler(step, async (state): Promise<SettlementState> => {
  const { settlement } = state;
  if (!state.computed) throw new Error('Draft ran before Compute');
  const statement = await getJson<Statement>(state.computed.statementKey);
  const charter = parseCharter(
    (await getCharter(settlement.projectId, settlement.charterVersion)).charter,
    `charter of ${settlement.projectId}`,
  );
  const documents = await renderDraftDocuments(statement, charter, { number: 'DRAFT', issuer: issuer() });
  const htmlKey = objectKeys.draft(settlement.settlementId, 'statement.html');
  const pdfKey = objectKeys.draft(settlement.settlementId, 'statement.pdf');
  await putObject(htmlKey, documents.html, 'text/html; charset=utf-8');
  await putObject(pdfKey, documents.pdf, 'application/pdf');
  await putJson(
    summaryKey(settlement.settlementId),
    approvalSummaryOf(statement, charter, {
      settlementId: settlement.settlementId,
      jsonKey: state.computed.statementKey,
      htmlKey,
      pdfKey,
    }),
  );
  const timings = resolveTimings(approvalSettingsOf(charter), loadConfig().approvalDefaults);
  const approval = initialApprovalState(
    approversOf(charter),
    statement.totals.settlementAmount.amount,
    timings,
  );
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: 'awaiting-approval',
    updatedAt: nowIso(),
  });
  return {
    ...state,
    outcome: 'awaiting-approval',
    draft: { jsonKey: state.computed.statementKey, htmlKey, pdfKey },
    approval,
  };
});

import { getObject, objectKeys } from '#adapters/objects.ts';
import { getCharter, updateSettlement } from '#adapters/settlement-store.ts';
import { SettlementState } from '#domain/workflow.ts';
import { parseCharter } from '#lib/charters.ts';
import { briefEmail } from '#lib/emails.ts';
import { sendAndKeep } from '#lib/mail.ts';
import { declareStep } from '#steps/declaration.ts';
import { nowIso, stepHandler } from '#steps/step-handler.ts';

/** Distribute: after approval, email the PDF brief to the business-unit heads and client contacts. */
export const step = declareStep({
  states: { settlement: ['Notify'] },
  input: SettlementState,
  timeoutSeconds: 120,
  access: { table: ['GetItem', 'UpdateItem'], read: ['final'], write: ['emails'], sendMail: true },
});

export const handler = stepHandler(step, async (state): Promise<SettlementState> => {
  const { settlement } = state;
  const charter = parseCharter(
    (await getCharter(settlement.projectId, settlement.charterVersion)).charter,
    `charter of ${settlement.projectId}`,
  );
  const pdf = await getObject(objectKeys.final(settlement.settlementId, 'statement.pdf'));
  const email = briefEmail(state, charter, pdf);
  if (email) await sendAndKeep(settlement.settlementId, 'brief', email);
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: 'settled',
    distributedTo: email ? [...email.to] : [],
    updatedAt: nowIso(),
  });
  return { ...state, outcome: 'settled' };
});

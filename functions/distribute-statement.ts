import { getJson, getObject, objectKeys } from '#adapters/objects.ts';
import { sendAndKeep } from '#adapters/sent-mail.ts';
import { updateSettlement } from '#adapters/settlement-store.ts';
import { SettlementState } from '#domain/workflow.ts';
import type { DistributionEmail } from '#statement/documents.ts';
import { statementEmail } from '#statement/emails.ts';
import { declareStep } from '#steps/declaration.ts';
import { nowIso, stepHandler } from '#steps/step-handler.ts';

/**
 * Distribute: after approval, one email per recipient group as Finalise planned it — the internal
 * brief to business-unit heads, the client statement to the client — each addressed to its group only.
 */
export const step = declareStep({
  states: { settlement: ['Notify'] },
  input: SettlementState,
  timeoutSeconds: 120,
  access: { table: ['UpdateItem'], read: ['final'], write: ['emails'], sendMail: true },
});

export const handler = stepHandler(step, async (state): Promise<SettlementState> => {
  const { settlement } = state;
  const id = settlement.settlementId;
  const plan = await getJson<DistributionEmail[]>(objectKeys.final(id, 'distribution.json'));
  const sentTo: string[] = [];
  for (const planned of plan) {
    const attachments = await Promise.all(
      planned.attachments.map(async (a) => {
        const content = await getObject(objectKeys.final(id, a.name));
        if (!content) throw new Error(`${objectKeys.final(id, a.name)} is missing; Finalise writes it`);
        return { filename: a.filename, contentType: a.contentType, content };
      }),
    );
    const email = statementEmail(planned.group, planned.facts, attachments);
    await sendAndKeep(id, `${planned.group.audience}-${planned.group.locale}`, email);
    sentTo.push(...planned.group.to);
  }
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: 'settled',
    distributedTo: sentTo,
    updatedAt: nowIso(),
  });
  return { ...state, outcome: 'settled' };
});

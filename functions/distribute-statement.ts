import { getJson, getObject, objectKeys } from '#adapters/objects.ts';
import { sendOnce } from '#adapters/sent-mail.ts';
import { updateSettlement } from '#adapters/settlement-store.ts';
import { SettlementState } from '#domain/workflow.ts';
import type { DistributionEmail } from '#statement/documents.ts';
import { statementEmail } from '#statement/emails.ts';
import { declareStep } from '#steps/declaration.ts';
import { logger, nowIso, stepHandler } from '#steps/step-handler.ts';

/**
 * Distribute: after approval, one email per recipient group as Finalise planned it — the internal
 * brief to business-unit heads, the client statement to the client — each addressed to its group only.
 */
export const step = declareStep({
  states: { settlement: ['Notify'] },
  input: SettlementState,
  timeoutSeconds: 120,
  access: { table: ['GetItem', 'PutItem', 'UpdateItem'], read: ['final'], write: ['emails'], sendMail: true },
});

export const handler = stepHandler(step, async (state): Promise<SettlementState> => {
  const { settlement } = state;
  const id = settlement.settlementId;
  const plan = await getJson<DistributionEmail[]>(objectKeys.final(id, 'distribution.json'));
  const sentTo: string[] = [];
  const uncertain: Array<{ group: string; to: readonly string[]; since: string }> = [];
  for (const planned of plan) {
    const attachments = await Promise.all(
      planned.attachments.map(async (a) => {
        const content = await getObject(objectKeys.final(id, a.name));
        if (!content) throw new Error(`${objectKeys.final(id, a.name)} is missing; Finalise writes it`);
        return { filename: a.filename, contentType: a.contentType, content };
      }),
    );
    const email = statementEmail(planned.group, planned.facts, attachments);
    const group = `${planned.group.audience}-${planned.group.locale}`;
    const delivery = await sendOnce(id, group, email, nowIso);
    if (delivery.outcome === 'uncertain') {
      uncertain.push({ group, to: planned.group.to, since: delivery.since });
      logger.error('email delivery uncertain: not sent again', { group, since: delivery.since });
    } else sentTo.push(...planned.group.to);
  }
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: 'settled',
    distributedTo: sentTo,
    ...(uncertain.length ? { deliveryUncertain: uncertain } : {}),
    updatedAt: nowIso(),
  });
  return { ...state, outcome: 'settled' };
});

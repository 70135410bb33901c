import {
  readBriefRecord,
  recordBriefFailed,
  recordBriefIntent,
  recordBriefSent,
  type SettlementKey,
} from '#adapters/brief-record.ts';
import { type OutgoingEmail, sendEmail } from '#adapters/mailer.ts';
import { getObject, objectKeys } from '#adapters/objects.ts';
import { getCharter, updateSettlement } from '#adapters/settlement-store.ts';
import { SettlementState } from '#domain/workflow.ts';
import { parseCharter } from '#lib/charters.ts';
import { briefEmail } from '#lib/emails.ts';
import { keepEmail } from '#lib/mail.ts';
import { logger, nowIso, stepHandler } from '#lib/step-handler.ts';
import { type BriefOutcome, deliverBriefOnce } from '#statement/brief-delivery.ts';

/**
 * Distribute: after approval, email the PDF brief to the business-unit heads and client contacts
 * — at most once per settlement, whatever crashes and re-runs happen (see brief-delivery.ts).
 */
export const handler = stepHandler(SettlementState, async (state): Promise<SettlementState> => {
  const { settlement } = state;
  const charter = parseCharter(
    (await getCharter(settlement.projectId, settlement.charterVersion)).charter,
    `charter of ${settlement.projectId}`,
  );
  const pdf = await getObject(objectKeys.final(settlement.settlementId, 'statement.pdf'));
  const email = briefEmail(state, charter, pdf);
  const outcome = email ? await deliverBrief(settlement, email) : undefined;
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: 'settled',
    distributedTo: email ? [...email.to] : [],
    ...(outcome ? { briefDelivery: outcome.kind } : {}),
    updatedAt: nowIso(),
  });
  return { ...state, outcome: 'settled' };
});

async function deliverBrief(
  settlement: SettlementKey & { settlementId: string },
  email: OutgoingEmail,
): Promise<BriefOutcome> {
  let sent: { messageId: string; mime: Buffer } | undefined;
  try {
    return await deliverBriefOnce(
      {
        read: () => readBriefRecord(settlement),
        claim: (attempt, to, previous) => recordBriefIntent(settlement, attempt, to, previous, nowIso()),
        markSent: (attempt, messageId) => recordBriefSent(settlement, attempt, messageId, nowIso()),
        markFailed: (attempt, error) => recordBriefFailed(settlement, attempt, error, nowIso()),
        send: async () => {
          sent = await sendEmail({
            ...email,
            headers: { ...email.headers, 'X-Settlement-Id': settlement.settlementId },
          });
          return sent.messageId;
        },
        log: (level, message, fields) =>
          logger[level](message, { ...fields, settlementId: settlement.settlementId }),
      },
      email.to,
    );
  } finally {
    // The archive keeps every message sent, even when recording its id failed (no resend follows).
    if (sent) await keepEmail(settlement.settlementId, 'brief', sent.messageId, sent.mime);
  }
}

import { sendAndKeep } from '#adapters/sent-mail.ts';
import { getCharter, updateSettlement } from '#adapters/settlement-store.ts';
import { releaseSettlementSlot } from '#adapters/slots.ts';
import { parseCharter } from '#domain/charters.ts';
import { SettlementState } from '#domain/workflow.ts';
import { outcomeEmail } from '#statement/emails.ts';
import { declareStep } from '#steps/declaration.ts';
import { nowIso, stepHandler } from '#steps/step-handler.ts';

/**
 * Record an outcome that ends the settlement without a statement: needs-attention (blocking contract
 * checks), rejected (with the approver's reason) or expired (nobody decided). The project manager is
 * told why.
 */
export const step = declareStep({
  states: { settlement: ['NeedsAttention', 'Expired', 'Rejected'] },
  input: SettlementState,
  timeoutSeconds: 120,
  access: { table: ['GetItem', 'UpdateItem'], write: ['emails'], sendMail: true },
});

export const handler = stepHandler(step, async (state): Promise<SettlementState> => {
  const { settlement } = state;
  const outcome =
    state.approval?.decision === 'rejected'
      ? 'rejected'
      : state.outcome === 'expired'
        ? 'expired'
        : 'needs-attention';
  const charter = parseCharter(
    (await getCharter(settlement.projectId, settlement.charterVersion)).charter,
    `charter of ${settlement.projectId}`,
  );
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: outcome,
    ...(outcome === 'rejected'
      ? { rejection: { by: state.approval?.decidedBy, comment: state.approval?.comment } }
      : {}),
    // The failed blocking checks: what the daily summary names for a needs-attention settlement.
    ...(outcome === 'needs-attention' ? { failedChecks: state.computed?.blockingFailures ?? [] } : {}),
    updatedAt: nowIso(),
  });
  // Needs attention ends before Draft, holding its slot (rejected and expired gave theirs back at Draft).
  await releaseSettlementSlot(settlement);
  await sendAndKeep(settlement.settlementId, 'outcome', await outcomeEmail(state, charter, outcome));
  return { ...state, outcome };
});

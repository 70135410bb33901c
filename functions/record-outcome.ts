import { getCharter, updateSettlement } from '#adapters/settlement-store.ts';
import { SettlementState } from '#domain/workflow.ts';
import { parseCharter } from '#lib/charters.ts';
import { outcomeEmail } from '#lib/emails.ts';
import { sendAndKeep } from '#lib/mail.ts';
import { nowIso, stepHandler } from '#lib/step-handler.ts';

/**
 * Record an outcome that ends the settlement without a statement: needs-attention (blocking contract
 * checks), rejected (with the approver's reason) or expired (nobody decided). The project manager is
 * told why.
 */
export const handler = stepHandler(SettlementState, async (state): Promise<SettlementState> => {
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
    updatedAt: nowIso(),
  });
  await sendAndKeep(settlement.settlementId, 'outcome', await outcomeEmail(state, charter, outcome));
  return { ...state, outcome };
});

import { loadConfig } from '#adapters/config.ts';
import { sendOnce } from '#adapters/sent-mail.ts';
import { getCharter, getSettlement, updateSettlement } from '#adapters/settlement-store.ts';
import { releaseSettlementSlot } from '#adapters/slots.ts';
import { parseCharter } from '#domain/charters.ts';
import { assessReadiness, readinessDeadline, type SourceReadiness } from '#domain/readiness.ts';
import { SettlementState } from '#domain/workflow.ts';
import { notReadyEmail } from '#statement/emails.ts';
import { declareStep } from '#steps/declaration.ts';
import { logger, nowIso, stepHandler } from '#steps/step-handler.ts';

/**
 * CheckReadiness: after Collect, before anything is computed: may the period settle under the
 * charter's readiness rule (approved time, final cloud cost, files imported)? Not ready → the
 * settlement is recorded `waiting` with what is missing and the execution ends there; the nightly
 * run tries again the next night (waiting does not count against the retry policy). Past the
 * deadline the tenant's operations address is told what is missing, once a night.
 */
export const step = declareStep({
  states: { settlement: ['CheckReadiness'] },
  input: SettlementState,
  timeoutSeconds: 60,
  access: { table: ['GetItem', 'PutItem', 'UpdateItem'], write: ['emails'], sendMail: true },
});

export const handler = stepHandler(step, async (state): Promise<SettlementState> => {
  const { settlement } = state;
  const charter = parseCharter(
    (await getCharter(settlement.projectId, settlement.charterVersion)).charter,
    `charter of ${settlement.projectId}`,
  );
  if (!charter.readiness) return state;
  const facts = (state.collected ?? []).flatMap((c) =>
    c && typeof c === 'object' && 'readiness' in c ? [(c as { readiness: SourceReadiness }).readiness] : [],
  );
  const assessment = assessReadiness(charter.readiness, facts);
  if (assessment.ready) return state;
  const deadline = readinessDeadline(charter, settlement.period);
  const overdue = settlement.asOf >= deadline;
  const previous = await getSettlement(settlement.projectId, settlement.period, settlement.revision);
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: 'waiting',
    missing: assessment.missing,
    deadline,
    // Nights spent waiting: the retry policy counts attempts that failed, not these.
    waits: Number(previous?.waits ?? 0) + 1,
    updatedAt: nowIso(),
  });
  // Waiting holds no slot: another settlement may collect tonight.
  await releaseSettlementSlot(settlement);
  if (overdue) {
    const to = loadConfig().operationsEmail;
    if (to) {
      await sendOnce(
        settlement.settlementId,
        `not-ready-${settlement.asOf}`,
        notReadyEmail(
          loadConfig().tenantName,
          settlement.projectId,
          settlement.period,
          deadline,
          assessment.missing,
          to,
        ),
        nowIso,
      );
    } else logger.error('no OPERATIONS_EMAIL configured: overdue settlement not reported', { deadline });
  }
  return {
    ...state,
    outcome: 'waiting',
    readiness: { missing: [...assessment.missing], notes: [...assessment.notes], deadline, overdue },
  };
});

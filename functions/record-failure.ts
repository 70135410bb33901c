import { z } from 'zod';
import { loadConfig } from '#adapters/config.ts';
import { sendAndKeep } from '#adapters/sent-mail.ts';
import { getSettlement, updateSettlement } from '#adapters/settlement-store.ts';
import { SettlementRef, settlementId } from '#domain/workflow.ts';
import { failureEmail } from '#statement/emails.ts';
import { declareStep } from '#steps/declaration.ts';
import { logger, nowIso, stepHandler } from '#steps/step-handler.ts';

const FailureInput = z.object({
  settlement: SettlementRef.optional(),
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
  tenantId: z.string().optional(),
  projectId: z.string().optional(),
  period: z.string().optional(),
  revision: z.number().int().nonnegative().optional(),
});

/**
 * The settlement a failure belongs to. A failure in Open comes with the execution's input only
 * (no `settlement` yet): the ids are derived from it, so that failure is recorded and notified too.
 */
function failedSettlement(input: z.infer<typeof FailureInput>) {
  if (input.settlement) return input.settlement;
  if (!input.projectId || !input.period) return undefined;
  const revision = input.revision ?? 0;
  return {
    tenantId: input.tenantId ?? loadConfig().tenantId,
    projectId: input.projectId,
    period: input.period,
    revision,
    settlementId: settlementId(input.projectId, input.period, revision),
  };
}

/**
 * The failure path: record the error on the settlement (status failed, error name and cause) and
 * notify the tenant's operators; the execution then ends in the Fail state.
 */
export const step = declareStep({
  states: { settlement: ['RecordFailure'] },
  input: FailureInput.passthrough(),
  timeoutSeconds: 60,
  access: { table: ['GetItem', 'UpdateItem'], write: ['emails'], sendMail: true },
});

export const handler = stepHandler(step, async (input) => {
  const error = input.error ?? { Error: 'Unknown', Cause: 'no error information' };
  logger.error('settlement failed', { errorName: error.Error, cause: error.Cause?.slice(0, 2000) });
  const s = failedSettlement(input);
  // The settlement belongs to the execution that is still settling it: leave it alone.
  const ownedByAnother = error.Error === 'SettlementInProgressError';
  if (s && !ownedByAnother) {
    const existing = await getSettlement(s.projectId, s.period, s.revision);
    if (existing) {
      await updateSettlement(s.projectId, s.period, s.revision, {
        status: 'failed',
        error: { name: error.Error, cause: (error.Cause ?? '').slice(0, 4000) },
        updatedAt: nowIso(),
      });
    }
    const to = loadConfig().operationsEmail;
    // The failure is recorded and counted by the alarm either way; mail goes only to a configured address.
    if (to) await sendAndKeep(s.settlementId, 'failure', failureEmail(s, error, to));
    else
      logger.error('no OPERATIONS_EMAIL configured: failure email not sent', {
        settlementId: s.settlementId,
      });
  }
  return { ...input, outcome: 'failed' };
});

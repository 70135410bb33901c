import { z } from 'zod';
import { loadConfig } from '#adapters/config.ts';
import { sendAndKeep } from '#adapters/sent-mail.ts';
import { getSettlement, recordFailedSettlement, updateSettlement } from '#adapters/settlement-store.ts';
import { releaseSlot } from '#adapters/slots.ts';
import { type SettlementInput, SettlementRef, settlementId } from '#domain/workflow.ts';
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
  /** The execution input's run date and nightly attempt (a failure in Open has nothing else). */
  asOf: z.string().optional(),
  attempt: z.number().int().positive().optional(),
  reason: z.string().optional(),
});

const RecordFailureInput = z.object({
  /** The failed state's input with the Catch's `error`. */
  failure: FailureInput.passthrough(),
  /** `$$.Execution.Id` and `$$.Execution.RedriveCount`: which run of which execution this is. */
  executionId: z.string().min(1),
  redriveCount: z.number().int().nonnegative().default(0),
});

/** Errors that refuse the request itself: recorded on an existing settlement, never creating one. */
const REFUSED = new Set(['InvalidPeriodError', 'InvalidInputError', 'PeriodLockedError']);

/** Ends the execution after the failure is recorded (what the failed-settlement alarm counts). */
export class SettlementFailedError extends Error {
  override name = 'SettlementFailed';
}

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
 * The execution's input again, from the failed state's input and the stored settlement (a redrive
 * restarts this state with that input only): what Open needs to start the settlement over.
 */
function resumeInput(
  input: z.infer<typeof FailureInput>,
  s: NonNullable<ReturnType<typeof failedSettlement>>,
  existing: Record<string, unknown> | undefined,
): SettlementInput | undefined {
  const asOf = input.settlement?.asOf ?? input.asOf ?? (existing?.asOf as string | undefined);
  if (!asOf) return undefined;
  const reason = (existing?.reason as string | undefined) ?? input.reason;
  const attempt = Number(existing?.attempt ?? input.attempt ?? 1);
  return {
    tenantId: s.tenantId,
    projectId: s.projectId,
    period: s.period,
    revision: s.revision,
    asOf,
    ...(reason ? { reason } : {}),
    ...(attempt > 1 ? { attempt } : {}),
  };
}

/**
 * The failure path: record the error on the settlement (status failed, error name and cause), notify
 * the tenant's operators and fail the execution in this state with SettlementFailed. A redrive
 * (RedriveExecution) re-runs this state with a higher redrive count: the failure was recorded by the
 * run before, so it returns the settlement's input and the execution continues at Open.
 */
export const step = declareStep({
  states: { settlement: ['RecordFailure'] },
  input: RecordFailureInput,
  timeoutSeconds: 60,
  access: { table: ['GetItem', 'UpdateItem'], write: ['emails'], sendMail: true },
});

export const handler = stepHandler(step, async ({ failure: input, executionId, redriveCount }) => {
  const error = input.error ?? { Error: 'Unknown', Cause: 'no error information' };
  const s = failedSettlement(input);
  // A failed settlement holds no slot (given back before anything else: a redrive takes a new one).
  await releaseSlot(executionId);
  await releaseSlot(executionId, 'ARCHIVE');
  const existing = s && (await getSettlement(s.projectId, s.period, s.revision));
  const failedBy = existing?.failedBy as { executionId?: string; redriveCount?: number } | undefined;
  const recordedInThisRun = failedBy?.executionId === executionId && failedBy.redriveCount === redriveCount;
  if (redriveCount > 0 && !recordedInThisRun) {
    // Redriven: this failure was recorded by an earlier run of the execution; start over from Open.
    logger.info('settlement redriven: resuming from Open', { redriveCount });
    if (s && existing) {
      await updateSettlement(s.projectId, s.period, s.revision, {
        failedBy: { executionId, redriveCount },
        redrivenAt: nowIso(),
        updatedAt: nowIso(),
      });
    }
    const resumed = s && resumeInput(input, s, existing);
    if (resumed) return resumed;
  }
  logger.error('settlement failed', { errorName: error.Error, cause: error.Cause?.slice(0, 2000) });
  // The settlement belongs to the execution that is still settling it: leave it alone.
  const ownedByAnother = error.Error === 'SettlementInProgressError';
  // A refused request (a malformed period, a revision of nothing) claims nothing: no item is created.
  const refused = REFUSED.has(error.Error) && !existing;
  if (s && !ownedByAnother) {
    if (!refused)
      await recordFailedSettlement(s, {
        error: { name: error.Error, cause: (error.Cause ?? '').slice(0, 4000) },
        failedBy: { executionId, redriveCount },
        ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
        ...((input.settlement?.asOf ?? input.asOf) ? { asOf: input.settlement?.asOf ?? input.asOf } : {}),
        now: nowIso(),
      });
    const to = loadConfig().operationsEmail;
    // The failure is recorded and counted by the alarm either way; mail goes only to a configured address.
    if (to) await sendAndKeep(s.settlementId, 'failure', failureEmail(s, error, to));
    else
      logger.error('no OPERATIONS_EMAIL configured: failure email not sent', {
        settlementId: s.settlementId,
      });
  }
  throw new SettlementFailedError(`${error.Error}: ${(error.Cause ?? '').slice(0, 500)}`);
});

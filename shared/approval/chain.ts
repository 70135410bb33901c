import { Dec } from '#domain/money.ts';
import type { ApprovalState } from '#domain/workflow.ts';
import type { ApprovalTimings, Approver, ApproverStep } from './model.ts';

/**
 * The approvers a settlement of `amount` needs, in charter order: every approver without a
 * `minAmount`, and every approver whose `minAmount` is at most the amount (thresholds are in the
 * settlement's currency, inclusive). E.g. project manager (always), finance (from 0), director
 * (from 50000): a 60000 settlement needs all three, a 20000 one the first two.
 */
export function chainFor(approvers: readonly Approver[], amount: string): ApproverStep[] {
  const value = new Dec(amount);
  return approvers
    .filter((a) => a.minAmount === undefined || value.gte(a.minAmount))
    .map(({ minAmount: _, ...step }) => step);
}

/**
 * The approval state a settlement enters the Approve state with (the draft step sets it):
 * step 0 of the chain for its amount, waiting until the first reminder.
 */
export function initialApprovalState(
  approvers: readonly Approver[],
  amount: string,
  timings: ApprovalTimings,
): ApprovalState {
  const steps = chainFor(approvers, amount).length;
  if (steps === 0) throw new RangeError('the charter lists no approver for this amount');
  return { step: 0, steps, waitSeconds: timings.reminderAfterSeconds, phase: 'initial' };
}

import { approvalDeps } from '#approval/deps.ts';
import { type ApprovalDeps, handleApprovalTimeout } from '#approval/service.ts';
import { SettlementState } from '#domain/workflow.ts';
import { declareStep } from '#steps/declaration.ts';
import { logger, stepHandler } from '#steps/step-handler.ts';

/**
 * The ApprovalTimedOut state: the Approve state's wait ended with States.Timeout (it declares
 * no heartbeat: nothing could send one). Moves the approval to its next round (reminder, then escalation to the
 * backup) or, after the last one, marks the request expired and sets `outcome: 'expired'`.
 * Returns the whole settlement state.
 */
export const step = declareStep({
  states: { settlement: ['ApprovalTimedOut'] },
  input: SettlementState,
  timeoutSeconds: 120,
  // Moves the request to its next round or expires it; the reminder itself is the next Approve round's.
  access: { table: ['GetItem', 'PutItem', 'UpdateItem'] },
});

/** A handler with some ports replaced (tests: a fake clock). */
export const makeHandleApprovalTimeoutHandler = (overrides: Partial<ApprovalDeps> = {}) =>
  // Validated, but passed on as received so that fields added by other steps survive.
  stepHandler(step, (state, _context, event) =>
    handleApprovalTimeout(approvalDeps(logger, overrides), {
      ...(event as SettlementState),
      settlement: state.settlement,
      approval: state.approval,
    }),
  );

export const handler = makeHandleApprovalTimeoutHandler();

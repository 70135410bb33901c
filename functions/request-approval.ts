import { z } from 'zod';
import { approvalDeps } from '#approval/deps.ts';
import { type ApprovalDeps, requestApproval } from '#approval/service.ts';
import { ApprovalState, SettlementRef } from '#domain/workflow.ts';
import { declareStep } from '#steps/declaration.ts';
import { logger, stepHandler } from '#steps/step-handler.ts';

/**
 * The Approve state's task (`lambda:invoke.waitForTaskToken`): stores the round's task token with
 * the step's approval request and emails the approver (first round), a reminder, or the backup
 * (escalation). Its result is ignored: the state waits for the approval page's SendTaskSuccess.
 */
const RequestApprovalEvent = z.object({
  settlement: SettlementRef,
  approval: ApprovalState,
  /** Step Functions task tokens are at most 2048 characters. */
  taskToken: z.string().min(1).max(2048),
});

export const step = declareStep({
  states: { settlement: ['Approve'] },
  input: RequestApprovalEvent,
  timeoutSeconds: 60,
  access: {
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem'],
    read: ['drafts'],
    write: ['emails'],
    sendMail: true,
    // A decision stored while the previous round timed out is delivered to this round's token.
    stepFunctions: ['SendTaskSuccess'],
  },
});

/** A handler with some ports replaced (tests: a fake clock). */
export const makeRequestApprovalHandler = (overrides: Partial<ApprovalDeps> = {}) =>
  stepHandler(step, (input) => requestApproval(approvalDeps(logger, overrides), input));

export const handler = makeRequestApprovalHandler();

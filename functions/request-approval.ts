import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { z } from 'zod';
import { approvalDeps } from '#approval/deps.ts';
import { type ApprovalDeps, type RequestApprovalResult, requestApproval } from '#approval/service.ts';
import { ApprovalState, SettlementRef } from '#domain/workflow.ts';
import { declareStep } from '#steps/declaration.ts';

/**
 * The Approve state's task (`lambda:invoke.waitForTaskToken`): stores the round's task token with
 * the step's approval request and emails the approver (first round), a reminder, or the backup
 * (escalation). Its result is ignored: the state waits for the approval page's SendTaskSuccess.
 */
const RequestApprovalEvent = z.object({
  settlement: SettlementRef,
  approval: ApprovalState,
  /** Step Functions task tokens are at most 2048 characters (platform-notes.md). */
  taskToken: z.string().min(1).max(2048),
});

const logger = new Logger({ serviceName: 'settlement' });

/** A handler with some ports replaced (tests: a fake clock). */
export function makeRequestApprovalHandler(overrides: Partial<ApprovalDeps> = {}) {
  return middy<unknown, RequestApprovalResult>().handler(async (event) => {
    const input = RequestApprovalEvent.parse(event);
    logger.appendKeys({ settlementId: input.settlement.settlementId });
    try {
      return await requestApproval(approvalDeps(logger, overrides), input);
    } finally {
      logger.resetKeys();
    }
  });
}

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

export const handler = makeRequestApprovalHandler();

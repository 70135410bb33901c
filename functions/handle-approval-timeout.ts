import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { approvalDeps } from '#approval/deps.ts';
import { type ApprovalDeps, handleApprovalTimeout } from '#approval/service.ts';
import { SettlementState } from '#domain/workflow.ts';
import { declareStep } from '#steps/declaration.ts';

/**
 * The ApprovalTimedOut state: the Approve state's wait ended with States.Timeout or
 * States.HeartbeatTimeout. Moves the approval to its next round (reminder, then escalation to the
 * backup) or, after the last one, marks the request expired and sets `outcome: 'expired'`.
 * Returns the whole settlement state.
 */
const logger = new Logger({ serviceName: 'settlement' });

export function makeHandleApprovalTimeoutHandler(overrides: Partial<ApprovalDeps> = {}) {
  return middy<unknown, SettlementState>().handler(async (event) => {
    // Validated, but the state is passed on as received so fields added by other steps survive.
    const state = SettlementState.parse(event);
    const raw = event as SettlementState;
    logger.appendKeys({ settlementId: state.settlement.settlementId });
    try {
      return await handleApprovalTimeout(approvalDeps(logger, overrides), {
        ...raw,
        settlement: state.settlement,
        approval: state.approval,
      });
    } finally {
      logger.resetKeys();
    }
  });
}

export const step = declareStep({
  states: { settlement: ['ApprovalTimedOut'] },
  input: SettlementState,
  timeoutSeconds: 120,
  // Moves the request to its next round or expires it; the reminder itself is the next Approve round's.
  access: { table: ['GetItem', 'PutItem', 'UpdateItem'] },
});

export const handler = makeHandleApprovalTimeoutHandler();

/**
 * Errors of the approval flow. Step Functions `Retry`/`Catch` match on `error.name`, so the names
 * are stable API:
 *
 * - ApprovalError (base)
 * - ApprovalChainError: the charter's chain has no approver for the requested step (permanent)
 * - ApprovalRequestNotFoundError: a timeout round found no request for the step (permanent)
 * - ApprovalSummaryError: the draft's summary.json is missing or has the wrong shape (permanent)
 * - TransientStoreError: DynamoDB throttled or was unreachable (retried by the state machine)
 *
 * Messages never contain a link secret or a task token.
 */
export class ApprovalError extends Error {
  override name = 'ApprovalError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class ApprovalChainError extends ApprovalError {
  override name = 'ApprovalChainError';
  readonly step: number;
  readonly chainLength: number;
  constructor(step: number, chainLength: number, options?: { cause?: unknown }) {
    super(`no approver for step ${step}: the chain for this amount has ${chainLength} approver(s)`, options);
    this.step = step;
    this.chainLength = chainLength;
  }
}

export class ApprovalRequestNotFoundError extends ApprovalError {
  override name = 'ApprovalRequestNotFoundError';
  readonly settlementId: string;
  readonly step: number;
  constructor(settlementId: string, step: number, options?: { cause?: unknown }) {
    super(`no approval request for settlement ${settlementId} step ${step}`, options);
    this.settlementId = settlementId;
    this.step = step;
  }
}

export class ApprovalSummaryError extends ApprovalError {
  override name = 'ApprovalSummaryError';
  readonly key: string;
  constructor(key: string, detail: string, options?: { cause?: unknown }) {
    super(`approval summary ${key}: ${detail}`, options);
    this.key = key;
  }
}

/** DynamoDB/S3 throttling or a network failure: the state machine retries the step (see the ASL). */
export { TransientStoreError } from '#adapters/errors.ts';

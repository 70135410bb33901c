/**
 * Adapter errors. Their `name`s are part of the state machine's contract: `TransientStoreError`
 * is retried by every Task (statemachines/README.md); the others end in the failure path.
 */
export class AdapterError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AdapterError';
  }
}

/** DynamoDB/S3 throttled or unavailable: worth retrying. */
export class TransientStoreError extends AdapterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientStoreError';
  }
}

/** A conditional write lost a race or found the item in another state. */
export class ConflictError extends AdapterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/**
 * Another execution is settling the same (project, period, revision) right now. Not retried; the
 * failure path records it without touching the settlement the other execution owns.
 */
export class SettlementInProgressError extends AdapterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SettlementInProgressError';
  }
}

/**
 * Another settlement of the tenant is appending to the archive chain right now. Retried with
 * patience by the Archive state (statemachines/README.md): the chain is appended one at a time.
 */
export class ArchiveBusyError extends AdapterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchiveBusyError';
  }
}

export class NotFoundError extends AdapterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotFoundError';
  }
}

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'SlowDown',
  'TimeoutError',
  'ECONNREFUSED',
  'ECONNRESET',
]);

/** Maps SDK errors that are worth a retry (throttling, 5xx, network) to TransientStoreError; others pass through. */
export function mapStoreError(error: unknown, what: string, service: 'DynamoDB' | 'S3' = 'DynamoDB'): never {
  const e = error as Error & { $retryable?: unknown; code?: string; $metadata?: { httpStatusCode?: number } };
  if (
    e.$retryable ||
    TRANSIENT.has(e.name) ||
    (e.code && TRANSIENT.has(e.code)) ||
    (e.$metadata?.httpStatusCode ?? 0) >= 500
  ) {
    throw new TransientStoreError(`${service} ${what} failed: ${e.message}`, { cause: error });
  }
  throw error;
}

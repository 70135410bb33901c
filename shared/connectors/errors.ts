/**
 * Connector errors. The `name` of each class is what Step Functions `Retry`/`Catch` match, so the
 * names are stable API. Transient (retry later): SourceUnavailableError, SourceRateLimitedError.
 * Permanent (fix the binding or the credential): SourceAuthError, SourcePayloadError, SourceConfigError.
 * Messages name the source and the URL path, never a credential.
 */
export interface ConnectorErrorContext {
  /** The source (connector or binding id) the error came from. */
  readonly source: string;
  /** The request URL without its query string (queries may carry filters, never secrets, but we stay safe). */
  readonly url?: string;
  readonly status?: number;
  readonly attempts?: number;
  readonly cause?: unknown;
}

export class ConnectorError extends Error {
  override name = 'ConnectorError';
  readonly source: string;
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly attempts: number | undefined;

  constructor(message: string, context: ConnectorErrorContext) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.source = context.source;
    this.url = context.url;
    this.status = context.status;
    this.attempts = context.attempts;
  }
}

/** The source did not answer usefully (5xx, network error, timeout) after all attempts. Transient. */
export class SourceUnavailableError extends ConnectorError {
  override name = 'SourceUnavailableError';
}

/** The source keeps answering 429/402 (quota), or asks us to come back later than we can wait. Transient. */
export class SourceRateLimitedError extends ConnectorError {
  override name = 'SourceRateLimitedError';
  /** Seconds the source asked us to wait (Retry-After), when it said so. */
  retryAfterSeconds: number | undefined;
}

/** The credential is missing, expired or lacks permission (401/403). Not retried: someone must renew it. */
export class SourceAuthError extends ConnectorError {
  override name = 'SourceAuthError';
}

/** The source answered with something we cannot read (malformed JSON, unexpected shape, endless paging). */
export class SourcePayloadError extends ConnectorError {
  override name = 'SourcePayloadError';
}

/** The binding is wrong (missing path/secret/option, invalid time zone, a 4xx request error). */
export class SourceConfigError extends ConnectorError {
  override name = 'SourceConfigError';
}

/** Error names the state machine should retry with backoff. */
export const TRANSIENT_ERROR_NAMES = ['SourceUnavailableError', 'SourceRateLimitedError'] as const;

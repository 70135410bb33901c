/**
 * Archive errors. Names are stable (Step Functions `Catch` matches them).
 * ArchiveStoreError is transient (retry); the others are permanent.
 */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
  readonly settlementId: string | undefined;
  readonly key: string | undefined;

  constructor(message: string, context: { settlementId?: string; key?: string; cause?: unknown } = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.settlementId = context.settlementId;
    this.key = context.key;
  }
}

/** The archive request is malformed (bad settlement id, file path, duplicate or reserved name). */
export class ArchiveInputError extends ArchiveError {
  override name = 'ArchiveInputError';
}

/** A manifest already exists for the settlement with different content or a different predecessor. */
export class ArchiveConflictError extends ArchiveError {
  override name = 'ArchiveConflictError';
}

/** A conditional write found the object already there (S3 If-None-Match). */
export class BlobExistsError extends ArchiveError {
  override name = 'BlobExistsError';
}

/** The object store failed (network, throttling, 5xx). Transient. */
export class ArchiveStoreError extends ArchiveError {
  override name = 'ArchiveStoreError';
}

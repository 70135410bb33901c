/**
 * Statement rendering errors. Names are stable (Step Functions `Catch` matches them).
 * Permanent: the view is wrong and must be fixed upstream; retrying does not help.
 */
export class StatementError extends Error {
  override name = 'StatementError';
  readonly statementNumber: string | undefined;

  constructor(message: string, context: { statementNumber?: string; cause?: unknown } = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.statementNumber = context.statementNumber;
  }
}

/** The journal's debits and credits differ (in total, or within one entry). */
export class JournalUnbalancedError extends StatementError {
  override name = 'JournalUnbalancedError';
  /** The unbalanced entry, or undefined when the whole journal is off. */
  entry: string | undefined;
  debit = '0';
  credit = '0';
}

/** A journal line is malformed: negative amount, or both or neither side set. */
export class JournalLineError extends StatementError {
  override name = 'JournalLineError';
  /** Zero-based index of the line in the journal. */
  line = -1;
}

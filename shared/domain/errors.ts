/**
 * Typed errors of the settlement domain. Step Functions `Retry`/`Catch` match on `error.name`,
 * so the names below are part of the contract: keep them stable.
 *
 * - SettlementDomainError (base)
 * - CurrencyMismatchError, MissingExchangeRateError (money)
 * - InvalidCharterError (charter)
 * - InvalidPeriodError, PeriodLockedError, RevisionMismatchError (periods and revisions)
 */
export class SettlementDomainError extends Error {
  override name = 'SettlementDomainError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Two amounts in different currencies met without an explicit conversion. */
export class CurrencyMismatchError extends SettlementDomainError {
  override name = 'CurrencyMismatchError';
  readonly left: string;
  readonly right: string;
  constructor(left: string, right: string, context = 'money operation', options?: { cause?: unknown }) {
    super(`${context}: cannot combine ${left} with ${right} without conversion`, options);
    this.left = left;
    this.right = right;
  }
}

/** No exchange rate on or before the date for the currency pair. */
export class MissingExchangeRateError extends SettlementDomainError {
  override name = 'MissingExchangeRateError';
  readonly from: string;
  readonly to: string;
  readonly date: string;
  constructor(from: string, to: string, date: string, options?: { cause?: unknown }) {
    super(`no exchange rate ${from}→${to} on or before ${date} in the charter's fxRates`, options);
    this.from = from;
    this.to = to;
    this.date = date;
  }
}

/** The charter failed validation; `problems` lists every problem with its JSON path. */
export class InvalidCharterError extends SettlementDomainError {
  override name = 'InvalidCharterError';
  readonly problems: ReadonlyArray<{ path: string; message: string }>;
  constructor(problems: ReadonlyArray<{ path: string; message: string }>, options?: { cause?: unknown }) {
    super(`invalid charter: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, options);
    this.problems = problems;
  }
}

/** The period selector is malformed or not allowed by the charter's settlement mode. */
export class InvalidPeriodError extends SettlementDomainError {
  override name = 'InvalidPeriodError';
  readonly period: string;
  constructor(period: string, reason: string, options?: { cause?: unknown }) {
    super(`invalid period "${period}": ${reason}`, options);
    this.period = period;
  }
}

/** The period is settled (locked) at this revision or later; re-open it with a reason. */
export class PeriodLockedError extends SettlementDomainError {
  override name = 'PeriodLockedError';
  readonly period: string;
  readonly lockedRevision: number;
  constructor(period: string, lockedRevision: number, options?: { cause?: unknown }) {
    super(
      `period ${period} is locked at revision ${lockedRevision}; re-open it with a reason to create revision ${lockedRevision + 1}`,
      options,
    );
    this.period = period;
    this.lockedRevision = lockedRevision;
  }
}

/** Two statements that cannot be compared as revisions of each other. */
export class RevisionMismatchError extends SettlementDomainError {
  override name = 'RevisionMismatchError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A charter change that decides approval (approvers, thresholds, rates, budget) was approved by its own author, or is not pending. */
export class SegregationOfDutiesError extends SettlementDomainError {
  override name = 'SegregationOfDutiesError';
}

import { z } from 'zod';

/**
 * Attempts of a due settlement across nights: which outcome the nightly run tries again, how often,
 * and what it reports for everything it leaves. Pure: the nightly step reads the settlements and
 * applies these rules.
 */

/** Outcomes a settlement can end in without being settled; the retry policy picks among them. */
export const RetryableOutcome = z.enum(['failed', 'needs-attention', 'expired', 'rejected']);
export type RetryableOutcome = z.infer<typeof RetryableOutcome>;

/** The tenant's retry policy for the nightly run. */
export const RetryPolicy = z.object({
  /** Attempts in all (the first included) before the nightly run leaves a period to a person. */
  maxAttempts: z.number().int().min(1).max(20).default(3),
  /** Outcomes the nightly run starts a new attempt for (one attempt per night). */
  outcomes: z.array(RetryableOutcome).default(['failed', 'needs-attention']),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** Statuses of a settlement that is still being settled (an execution owns it). */
const IN_PROGRESS = new Set(['open', 'computed', 'awaiting-approval', 'approved', 'archived']);

/** What the store holds about the last attempt of a (project, period, revision). */
export interface PreviousAttempt {
  readonly status: string;
  /** The nightly attempt number (1 for a settlement started before attempts were numbered). */
  readonly attempt: number;
  /** The run date the attempt was started for (YYYY-MM-DD). */
  readonly asOf: string;
  readonly updatedAt?: string;
  readonly error?: { readonly name?: string; readonly cause?: string };
  /** Failed blocking checks of a needs-attention outcome. */
  readonly checks?: readonly string[];
  readonly rejection?: { readonly by?: string; readonly comment?: string };
  /** Attempts that ended waiting for data (not ready): they do not count against the policy. */
  readonly waits?: number;
  /** A waiting outcome's missing data, one line each, and the date it is overdue from. */
  readonly missing?: readonly string[];
  readonly deadline?: string;
}

/** Why a settlement is not settled, as the daily summary states it. */
export type NotSettledReason =
  | { readonly kind: 'started'; readonly attempt: number; readonly after?: PreviousAttempt }
  | { readonly kind: 'in-progress'; readonly status: string; readonly since?: string }
  | {
      readonly kind: 'left';
      readonly previous: PreviousAttempt;
      readonly why: 'not-retried' | 'max-attempts' | 'tried-tonight';
    };

export type AttemptDecision =
  | { readonly start: true; readonly attempt: number; readonly reason: NotSettledReason }
  | { readonly start: false; readonly reason: NotSettledReason };

/**
 * The nightly decision for one due, unsettled settlement: start attempt 1 when nothing was tried;
 * leave one that is in progress; start attempt n+1 when the last attempt ended in an outcome the
 * policy retries, was started on an earlier night and attempts remain; otherwise leave it, saying why.
 */
export function decideAttempt(
  previous: PreviousAttempt | undefined,
  asOf: string,
  policy: RetryPolicy,
): AttemptDecision {
  if (!previous) return { start: true, attempt: 1, reason: { kind: 'started', attempt: 1 } };
  if (IN_PROGRESS.has(previous.status)) {
    return {
      start: false,
      reason: {
        kind: 'in-progress',
        status: previous.status,
        ...(previous.updatedAt ? { since: previous.updatedAt } : {}),
      },
    };
  }
  if (previous.status === 'waiting') {
    // Not ready: tried every night until the data is final, whatever the policy's maximum.
    if (previous.asOf >= asOf)
      return { start: false, reason: { kind: 'left', previous, why: 'tried-tonight' } };
    const attempt = previous.attempt + 1;
    return { start: true, attempt, reason: { kind: 'started', attempt, after: previous } };
  }
  const retryable = (policy.outcomes as readonly string[]).includes(previous.status);
  if (!retryable) return { start: false, reason: { kind: 'left', previous, why: 'not-retried' } };
  if (previous.attempt - (previous.waits ?? 0) >= policy.maxAttempts)
    return { start: false, reason: { kind: 'left', previous, why: 'max-attempts' } };
  // One attempt per night: a second run of the same night starts nothing new.
  if (previous.asOf >= asOf)
    return { start: false, reason: { kind: 'left', previous, why: 'tried-tonight' } };
  const attempt = previous.attempt + 1;
  return { start: true, attempt, reason: { kind: 'started', attempt, after: previous } };
}

/** One line of the daily summary: a due settlement that is not settled, and why. */
export interface SummaryEntry {
  readonly projectId: string;
  readonly period: string;
  readonly revision: number;
  readonly reason: NotSettledReason;
}

/** The last attempt's outcome in words: the error, the failed checks, the rejection. */
function outcomeText(p: PreviousAttempt): string {
  switch (p.status) {
    case 'failed':
      return `failed: ${p.error?.name ?? 'unknown error'}${p.error?.cause ? ` (${p.error.cause.slice(0, 200)})` : ''}`;
    case 'needs-attention':
      return `needs attention: ${p.checks?.length ? p.checks.join('; ') : 'blocking contract checks failed'}`;
    case 'rejected':
      return `rejected${p.rejection?.by ? ` by ${p.rejection.by}` : ''}${p.rejection?.comment ? `: ${p.rejection.comment}` : ''}`;
    case 'expired':
      return 'expired: nobody decided the approval in time';
    case 'waiting':
      return `waiting for its data${p.deadline ? ` (overdue from ${p.deadline})` : ''}: ${p.missing?.length ? p.missing.join('; ') : 'not ready'}`;
    default:
      return p.status;
  }
}

/** The reason of a summary line in words (English: the summary goes to the tenant's operators). */
export function describeReason(reason: NotSettledReason): string {
  switch (reason.kind) {
    case 'started':
      return reason.after
        ? `attempt ${reason.attempt} started tonight; attempt ${reason.after.attempt} ${outcomeText(reason.after)}`
        : 'first attempt started tonight';
    case 'in-progress':
      return reason.status === 'awaiting-approval'
        ? `awaiting approval since ${reason.since ?? 'unknown'}`
        : `in progress (${reason.status}) since ${reason.since ?? 'unknown'}`;
    case 'left': {
      const why =
        reason.why === 'max-attempts'
          ? `; not retried: ${reason.previous.attempt - (reason.previous.waits ?? 0)} attempts made (the policy's maximum)`
          : reason.why === 'not-retried'
            ? '; not retried: the retry policy leaves this outcome to a person'
            : '; tried tonight already';
      return `attempt ${reason.previous.attempt} ${outcomeText(reason.previous)}${why}`;
    }
  }
}

/** The daily summary's text: one line per settlement not settled, ordered by project and period. */
export function summaryLines(entries: readonly SummaryEntry[]): string[] {
  return [...entries]
    .sort((a, b) =>
      a.projectId === b.projectId ? a.period.localeCompare(b.period) : a.projectId.localeCompare(b.projectId),
    )
    .map((e) => `${e.projectId} ${e.period} r${e.revision}: ${describeReason(e.reason)}`);
}

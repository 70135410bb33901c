import { z } from 'zod';
import type { Charter } from './charter.ts';
import {
  CurrencyMismatchError,
  InvalidPeriodError,
  PeriodLockedError,
  RevisionMismatchError,
} from './errors.ts';
import { type Money, moneyFromMinor, toMinor } from './money.ts';
import type { Statement } from './statement.ts';

/**
 * Settlement periods: monthly (`YYYY-MM`), per milestone (`milestone:<id>`) or
 * `final`. A window is a half-open date range `[from, to)` of calendar dates (YYYY-MM-DD); a
 * time entry belongs to the date written in its own offset, a cost record to its `date`.
 *
 * - month: the calendar month.
 * - milestone: milestones ordered by planned end partition the calendar: a milestone's window
 *   starts the day after the previous milestone's planned end (the first one is open at the
 *   start) and ends with its own planned end (the last one is open at the end), so every record
 *   falls in exactly one milestone and nothing is counted twice.
 * - final: the whole project, every record.
 */

export type PeriodSelector =
  | { readonly kind: 'month'; readonly month: string }
  | { readonly kind: 'milestone'; readonly milestoneId: string }
  | { readonly kind: 'final' };

export interface PeriodWindow {
  /** Inclusive. */
  readonly from: string;
  /** Exclusive. */
  readonly to: string;
}

export const OPEN_START = '0001-01-01';
export const OPEN_END = '9999-12-31';

/** Parses 'YYYY-MM' | 'milestone:<id>' | 'final'; throws InvalidPeriodError otherwise. */
export function parsePeriod(selector: string): PeriodSelector {
  if (selector === 'final') return { kind: 'final' };
  if (/^\d{4}-(0[1-9]|1[0-2])$/.test(selector)) return { kind: 'month', month: selector };
  if (selector.startsWith('milestone:') && selector.length > 'milestone:'.length) {
    return { kind: 'milestone', milestoneId: selector.slice('milestone:'.length) };
  }
  throw new InvalidPeriodError(selector, "expected 'YYYY-MM', 'milestone:<id>' or 'final'");
}

/** The selector string of a parsed period. */
export function formatPeriod(period: PeriodSelector): string {
  switch (period.kind) {
    case 'month':
      return period.month;
    case 'milestone':
      return `milestone:${period.milestoneId}`;
    case 'final':
      return 'final';
  }
}

/** Adds days to a YYYY-MM-DD date (UTC calendar arithmetic, no clock). */
export function addDays(date: string, days: number): string {
  const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  return new Date(t + days * 86_400_000).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  const f = Date.UTC(Number(from.slice(0, 4)), Number(from.slice(5, 7)) - 1, Number(from.slice(8, 10)));
  const t = Date.UTC(Number(to.slice(0, 4)), Number(to.slice(5, 7)) - 1, Number(to.slice(8, 10)));
  return Math.round((t - f) / 86_400_000);
}

function milestonesInOrder(charter: Pick<Charter, 'milestones'>) {
  return [...charter.milestones].sort((a, b) =>
    a.plannedEnd < b.plannedEnd
      ? -1
      : a.plannedEnd > b.plannedEnd
        ? 1
        : a.id < b.id
          ? -1
          : a.id > b.id
            ? 1
            : 0,
  );
}

/**
 * Checks the selector against the charter (the milestone exists; the settlement mode allows it:
 * periodic → months, milestone → milestones, whole → final; `final` is always allowed) and
 * returns it parsed.
 */
export function resolvePeriod(
  charter: Pick<Charter, 'milestones' | 'settlement'>,
  selector: string,
): PeriodSelector {
  const period = parsePeriod(selector);
  if (period.kind === 'milestone' && !charter.milestones.some((m) => m.id === period.milestoneId)) {
    throw new InvalidPeriodError(selector, 'no such milestone in the charter');
  }
  const mode = charter.settlement.mode;
  if (period.kind === 'month' && mode !== 'periodic') {
    throw new InvalidPeriodError(selector, `the charter settles by ${mode}, not by month`);
  }
  if (period.kind === 'milestone' && mode !== 'milestone') {
    throw new InvalidPeriodError(selector, `the charter settles by ${mode}, not by milestone`);
  }
  return period;
}

/**
 * The window a source is asked for: the period's, except that a live query under a late-edit rule
 * looks back before the period, so that a record of a locked period changed (or removed) at the
 * source since is seen; Compute counts only the period's own. Sources are asked in UTC dates, so a
 * project counting its days in another zone asks live for a day more on each side, to get every
 * entry that starts on one of its local days (offsets are within ±14 h).
 */
export function collectWindow(
  charter: Pick<Charter, 'milestones' | 'lateEdits' | 'timeZone'>,
  period: PeriodSelector,
  mode: 'live' | 'file',
): PeriodWindow {
  const window = periodWindow(charter, period);
  if (mode !== 'live') return window;
  const lookBack = charter.lateEdits ? charter.lateEdits.lookBackDays : 0;
  const zoned = charter.timeZone !== undefined && charter.timeZone !== 'UTC' ? 1 : 0;
  return {
    from: window.from === OPEN_START ? window.from : addDays(window.from, -(lookBack + zoned)),
    to: window.to === OPEN_END ? window.to : addDays(window.to, zoned),
  };
}

/** The date window of a period (see the module comment). */
export function periodWindow(charter: Pick<Charter, 'milestones'>, period: PeriodSelector): PeriodWindow {
  switch (period.kind) {
    case 'month': {
      const y = Number(period.month.slice(0, 4));
      const m = Number(period.month.slice(5, 7));
      const next =
        m === 12
          ? `${String(y + 1).padStart(4, '0')}-01`
          : `${period.month.slice(0, 4)}-${String(m + 1).padStart(2, '0')}`;
      return { from: `${period.month}-01`, to: `${next}-01` };
    }
    case 'milestone': {
      const ordered = milestonesInOrder(charter);
      const index = ordered.findIndex((m) => m.id === period.milestoneId);
      const milestone = ordered[index];
      if (!milestone) throw new InvalidPeriodError(formatPeriod(period), 'no such milestone in the charter');
      const previous = ordered[index - 1];
      return {
        from: previous ? addDays(previous.plannedEnd, 1) : OPEN_START,
        to: index === ordered.length - 1 ? OPEN_END : addDays(milestone.plannedEnd, 1),
      };
    }
    case 'final':
      return { from: OPEN_START, to: OPEN_END };
  }
}

/**
 * The as-of date when none is given: the last day of the month; the milestone's planned end;
 * for `final` the schedule's end. Throws InvalidPeriodError for `final` without a schedule.
 */
export function defaultAsOf(
  charter: Pick<Charter, 'milestones' | 'schedule'>,
  period: PeriodSelector,
): string {
  switch (period.kind) {
    case 'month':
      return addDays(periodWindow(charter, period).to, -1);
    case 'milestone': {
      const milestone = charter.milestones.find((m) => m.id === period.milestoneId);
      if (!milestone) throw new InvalidPeriodError(formatPeriod(period), 'no such milestone in the charter');
      return milestone.plannedEnd;
    }
    case 'final':
      if (!charter.schedule)
        throw new InvalidPeriodError('final', 'give an as-of date (the charter has no schedule)');
      return charter.schedule.end;
  }
}

/** A settled period: the statement of `revision` is final; changes need a new revision. */
export const PeriodLock = z.object({
  projectId: z.string().min(1),
  period: z.string().min(1),
  revision: z.number().int().nonnegative(),
  /** SHA-256 of the serialized statement that was locked. */
  statementHash: z.string().optional(),
});
export type PeriodLock = z.infer<typeof PeriodLock>;

/** The lock of a statement that has been approved and finalised. */
export function lockPeriod(
  statement: { projectId: string; period: { selector: string }; revision: number },
  statementHash?: string,
): PeriodLock {
  return {
    projectId: statement.projectId,
    period: statement.period.selector,
    revision: statement.revision,
    ...(statementHash === undefined ? {} : { statementHash }),
  };
}

/** What Open may do with a requested (project, period, revision). */
export type Opening = 'claim' | 'already-settled';

export interface OpeningFacts {
  readonly period: string;
  readonly revision: number;
  /** The id of the requested settlement (project, period, revision). */
  readonly settlementId: string;
  readonly reason?: string | undefined;
  /** The period's lock, when a revision of it was finalised. */
  readonly lock?: { readonly revision: number; readonly settlementId: string } | undefined;
  /** The status of the requested settlement, when it was claimed before. */
  readonly existingStatus?: string | undefined;
  /** Whether the revision before the requested one was claimed (settled, rejected or failed). */
  readonly previousExists: boolean;
}

/**
 * The period-lock and revision rules of Open. A locked period is settled: an identical re-run is
 * `already-settled`, anything else at or below the locked revision is refused (PeriodLockedError) —
 * except the locking settlement itself when a run failed after Finalise, which must be carried to the
 * end under the same lock. A revision corrects an earlier settlement, so one must exist, and it
 * needs a reason (InvalidPeriodError).
 */
export function openingOf(facts: OpeningFacts): Opening {
  const { lock, period, revision } = facts;
  if (lock && lock.revision >= revision) {
    if (lock.settlementId !== facts.settlementId) throw new PeriodLockedError(period, lock.revision);
    if (facts.existingStatus === undefined || facts.existingStatus === 'settled') return 'already-settled';
  }
  if (revision > 0 && !lock && !facts.previousExists) {
    throw new InvalidPeriodError(
      period,
      `revision ${revision} corrects an earlier settlement of this period, but there is none: settle revision 0 first`,
    );
  }
  if (revision > 0 && !facts.reason?.trim()) {
    throw new InvalidPeriodError(period, 'a revision re-opens a settled period and needs a reason');
  }
  return 'claim';
}

/** A revision's difference against the locked statement: issued as a credit or debit note. */
export interface RevisionNote {
  readonly kind: 'credit-note' | 'debit-note' | 'none';
  readonly projectId: string;
  readonly period: string;
  readonly fromRevision: number;
  readonly toRevision: number;
  readonly reason?: string;
  /** Per billing line id: previous, current and current − previous (only lines that changed). */
  readonly lines: ReadonlyArray<{
    readonly id: string;
    readonly description: string;
    readonly previous: Money;
    readonly current: Money;
    readonly difference: Money;
  }>;
  /** Net billing difference: negative → credit note, positive → debit note. */
  readonly billingDifference: Money;
  /** Cost difference (for internal and supplier settlements). */
  readonly costDifference: Money;
  /** What later statements already carried of this period's late edits (taken off the differences). */
  readonly alreadyCarried?: { readonly billing: Money; readonly cost: Money };
}

/**
 * Compares a new revision with the previous (locked) statement of the same project and period
 * and yields the note that corrects it; the previous statement is never changed. Throws
 * RevisionMismatchError when the statements are not consecutive revisions of the same settlement.
 */
export function reviseStatement(previous: Statement, current: Statement, reason?: string): RevisionNote {
  if (previous.projectId !== current.projectId || previous.period.selector !== current.period.selector) {
    throw new RevisionMismatchError('a revision must be of the same project and period');
  }
  if (current.revision <= previous.revision) {
    throw new RevisionMismatchError(
      `revision ${current.revision} does not follow revision ${previous.revision}`,
    );
  }
  if (previous.currency !== current.currency) {
    throw new CurrencyMismatchError(previous.currency, current.currency, 'reviseStatement');
  }
  const currency = current.currency;
  const before = new Map(previous.billing.lines.map((l) => [l.id, l]));
  const after = new Map(current.billing.lines.map((l) => [l.id, l]));
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lines: Array<RevisionNote['lines'][number]> = [];
  for (const id of ids) {
    const p = before.get(id);
    const c = after.get(id);
    const prevMinor = p ? toMinor(p.amount) : 0n;
    const curMinor = c ? toMinor(c.amount) : 0n;
    if (prevMinor === curMinor) continue;
    lines.push({
      id,
      description: c?.description ?? p?.description ?? id,
      previous: moneyFromMinor(prevMinor, currency),
      current: moneyFromMinor(curMinor, currency),
      difference: moneyFromMinor(curMinor - prevMinor, currency),
    });
  }
  const billing = toMinor(current.billing.net) - toMinor(previous.billing.net);
  const cost = toMinor(current.totals.cost) - toMinor(previous.totals.cost);
  const basis = current.counterparty.type === 'client' ? billing : cost;
  return {
    kind: basis < 0n ? 'credit-note' : basis > 0n ? 'debit-note' : 'none',
    projectId: current.projectId,
    period: current.period.selector,
    fromRevision: previous.revision,
    toRevision: current.revision,
    ...(reason === undefined ? {} : { reason }),
    lines,
    billingDifference: moneyFromMinor(billing, currency),
    costDifference: moneyFromMinor(cost, currency),
  };
}

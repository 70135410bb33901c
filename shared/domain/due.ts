import { createHash } from 'node:crypto';
import type { Charter } from './charter.ts';
import { settlesFrom } from './readiness.ts';

/** A settlement that is due: its period selector and a deterministic execution name. */
export interface DueSettlement {
  readonly projectId: string;
  readonly period: string;
  readonly revision: number;
  readonly executionName: string;
  /** Why a settled period is re-opened (revisions only). */
  readonly reason?: string;
}

/** Step Functions execution names: 1–80 characters; letters, digits, `-` and `_` are always safe. */
const EXECUTION_NAME_MAX = 80;
const NAME_HASH_LENGTH = 12;

/**
 * The settlement execution's name for (project, period, revision, attempt): deterministic, so a
 * repeated night starts nothing twice, and unique per attempt (a failed attempt's name is never
 * reused: Step Functions keeps names for 90 days): the readable part
 * (`<project>-<period>-r<revision>`, unsafe characters as `-`, cut to fit 80 characters) can
 * collide after sanitising or cutting (`x-milestone` + `final` vs `x` + `milestone:final`), so a
 * hash of the exact triple follows it.
 */
export function settlementExecutionName(
  projectId: string,
  period: string,
  revision: number,
  attempt = 1,
): string {
  // Attempt 1 keeps the name settlements had before attempts were numbered.
  const identity = attempt === 1 ? [projectId, period, revision] : [projectId, period, revision, attempt];
  const hash = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, NAME_HASH_LENGTH);
  const readable = `${projectId}-${period}-r${revision}${attempt === 1 ? '' : `-a${attempt}`}`.replace(
    /[^A-Za-z0-9_-]/g,
    '-',
  );
  return `${readable.slice(0, EXECUTION_NAME_MAX - NAME_HASH_LENGTH - 1)}-${hash}`;
}

function monthsBetween(startMonth: string, endMonthExclusive: string): string[] {
  const months: string[] = [];
  let [y, m] = startMonth.split('-').map(Number) as [number, number];
  for (let i = 0; i < 1200; i += 1) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month >= endMonthExclusive) break;
    months.push(month);
    m += 1;
    if (m === 13) {
      m = 1;
      y += 1;
    }
  }
  return months;
}

/**
 * The settlements of a project that are due as of a run date and not yet settled:
 * periodic — every month from the project's start that has ended; milestone — every milestone whose
 * planned end has passed; whole — the final settlement once the project's end has passed.
 * The execution name is deterministic, so a repeated night starts nothing twice.
 */
export function dueSettlements(
  charter: Charter,
  asOf: string,
  settledPeriods: ReadonlySet<string>,
): DueSettlement[] {
  const due = (period: string): DueSettlement => ({
    projectId: charter.projectId,
    period,
    revision: 0,
    executionName: settlementExecutionName(charter.projectId, period, 0),
  });
  const start = charter.schedule?.start;
  const end = charter.schedule?.end;
  let periods: string[] = [];
  switch (charter.settlement.mode) {
    case 'periodic': {
      if (!start) return [];
      const lastMonth = end && end < asOf ? end.slice(0, 7) : undefined;
      const current = asOf.slice(0, 7);
      // The project's last month is over when the project is (its end has passed), not at the month's end.
      const until = lastMonth ? nextMonth(lastMonth) : current;
      periods = monthsBetween(start.slice(0, 7), until);
      break;
    }
    case 'milestone':
      periods = charter.milestones.filter((m) => m.plannedEnd < asOf).map((m) => `milestone:${m.id}`);
      break;
    case 'whole':
      periods = end && end < asOf ? ['final'] : [];
      break;
  }
  // The charter's cut-off: a period settles only so many days after its end.
  const cutOff = charter.readiness?.settleAfterDays ?? 0;
  return periods
    .filter((p) => !settledPeriods.has(p) && (cutOff === 0 || settlesFrom(charter, p) <= asOf))
    .map(due);
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** True while the project runs (for nightly early warnings). */
export function isRunning(charter: Charter, asOf: string): boolean {
  const start = charter.schedule?.start;
  const end = charter.schedule?.end;
  return (!start || start <= asOf) && (!end || asOf <= end);
}

/**
 * The revisions proposed for late edits that are still to settle: a proposal holds for the lock it
 * was made against (once the revision settles, the lock moves on and the proposal is spent), and
 * names the next revision of that lock.
 */
export function dueRevisions(
  projectId: string,
  locks: ReadonlyArray<{ readonly period: string; readonly revision: number; readonly settlementId: string }>,
  ledger: ReadonlyArray<{
    readonly period: string;
    readonly lockSettlementId: string;
    readonly proposal?: { readonly revision: number; readonly reason: string };
  }>,
): DueSettlement[] {
  const byPeriod = new Map(locks.map((l) => [l.period, l]));
  return ledger
    .filter((e) => {
      const lock = byPeriod.get(e.period);
      return (
        e.proposal !== undefined &&
        lock?.settlementId === e.lockSettlementId &&
        e.proposal.revision === lock.revision + 1
      );
    })
    .map((e) => {
      const revision = e.proposal?.revision ?? 0;
      return {
        projectId,
        period: e.period,
        revision,
        executionName: settlementExecutionName(projectId, e.period, revision),
        reason: e.proposal?.reason ?? 'late edits',
      };
    })
    .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
}

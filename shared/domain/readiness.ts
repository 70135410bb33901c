import type { Charter, ReadinessRule } from './charter.ts';
import { addDays, defaultAsOf, resolvePeriod } from './periods.ts';
import type { SettlementRecord } from './records.ts';

/**
 * When a period may settle: a cut-off (days after the period's end) and readiness rules checked on
 * what the sources returned, before anything is computed, drafted or locked. A period that is not
 * ready waits: the settlement ends `waiting` with what is missing, the next night tries again, and
 * past the deadline the tenant's operations address is told. Pure: the nightly run and the
 * CheckReadiness step apply these rules.
 */

/** What one source's collection tells about readiness (CollectSource returns it; a few numbers). */
export interface SourceReadiness {
  readonly sourceId: string;
  readonly connector: string;
  /** The file-mode path that was not in the inbox. */
  readonly missingFile?: string;
  readonly timeEntries: number;
  /** Time entries whose approval the source states. */
  readonly approvalKnown: number;
  /** Of those, the ones not approved (pending or rejected). */
  readonly unapproved: number;
  /** Who the unapproved entries belong to (at most 10). */
  readonly unapprovedPeople: readonly string[];
  /** Cost records the source marks estimated. */
  readonly estimated: number;
}

const PEOPLE_SHOWN = 10;

/** The readiness facts of one source's records (pure; the collector adds the source's identity). */
export function readinessFacts(
  sourceId: string,
  connector: string,
  records: readonly SettlementRecord[],
): SourceReadiness {
  let timeEntries = 0;
  let approvalKnown = 0;
  let estimated = 0;
  const unapproved: string[] = [];
  for (const r of records) {
    if (r.kind === 'time') {
      timeEntries += 1;
      if (r.approval !== undefined) {
        approvalKnown += 1;
        if (r.approval !== 'approved') unapproved.push(r.person);
      }
    } else if (r.kind === 'cost' && r.estimated === true) estimated += 1;
  }
  return {
    sourceId,
    connector,
    timeEntries,
    approvalKnown,
    unapproved: unapproved.length,
    unapprovedPeople: [...new Set(unapproved)].sort().slice(0, PEOPLE_SHOWN),
    estimated,
  };
}

/** The last day of a period: a month (cut at the project's end), a milestone's planned end, the project's end. */
export function periodEnd(charter: Charter, period: string): string {
  const last = defaultAsOf(charter, resolvePeriod(charter, period));
  const end = charter.schedule?.end;
  return end && /^\d{4}-\d{2}$/.test(period) && end < last && end.slice(0, 7) === period ? end : last;
}

/** The first run date on which a period may settle: the day after its end plus the cut-off days. */
export function settlesFrom(charter: Charter, period: string): string {
  return addDays(periodEnd(charter, period), 1 + (charter.readiness?.settleAfterDays ?? 0));
}

/** The date from which a waiting period is overdue (operations are told what is missing). */
export function readinessDeadline(charter: Charter, period: string): string {
  return addDays(periodEnd(charter, period), charter.readiness?.deadlineDays ?? 10);
}

export interface ReadinessAssessment {
  readonly ready: boolean;
  /** What keeps the period from settling, one line each (empty when ready). */
  readonly missing: readonly string[];
  /** What the rules could not check (a source that does not state approval), for the record. */
  readonly notes: readonly string[];
}

/**
 * Whether a period's collected data may settle under the charter's rule. Without a rule everything
 * is ready (a missing file fails the run as before). Time approval is checked only where the source
 * states it; a source that does not is named in the notes, never silently counted as approved.
 */
export function assessReadiness(
  rule: ReadinessRule | undefined,
  sources: readonly SourceReadiness[],
): ReadinessAssessment {
  if (!rule) return { ready: true, missing: [], notes: [] };
  const missing: string[] = [];
  const notes: string[] = [];
  for (const s of sources) {
    if (s.missingFile !== undefined) {
      if (rule.files) missing.push(`${s.sourceId}: file ${s.missingFile} is not imported yet`);
      continue;
    }
    if (rule.approvedTime && s.timeEntries > 0) {
      if (s.approvalKnown === 0) {
        const hint =
          s.connector === 'tempo'
            ? " (set the source's `approvals` option to read Tempo's timesheet approvals)"
            : '';
        notes.push(
          `${s.sourceId}: ${s.connector} does not state whether time is approved; not checked${hint}`,
        );
      } else if (s.unapproved > 0) {
        const people = s.unapprovedPeople.join(', ');
        const more = s.unapprovedPeople.length < s.unapproved && s.unapprovedPeople.length === PEOPLE_SHOWN;
        missing.push(
          `${s.sourceId}: ${s.unapproved} of ${s.approvalKnown} time entries not approved (${people}${more ? ', …' : ''})`,
        );
      }
    }
    if (rule.finalCloudCost && s.estimated > 0) {
      missing.push(`${s.sourceId}: ${s.estimated} cost figure(s) still estimated at the source`);
    }
  }
  return { ready: missing.length === 0, missing, notes };
}

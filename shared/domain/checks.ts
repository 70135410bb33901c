import type { Decimal } from 'decimal.js';
import type { Charter, Milestone } from './charter.ts';
import { type ClauseCoverage, clauseChecks } from './clauses/coverage.ts';
import type { LabourBucket } from './costing.ts';
import { Dec, formatMinor, roundToMinor } from './money.ts';
import type { PeriodSelector, PeriodWindow } from './periods.ts';
import { UNASSIGNED_ROLE } from './rates.ts';
import type { EvidenceRecord } from './records.ts';
import type { ContractCheck, Statement } from './statement.ts';
import { sortBy } from './statement.ts';

/**
 * Contract verification. Each check carries its evidence references and a
 * severity (blocking or warning, from the charter's `verification`). A failed check can be
 * waived in the charter (who, why, when); a waived check no longer blocks.
 *
 * - `completion`: points done / scope.totalPlanned (or the milestone's tagged tasks) against
 *   scope.requiredCompletionRate; checked at milestone and final settlement.
 * - `acceptance:<milestone>`: every evidence type the milestone requires is present on or before
 *   as-of (pending while the milestone is not yet due).
 * - `milestone-date:<milestone>`: reached (acceptance, sign-off or milestone-reached evidence) on
 *   or before its planned end.
 * - `rates`: every person has a cost rate (and a bill rate for billable time on T&M).
 * - `people-mapped`: every person has a role (warning).
 * - `contract-amount`: T&M billing to date stays within the contract amount (warning).
 * - `clause:<id>`: a contract clause has confirmed evidence, fulfilled as of as-of (see clauses/coverage.ts).
 */

/** Progress of tasks, aggregated as they stream in. */
export interface TaskTotals {
  total: Decimal;
  done: Decimal;
  readonly byMilestone: Map<string, { total: Decimal; done: Decimal }>;
  readonly sources: Set<string>;
}

export function createTaskTotals(): TaskTotals {
  return { total: new Dec(0), done: new Dec(0), byMilestone: new Map(), sources: new Set() };
}

/**
 * The date a milestone counts as accepted: when the last of its required evidence types was
 * first recorded, on or before `asOf`; null while any is missing.
 */
export function acceptedOn(
  milestone: Milestone,
  evidence: readonly EvidenceRecord[],
  asOf: string,
): string | null {
  let latest: string | null = null;
  for (const type of milestone.requiredEvidence) {
    let first: string | null = null;
    for (const e of evidence) {
      if (
        e.milestone === milestone.id &&
        e.type === type &&
        e.date <= asOf &&
        (first === null || e.date < first)
      ) {
        first = e.date;
      }
    }
    if (first === null) return null;
    if (latest === null || first > latest) latest = first;
  }
  return latest;
}

/** The first date a milestone was reached (acceptance, sign-off or milestone-reached evidence), on or before `asOf`. */
export function reachedOn(
  milestone: Milestone,
  evidence: readonly EvidenceRecord[],
  asOf: string,
): string | null {
  let first: string | null = null;
  for (const e of evidence) {
    if (
      e.milestone === milestone.id &&
      (e.type === 'acceptance' || e.type === 'sign-off' || e.type === 'milestone-reached') &&
      e.date <= asOf &&
      (first === null || e.date < first)
    ) {
      first = e.date;
    }
  }
  return first;
}

function references(milestone: Milestone, evidence: readonly EvidenceRecord[], asOf: string): string[] {
  return [
    ...new Set(
      evidence.filter((e) => e.milestone === milestone.id && e.date <= asOf).map((e) => e.reference),
    ),
  ].sort();
}

/** The milestones a statement verifies: due or accepted in a month; the milestone itself; all at final. */
export function milestonesInScope(
  charter: Pick<Charter, 'milestones'>,
  period: PeriodSelector,
  window: PeriodWindow,
  evidence: readonly EvidenceRecord[],
  asOf: string,
): Milestone[] {
  const inWindow = (d: string | null) => d !== null && d >= window.from && d < window.to;
  const selected = charter.milestones.filter((m) => {
    if (period.kind === 'final') return true;
    if (period.kind === 'milestone') return m.id === period.milestoneId;
    return inWindow(m.plannedEnd) || inWindow(acceptedOn(m, evidence, asOf));
  });
  return sortBy(selected, (m) => m.id);
}

export interface CheckInput {
  readonly charter: Charter;
  readonly period: PeriodSelector;
  readonly selector: string;
  readonly window: PeriodWindow;
  readonly asOf: string;
  readonly evidence: readonly EvidenceRecord[];
  readonly tasks: TaskTotals;
  readonly labour: Iterable<LabourBucket>;
  /** T&M gross time billing up to as-of (minor units), for the contract-amount check. */
  readonly billedToDate?: bigint;
  /** Clause coverage: one `clause:<id>` check per clause. */
  readonly clauses?: readonly ClauseCoverage[];
}

function percentOf(done: Decimal, total: Decimal): Decimal {
  return total.isZero() ? new Dec(0) : done.div(total).mul(100);
}

/** Runs the contract checks, sorted by id, waivers applied. */
export function runContractChecks(input: CheckInput): ContractCheck[] {
  const { charter, period, asOf, evidence, tasks } = input;
  const checks: ContractCheck[] = [];
  const severity = charter.verification;

  if (charter.scope && period.kind !== 'month') {
    const scope = charter.scope;
    const tagged = period.kind === 'milestone' ? tasks.byMilestone.get(period.milestoneId) : undefined;
    const useTagged = tagged !== undefined && !tagged.total.isZero();
    const done = useTagged ? tagged.done : tasks.done;
    const total = useTagged ? tagged.total : new Dec(scope.totalPlanned);
    const rate = percentOf(done, total);
    checks.push({
      id: 'completion',
      title: `Scope completion ≥ ${scope.requiredCompletionRate} %`,
      severity: severity.completion,
      status: rate.gte(scope.requiredCompletionRate) ? 'pass' : 'fail',
      detail: `${done.toString()} of ${total.toString()} ${scope.unit} done (${rate.toFixed(2)} %, required ${scope.requiredCompletionRate} %)${useTagged ? ` for milestone ${period.kind === 'milestone' ? period.milestoneId : ''}` : ''}`,
      evidence: [...tasks.sources].sort().map((s) => `tasks:${s}`),
    });
  }

  for (const m of milestonesInScope(charter, period, input.window, evidence, asOf)) {
    const accepted = acceptedOn(m, evidence, asOf);
    const missing = m.requiredEvidence.filter(
      (type) => !evidence.some((e) => e.milestone === m.id && e.type === type && e.date <= asOf),
    );
    checks.push({
      id: `acceptance:${m.id}`,
      title: `Acceptance sign-off for ${m.name}`,
      severity: severity.acceptance,
      status: accepted !== null ? 'pass' : m.plannedEnd >= asOf ? 'pending' : 'fail',
      detail:
        accepted !== null
          ? `accepted on ${accepted}${m.acceptanceCriteria.length ? `; criteria: ${m.acceptanceCriteria.join('; ')}` : ''}`
          : `missing evidence: ${missing.join(', ')} (planned end ${m.plannedEnd})`,
      evidence: references(m, evidence, asOf),
    });
    const reached = reachedOn(m, evidence, asOf);
    let status: ContractCheck['status'];
    let detail: string;
    if (reached !== null && reached <= m.plannedEnd) {
      status = 'pass';
      detail = `reached on ${reached}, planned ${m.plannedEnd}`;
    } else if (reached !== null) {
      status = 'fail';
      detail = `reached on ${reached}, after the planned ${m.plannedEnd}`;
    } else if (m.plannedEnd < asOf) {
      status = 'fail';
      detail = `not reached; planned ${m.plannedEnd}`;
    } else {
      status = 'pending';
      detail = `due ${m.plannedEnd}`;
    }
    checks.push({
      id: `milestone-date:${m.id}`,
      title: `${m.name} reached by ${m.plannedEnd}`,
      severity: severity.milestoneDates,
      status,
      detail,
      evidence: references(m, evidence, asOf),
    });
  }

  const missingCost = new Set<string>();
  const missingBill = new Set<string>();
  const unmapped = new Set<string>();
  let anyLabour = false;
  for (const b of input.labour) {
    anyLabour = true;
    if (b.cost < 0) missingCost.add(`${b.person} (${b.role})`);
    if (charter.contract.type === 'time-and-materials' && b.billable && b.billableSeconds > 0 && b.bill < 0) {
      missingBill.add(`${b.person} (${b.role})`);
    }
    if (b.role === UNASSIGNED_ROLE) unmapped.add(b.person);
  }
  if (anyLabour) {
    const problems = [
      ...(missingCost.size ? [`no cost rate: ${[...missingCost].sort().join(', ')}`] : []),
      ...(missingBill.size ? [`no bill rate: ${[...missingBill].sort().join(', ')}`] : []),
    ];
    checks.push({
      id: 'rates',
      title: 'Every hour has a rate on the rate card',
      severity: severity.rates,
      status: problems.length ? 'fail' : 'pass',
      detail: problems.length ? problems.join('; ') : 'all time priced',
      evidence: ['charter:rateCards'],
    });
    checks.push({
      id: 'people-mapped',
      title: 'Every person has a role',
      severity: 'warning',
      status: unmapped.size ? 'fail' : 'pass',
      detail: unmapped.size ? `no role: ${[...unmapped].sort().join(', ')}` : 'all people mapped',
      evidence: ['charter:people'],
    });
  }

  const contract = charter.contract;
  if (
    contract.type === 'time-and-materials' &&
    contract.amount !== undefined &&
    input.billedToDate !== undefined
  ) {
    const ceiling = roundToMinor(contract.amount, charter.currency);
    checks.push({
      id: 'contract-amount',
      title: 'T&M billing within the contract amount',
      severity: 'warning',
      status: input.billedToDate <= ceiling ? 'pass' : 'fail',
      detail: `billed to date ${formatMinor(input.billedToDate, charter.currency)} of ${contract.amount} ${charter.currency}`,
      evidence: contract.reference ? [contract.reference] : ['charter:contract'],
    });
  }

  checks.push(...clauseChecks(input.clauses ?? []));

  return sortBy(checks, (c) => c.id).map((check) => applyWaiver(check, charter, input.selector));
}

function applyWaiver(check: ContractCheck, charter: Charter, selector: string): ContractCheck {
  if (check.status !== 'fail') return check;
  const waiver = charter.waivers.find(
    (w) => w.check === check.id && (w.period === undefined || w.period === selector),
  );
  if (!waiver) return check;
  return { ...check, status: 'waived', waiver: { by: waiver.by, reason: waiver.reason, date: waiver.date } };
}

/** True when a blocking check failed (waived and pending checks do not block). */
export function hasBlockingFailures(statement: Pick<Statement, 'checks'>): boolean {
  return statement.checks.some((c) => c.severity === 'blocking' && c.status === 'fail');
}

/** The contract verification result of a statement: the checklist and whether it blocks approval. */
export function verifyContract(statement: Pick<Statement, 'checks'>): {
  blocking: boolean;
  checks: ContractCheck[];
} {
  return { blocking: hasBlockingFailures(statement), checks: statement.checks };
}

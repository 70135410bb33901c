import type { ApprovalEvent } from '#approval/model.ts';
import type { SettlementRecord } from '#domain/records.ts';
import type { Statement } from '#domain/statement.ts';
import { dayOfIn } from '#domain/time-zone.ts';
import type { FactRow, FactTableName } from './tables.ts';

/**
 * The settled facts of one finalised settlement revision, as rows of the fact tables
 * (shared/analytics/tables.ts). Pure: the statement, the approval log and the project's records in,
 * rows out. Amounts stay decimal strings in the statement's currency (or the record's own).
 */

export interface SettlementFactsInput {
  readonly tenantId: string;
  readonly settlementId: string;
  readonly statement: Statement;
  readonly statementNumber: string;
  /** ISO instant the settlement was opened: its data was complete then. */
  readonly dataReadyAt: string;
  /** ISO instant of finalisation. */
  readonly finalisedAt: string;
  readonly revisionReason?: string;
  /** People on the charter (utilisation capacity: each 8 h per working day). */
  readonly people: number;
  readonly approvalLog: readonly ApprovalEvent[];
  /** The project's stored records; those of the statement's project and period become facts. */
  readonly records: Iterable<SettlementRecord>;
  /** The project's time zone: a time entry's work date is its local start date there (UTC when none). */
  readonly timeZone?: string | undefined;
}

export interface SettlementFacts {
  readonly partition: { readonly tenant: string; readonly year: number; readonly month: number };
  readonly tables: Readonly<Record<FactTableName, readonly FactRow[]>>;
}

const DAY_MS = 86_400_000;

/** Working days (Mon–Fri) in [from, to). */
export function weekdaysBetween(from: string, to: string): number {
  let days = 0;
  for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    const day = new Date(t).getUTCDay();
    if (day !== 0 && day !== 6) days += 1;
  }
  return days;
}

/**
 * Year and month of the period's last day (`to` is exclusive), or of the as-of date when the period
 * ends later (a milestone or final settlement whose window is open-ended).
 */
export function factPartition(tenant: string, periodTo: string, asOf: string): SettlementFacts['partition'] {
  const lastDay = new Date(Date.parse(`${periodTo}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
  const day = lastDay < asOf ? lastDay : asOf;
  return { tenant, year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)) };
}

interface StepTimes {
  step: number;
  requestId: string;
  sentAt: string | null;
  decided: ApprovalEvent | undefined;
  reminders: number;
  escalated: boolean;
}

/** One row per approval step: first email sent, the decision, reminders and escalation. */
function approvalSteps(log: readonly ApprovalEvent[]): StepTimes[] {
  const steps = new Map<number, StepTimes>();
  const ordered = [...log].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  for (const event of ordered) {
    const entry = steps.get(event.step) ?? {
      step: event.step,
      requestId: event.requestId,
      sentAt: null,
      decided: undefined,
      reminders: 0,
      escalated: false,
    };
    if (event.type === 'sent' && entry.sentAt === null) entry.sentAt = event.at;
    if (event.type === 'reminded') entry.reminders += 1;
    if (event.type === 'escalated') entry.escalated = true;
    if (event.type === 'decided') {
      entry.decided = event;
      entry.requestId = event.requestId;
    }
    steps.set(event.step, entry);
  }
  return [...steps.values()].sort((a, b) => a.step - b.step);
}

const seconds = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 1000);

/** Builds every fact table's rows for one settlement revision. */
export function buildSettlementFacts(input: SettlementFactsInput): SettlementFacts {
  const { statement: s, settlementId } = input;
  const key = {
    settlement_id: settlementId,
    project_id: s.projectId,
    period: s.period.selector,
    revision: s.revision,
  };
  const { from, to } = s.period;
  const inPeriod = (date: string) => date >= from && date < to;
  const dayOf = dayOfIn(input.timeZone);

  const time: FactRow[] = [];
  const cost: FactRow[] = [];
  const nps = { promoters: 0, passives: 0, detractors: 0 };
  for (const r of input.records) {
    if (r.projectRef !== s.projectRef) continue;
    if (r.kind === 'time' && inPeriod(dayOf(r.start))) {
      time.push({
        ...key,
        source: r.source,
        source_id: r.sourceId,
        person: r.person,
        role: r.role ?? null,
        work_package: r.workPackage ?? null,
        task_key: r.taskKey ?? null,
        started_at: r.start,
        work_date: dayOf(r.start),
        seconds: r.seconds,
        billable_seconds: r.billableSeconds,
        billable: r.billable,
      });
    } else if (r.kind === 'cost' && inPeriod(r.date)) {
      cost.push({
        ...key,
        source: r.source,
        source_id: r.sourceId,
        category: r.category,
        vendor: r.vendor,
        work_package: r.workPackage ?? null,
        document: r.document ?? null,
        cost_date: r.date,
        amount: r.amount,
        currency: r.currency,
        quantity: r.quantity ?? null,
        unit: r.unit ?? null,
        commitment: r.commitment ?? false,
      });
    } else if (r.kind === 'evidence' && r.type === 'nps' && r.score !== undefined && inPeriod(r.date)) {
      if (r.score >= 9) nps.promoters += 1;
      else if (r.score >= 7) nps.passives += 1;
      else nps.detractors += 1;
    }
  }
  const byStableKey = (a: FactRow, b: FactRow) =>
    `${a.source}\u0000${a.source_id}` < `${b.source}\u0000${b.source_id}` ? -1 : 1;
  time.sort(byStableKey);
  cost.sort(byStableKey);

  const steps = approvalSteps(input.approvalLog);
  const approvedAt =
    steps
      .map((st) => st.decided)
      .filter((d): d is ApprovalEvent => d?.detail?.decision !== 'rejected' && d !== undefined)
      .map((d) => d.at)
      .sort()
      .at(-1) ?? input.finalisedAt;

  const t = s.totals;
  const settlements: FactRow = {
    ...key,
    project_ref: s.projectRef,
    project_name: s.name,
    counterparty_type: s.counterparty.type,
    counterparty_name: s.counterparty.name,
    contract_type: s.billing.contractType,
    period_kind: s.period.kind,
    period_from: from,
    period_to: to,
    as_of: s.asOf,
    statement_number: input.statementNumber,
    revision_reason: input.revisionReason ?? null,
    currency: s.currency,
    cost: t.cost.amount,
    commitments: t.commitments.amount,
    billing: t.billing.amount,
    margin: t.margin.amount,
    settlement_amount: t.settlementAmount.amount,
    cost_to_date: t.costToDate.amount,
    labour: t.byCategory.labour.amount,
    outsourcing: t.byCategory.outsourcing.amount,
    materials: t.byCategory.materials.amount,
    equipment: t.byCategory.equipment.amount,
    cloud: t.byCategory.cloud.amount,
    indirect: t.byCategory.indirect.amount,
    other: t.byCategory.other.amount,
    worked_seconds: s.hours.workedSeconds,
    billable_seconds: s.hours.billableSeconds,
    capacity_seconds: input.people * weekdaysBetween(from, to) * 8 * 3600,
    time_records: s.records.time,
    cost_records: s.records.cost,
    quarantined_records: s.quarantine.reduce((n, q) => n + q.count, 0),
    blocking_failures: s.checks.filter((c) => c.severity === 'blocking' && c.status === 'fail').length,
    nps_promoters: nps.promoters,
    nps_passives: nps.passives,
    nps_detractors: nps.detractors,
    data_ready_at: input.dataReadyAt,
    approved_at: approvedAt,
    finalised_at: input.finalisedAt,
  };

  const line = (type: 'cost' | 'commitment') => (l: Statement['lines'][number]) => ({
    ...key,
    line_type: type,
    line_id: l.id,
    category: l.category,
    description: l.description,
    role: l.role ?? null,
    person: l.person ?? null,
    work_package: l.workPackage ?? null,
    vendor: l.vendor ?? null,
    seconds: l.seconds ?? null,
    records: l.records ?? null,
    amount: l.amount.amount,
    currency: l.amount.currency,
  });
  const lines: FactRow[] = [
    ...s.lines.map(line('cost')),
    ...s.commitments.map(line('commitment')),
    ...s.billing.lines.map((b) => ({
      ...key,
      line_type: 'billing',
      line_id: b.id,
      category: b.kind,
      description: b.description,
      role: b.role ?? null,
      person: b.person ?? null,
      work_package: null,
      vendor: null,
      seconds: b.billableSeconds ?? null,
      records: null,
      amount: b.amount.amount,
      currency: b.amount.currency,
    })),
  ];

  const e = s.evm;
  const evm: FactRow[] = e
    ? [
        {
          ...key,
          as_of: e.asOf,
          currency: e.bac.currency,
          bac: e.bac.amount,
          pv: e.pv.amount,
          ev: e.ev.amount,
          ac: e.ac.amount,
          cv: e.cv.amount,
          sv: e.sv.amount,
          cpi: e.cpi,
          spi: e.spi,
          eac: e.eac?.amount ?? null,
          etc: e.etc?.amount ?? null,
          vac: e.vac?.amount ?? null,
          tcpi: e.tcpi,
          percent_complete: e.percentComplete,
          forecast_overrun_percent: e.forecastOverrunPercent,
          early_warning: e.earlyWarning,
        },
      ]
    : [];

  return {
    partition: factPartition(input.tenantId, to, s.asOf),
    tables: {
      settlements: [settlements],
      statement_lines: lines,
      earned_value: evm,
      checks: s.checks.map((c) => ({
        ...key,
        check_id: c.id,
        title: c.title,
        severity: c.severity,
        status: c.status,
        detail: c.detail,
      })),
      approval_steps: steps.map((st) => ({
        ...key,
        step: st.step,
        request_id: st.requestId,
        approver: st.decided?.actor ?? null,
        decision: st.decided?.detail?.decision ?? (st.decided ? 'approved' : null),
        comment: st.decided?.detail?.comment ?? null,
        sent_at: st.sentAt,
        decided_at: st.decided?.at ?? null,
        wait_seconds: st.sentAt && st.decided ? seconds(st.sentAt, st.decided.at) : null,
        reminders: st.reminders,
        escalated: st.escalated,
      })),
      quarantine: s.quarantine.map((q) => ({ ...key, source: q.source, reason: q.reason, records: q.count })),
      time_records: time,
      cost_records: cost,
    },
  };
}

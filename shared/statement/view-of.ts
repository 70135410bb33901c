import type { ApprovalEvent } from '#approval/model.ts';
import type { Charter, Locale } from '#domain/charter.ts';
import type { ClauseCoverage } from '#domain/clauses/coverage.ts';
import { Dec } from '#domain/money.ts';
import { addDays } from '#domain/periods.ts';
import type { ContractPriceSubtotal, ContractPrices, Statement } from '#domain/statement.ts';
import { type ApprovalState, settlementId } from '#domain/workflow.ts';

import type { VarianceCauseFacts } from './format.ts';
import { journalOf, type ReplacedJournal } from './ledger.ts';
import { type ApprovalEntry, type ContractPricesView, StatementView, type VarianceFlag } from './view.ts';

/**
 * The presentation model of a statement (StatementView): the canonical Statement with the charter's
 * names, flags, the journal and the approval trail, as every renderer draws it. Pure.
 */

const FLAG: Record<string, VarianceFlag> = { ok: 'none', warning: 'warning', critical: 'critical' };

/**
 * Names people by what the charter knows of them (team, approvers and their backups, client
 * contacts, recipients); an address stays an address only where no name is known.
 */
export function peopleNamesOf(charter: Charter): (idOrEmail: string) => string {
  const names = new Map<string, string>();
  const add = (id: string | undefined, name: string | undefined) => {
    if (id && name && !names.has(id.toLowerCase())) names.set(id.toLowerCase(), name);
  };
  for (const p of charter.people) add(p.id, p.name);
  for (const a of charter.approvers) {
    add(a.email, a.name);
    add(a.backup?.email, a.backup?.name);
  }
  for (const c of charter.counterparty.contacts) add(c.email, c.name);
  for (const r of charter.recipients) add(r.email, r.name);
  return (id) => names.get(id.toLowerCase()) ?? id;
}

/** Replaces every known person's id or address in a free text by the person's name. */
function withNames(charter: Charter): (text: string) => string {
  const nameOf = peopleNamesOf(charter);
  const ids = [
    ...charter.people.map((p) => p.id),
    ...charter.approvers.flatMap((a) => [a.email, ...(a.backup ? [a.backup.email] : [])]),
  ].filter((id) => nameOf(id) !== id);
  return (text) => ids.reduce((out, id) => out.replaceAll(id, nameOf(id)), text);
}

/**
 * The approval trail from the settlement's approval log: every decision of every step with the
 * person, the comment and the decision's own time; delegations and escalations in between.
 */
export function approvalTrailOf(log: readonly ApprovalEvent[], charter: Charter): ApprovalEntry[] {
  const nameOf = peopleNamesOf(charter);
  const roleOfStep = (step: number) => charter.approvers[step]?.role;
  // "delegate@x for approver@x" names a delegate acting for an approver.
  const person = (actor: string) => {
    const [who = actor, forWhom] = actor.split(' for ');
    return { who: nameOf(who), ...(forWhom ? { onBehalfOf: nameOf(forWhom) } : {}) };
  };
  const entries: ApprovalEntry[] = [];
  for (const event of [...log].sort((a, b) => a.at.localeCompare(b.at))) {
    const role = roleOfStep(event.step);
    const base = { step: event.step + 1, at: event.at, ...(role ? { role } : {}) };
    if (event.type === 'decided') {
      entries.push({
        ...base,
        ...person(event.actor),
        ...(event.detail?.onBehalfOf ? { onBehalfOf: nameOf(event.detail.onBehalfOf) } : {}),
        decision: event.detail?.decision === 'rejected' ? 'rejected' : 'approved',
        ...(event.detail?.comment ? { comment: event.detail.comment } : {}),
      });
    } else if (event.type === 'delegated') {
      entries.push({
        ...base,
        who: nameOf(event.detail?.to ?? event.actor),
        onBehalfOf: nameOf(event.actor),
        decision: 'delegated',
        ...(event.detail?.reason ? { comment: event.detail.reason } : {}),
      });
    } else if (event.type === 'escalated') {
      const to = person(event.detail?.to ?? 'system');
      const approver = charter.approvers[event.step];
      entries.push({
        ...base,
        who: to.who,
        ...(approver ? { onBehalfOf: approver.name } : {}),
        decision: 'escalated',
      });
    }
  }
  return entries;
}

/** Maps the canonical statement to the presentation model the renderers draw. */
export function toStatementView(
  statement: Statement,
  charter: Charter,
  options: {
    number: string;
    /** The issuing tenant. */
    issuer: { id: string; name: string };
    issueDate?: string;
    /** A revision's predecessor journal, reversed at the head of this one. */
    replaces?: ReplacedJournal | undefined;
    approval?: ApprovalState | undefined;
    /** The approval log; the trail shows every step (else only the last decision is known). */
    approvalLog?: readonly ApprovalEvent[] | undefined;
    /** The tenant's locale; the charter's wins over it. */
    locale?: Locale;
  },
): StatementView {
  const names = withNames(charter);
  const nameOf = peopleNamesOf(charter);
  const budgetOf = (predicate: (row: Statement['variance']['rows'][number]) => boolean) =>
    statement.variance.rows.filter(predicate);
  const byCategory = budgetOf((r) => r.dimension === 'category');
  const byRole = budgetOf((r) => r.dimension === 'role');
  // The budget is stated once per category, or (construction) once per category and site.
  const budgetRows = byCategory.length ? byCategory : budgetOf((r) => r.dimension === 'category+workPackage');
  const totalBudget = budgetRows.reduce((sum, r) => sum.plus(r.budget.amount), new Dec(0));
  const budgetOfCategory = (category: string) =>
    budgetRows
      .filter((r) => r.keys.category === category)
      .reduce((sum, r) => sum.plus(r.budget.amount), new Dec(0))
      .toFixed();
  const locale = charter.locale ?? options.locale ?? 'en';
  // Final settlements cover the whole project: shown from the schedule's start to as-of.
  const final = statement.period.kind === 'final';
  const shownFrom = final && charter.schedule ? charter.schedule.start : statement.period.from;
  const lastDay = addDays(statement.period.to, -1);
  const shownTo = final && statement.asOf < lastDay ? statement.asOf : lastDay;
  const milestonesById = new Map((statement.evm?.milestones ?? []).map((m) => [m.id, m]));
  const approvals = options.approvalLog ? approvalTrailOf(options.approvalLog, charter) : [];
  const evm = statement.evm;
  const overrun = evm?.forecastOverrunPercent;
  const forecastWarning =
    evm?.eac &&
    evm.bac &&
    overrun !== undefined &&
    overrun !== null &&
    new Dec(overrun).gte(charter.thresholds.eacOverrunWarningPercent)
      ? {
          eac: evm.eac.amount,
          budgetAtCompletion: evm.bac.amount,
          percent: overrun,
          thresholdPercent: charter.thresholds.eacOverrunWarningPercent,
        }
      : undefined;
  return StatementView.parse({
    audience: 'internal',
    varianceWarningPercent: charter.thresholds.varianceWarningPercent,
    ...(forecastWarning ? { forecastWarning } : {}),
    tenant: { id: options.issuer.id, companyName: options.issuer.name },
    number: options.number,
    kind: 'statement',
    revision: statement.revision,
    settlementId: settlementId(statement.projectId, statement.period.selector, statement.revision),
    project: { id: statement.projectId, name: statement.name, contractType: charter.contract.type },
    counterparty: { name: charter.counterparty.name, kind: charter.counterparty.type },
    // People read a period's last day, not the exclusive end the engine computes with.
    period: { label: statement.period.selector, from: shownFrom, to: shownTo },
    currency: statement.currency,
    locale,
    issueDate: options.issueDate ?? statement.asOf,
    totals: {
      costByCategory: Object.entries(statement.totals.byCategory).map(([category, actual]) => ({
        category,
        actual: actual.amount,
        budget: budgetOfCategory(category),
      })),
      labourByRole: byRole.map((r) => ({
        role: r.keys.role ?? r.id,
        budget: r.budget.amount,
        actual: r.actual.amount,
      })),
      totalBudget: totalBudget.toFixed(),
      totalCost: statement.totals.cost.amount,
      billing: statement.billing.gross.amount,
      retention: statement.billing.retention.amount,
      netDue: statement.billing.net.amount,
    },
    lines: statement.lines.map((l) => ({
      category: l.category,
      // The engine describes lines in English; other languages get the line's names (who, from whom,
      // where), the category, role, quantity and rate having their own columns.
      description:
        locale === 'en' || l.allocation ? names(l.description || l.id) : neutralDescription(l, nameOf),
      ...(l.role ? { role: l.role } : {}),
      ...(l.seconds !== undefined ? { quantity: new Dec(l.seconds).div(3600).toFixed(2), unit: 'h' } : {}),
      ...(l.seconds === undefined &&
      l.quantity !== undefined &&
      l.unit &&
      (l.category === 'materials' || l.category === 'equipment')
        ? { quantity: l.quantity, unit: l.unit }
        : {}),
      ...(l.rate ? { unitRate: l.rate.amount } : {}),
      amount: l.amount.amount,
    })),
    variance: statement.variance.rows.map((r) => {
      const cause = statement.variance.causes.find((c) => c.row === r.id);
      return {
        dimension: r.dimension,
        key: r.keys.role ?? r.keys.category ?? r.keys.workPackage ?? r.keys.supplier ?? r.id,
        budget: r.budget.amount,
        actual: r.actual.amount,
        variance: r.variance.amount,
        ...(Object.keys(r.keys).length > 1 ? { keys: r.keys } : {}),
        percent: r.percent,
        flag: FLAG[r.status] ?? 'none',
        ...(cause ? { cause: names(cause.message), causeFacts: causeFactsOf(r, cause, names) } : {}),
      };
    }),
    ...(statement.contractPrices ? { contractPrices: contractPricesViewOf(statement.contractPrices) } : {}),
    evm: {
      pv: statement.evm?.pv.amount ?? '0',
      ev: statement.evm?.ev.amount ?? '0',
      ac: statement.evm?.ac.amount ?? '0',
      cv: statement.evm?.cv.amount ?? '0',
      sv: statement.evm?.sv.amount ?? '0',
      cpi: statement.evm?.cpi ?? null,
      spi: statement.evm?.spi ?? null,
      eac: statement.evm?.eac?.amount ?? '0',
      etc: statement.evm?.etc?.amount ?? '0',
      vac: statement.evm?.vac?.amount ?? '0',
      tcpi: statement.evm?.tcpi ?? null,
    },
    billing: statement.billing.lines.map((b) => ({
      // Time lines name the person and role; hours and rate are their own columns.
      description:
        b.kind === 'time' && b.person
          ? `${nameOf(b.person)}${b.role ? ` (${b.role})` : ''}`
          : locale === 'zh-CN'
            ? (chineseBillingDescription(b, charter) ?? names(b.description || b.id))
            : names(b.description || b.id),
      basis: b.kind,
      ...(b.billableSeconds !== undefined
        ? { quantity: new Dec(b.billableSeconds).div(3600).toFixed(2) }
        : {}),
      ...(b.rate ? { unitPrice: b.rate.amount } : {}),
      amount: b.amount.amount,
      ...(b.reason ? { reason: b.reason } : {}),
    })),
    checklist: statement.checks.map((c) => ({
      id: c.id,
      check: c.title,
      status: c.status === 'pending' ? 'fail' : c.status,
      severity: c.severity,
      evidence: names(c.evidence.join(', ') || c.detail),
    })),
    milestones: charter.milestones.map((m) => {
      const reached = milestonesById.get(m.id)?.reached;
      return {
        name: m.name,
        planStart: m.plannedStart,
        planEnd: m.plannedEnd,
        ...(reached ? { actualStart: m.plannedStart, actualEnd: reached } : {}),
      };
    }),
    ...(statement.clauses ? { clauses: statement.clauses.map(clauseRowOf) } : {}),
    quarantine: statement.quarantine.map((q) => ({ source: q.source, reason: q.reason, count: q.count })),
    ...(statement.lateEdits
      ? {
          lateEdits: statement.lateEdits.flatMap((p) =>
            p.records.map((r) => ({
              period: p.period,
              action: p.action,
              source: r.source,
              record: r.sourceId,
              change: r.change,
              ...(r.before ? { before: `${r.before.amount} ${r.before.unit}` } : {}),
              ...(r.after ? { after: `${r.after.amount} ${r.after.unit}` } : {}),
            })),
          ),
        }
      : {}),
    journal: journalOf(statement, charter, options.issueDate ?? statement.asOf, options.replaces, locale),
    approvals,
  });
}

/** A clause of the statement's coverage as the statement view and the approval page show it. */
export function clauseRowOf(c: ClauseCoverage) {
  return {
    id: c.id,
    ...(c.title ? { title: c.title } : {}),
    text: c.text,
    status: c.status,
    blocking: c.blocking,
    due: c.due,
    evidence: c.evidence.map((x) => `${x.label} (${x.fulfilled ? (x.date ?? x.state) : x.state})`),
  };
}

/** What a variance cause is made of, for the cause in the reader's language. */
export function causeFactsOf(
  row: Statement['variance']['rows'][number],
  cause: Statement['variance']['causes'][number],
  names: (text: string) => string = (text) => text,
): VarianceCauseFacts {
  return {
    keys: row.keys,
    unbudgeted: row.unbudgeted,
    percent: row.percent,
    budget: row.budget.amount,
    actual: row.actual.amount,
    variance: row.variance.amount,
    currency: row.variance.currency,
    drivers: cause.drivers.map((d) => ({ name: names(d.name), amount: d.amount.amount })),
  };
}

function contractPricesViewOf(prices: ContractPrices): ContractPricesView {
  const figures = (f: Omit<ContractPriceSubtotal, 'key'>) => ({
    planned: f.planned.amount,
    atContractPrice: f.atContractPrice.amount,
    actual: f.actual.amount,
    priceVariance: f.priceVariance.amount,
    quantityVariance: f.quantityVariance.amount,
    variance: f.variance.amount,
    percent: f.percent,
  });
  return {
    rows: prices.rows.map((r) => ({
      site: r.workPackage ?? '',
      supplier: r.supplier,
      item: r.description,
      unit: r.unit,
      plannedQuantity: r.plannedQuantity,
      actualQuantity: r.actualQuantity,
      unitPrice: r.unitPrice,
      actualUnitPrice: r.actualUnitPrice,
      ...figures(r),
    })),
    bySite: prices.bySite.map((s) => ({ key: s.key, ...figures(s) })),
    bySupplier: prices.bySupplier.map((s) => ({ key: s.key, ...figures(s) })),
    total: figures(prices.total),
    unmatched: prices.unmatched.reduce((sum, u) => sum.plus(u.amount.amount), new Dec(0)).toFixed(),
  };
}

/** A cost line by its names only: the person, or the vendor and the work package (site). */
function neutralDescription(line: Statement['lines'][number], nameOf: (id: string) => string): string {
  const parts = line.person
    ? [nameOf(line.person)]
    : [line.vendor, line.workPackage].filter((p) => p !== undefined);
  return parts.length ? parts.join(' · ') : line.description || line.id;
}

/** The engine's English billing descriptions, in Chinese where the line's facts say it all. */
function chineseBillingDescription(
  line: Statement['billing']['lines'][number],
  charter: Charter,
): string | undefined {
  if (line.kind === 'milestone') {
    const milestone = charter.milestones.find((m) => m.id === line.milestone);
    return milestone ? `里程碑：${milestone.name}` : undefined;
  }
  if (line.kind === 'retention') return `质保金 ${charter.contract.retentionPercent}%，最终验收前扣留`;
  if (line.kind === 'adjustment' || line.kind === 'write-off') return line.reason;
  return undefined;
}

import type {
  Approver as ApprovalApprover,
  ApprovalSettings as ApprovalTimingSettings,
} from '#approval/model.ts';
import type { ApprovalSummary } from '#approval/summary.ts';
import type { Charter } from '#domain/charter.ts';
import { Dec } from '#domain/money.ts';
import type { Statement } from '#domain/statement.ts';
import { causeFactsOf, clauseRowOf } from '#statement/view-of.ts';

/** The approval module's terms from the charter and the statement: approvers, timings, the summary. */

/** The charter's approvers in the approval module's terms. */
export function approversOf(charter: Charter): ApprovalApprover[] {
  return charter.approvers.map((a) => ({
    email: a.email,
    name: a.name,
    role: a.role,
    ...(a.minAmount !== undefined ? { minAmount: String(a.minAmount) } : {}),
    ...(a.backup
      ? {
          backup: {
            email: a.backup.email,
            name: a.backup.name,
            ...((a.backup.locale ?? charter.locale) ? { locale: a.backup.locale ?? charter.locale } : {}),
          },
        }
      : {}),
    // The approver's language, else the charter's; the tenant's applies where neither is set.
    ...((a.locale ?? charter.locale) ? { locale: a.locale ?? charter.locale } : {}),
  })) as ApprovalApprover[];
}

export function approvalSettingsOf(charter: Charter): ApprovalTimingSettings {
  const { timeoutDays, reminderAfterHours, escalateAfterHours } = charter.approval;
  return {
    ...(timeoutDays !== undefined ? { ttlDays: timeoutDays } : {}),
    ...(reminderAfterHours !== undefined ? { reminderHours: reminderAfterHours } : {}),
    ...(escalateAfterHours !== undefined ? { escalationHours: escalateAfterHours } : {}),
  };
}

/** The key figures for the approval email and page. */
export function approvalSummaryOf(
  statement: Statement,
  charter: Charter,
  refs: { settlementId: string; jsonKey: string; htmlKey: string; pdfKey: string },
): ApprovalSummary {
  const worst = [...statement.variance.rows]
    .filter(
      (r) => r.dimension === 'category' || r.dimension === 'role' || r.dimension === 'category+workPackage',
    )
    .sort((a, b) => new Dec(b.variance.amount).abs().cmp(new Dec(a.variance.amount).abs()))
    .slice(0, 5);
  const budget = statement.variance.rows
    .filter((r) => r.dimension === 'category')
    .reduce((sum, r) => sum.plus(r.budget.amount), new Dec(0));
  return {
    settlementId: refs.settlementId,
    project: { id: statement.projectId, name: statement.name, counterparty: charter.counterparty.name },
    period: { id: statement.period.selector, start: statement.period.from, end: statement.period.to },
    revision: statement.revision,
    currency: statement.currency,
    totals: {
      cost: statement.totals.cost,
      billing: statement.totals.billing,
      budget: { amount: budget.toFixed(2), currency: statement.currency },
    },
    topVariances: worst.map((r) => {
      const cause = statement.variance.causes.find((c) => c.row === r.id);
      return {
        dimension: r.dimension,
        label: r.keys.role ?? r.keys.category ?? r.id,
        ...(Object.keys(r.keys).length > 1 ? { keys: r.keys } : {}),
        ...(cause ? { causeFacts: causeFactsOf(r, cause) } : {}),
        budget: r.budget,
        actual: r.actual,
        variance: r.variance,
        ...(r.percent !== null ? { percent: r.percent } : {}),
        flagged: r.status !== 'ok',
        ...(cause ? { cause: cause.message } : {}),
      };
    }),
    checklist: statement.checks.map((c) => ({
      id: c.id,
      label: c.title,
      status: (c.status === 'pass' || c.status === 'waived'
        ? 'passed'
        : c.severity === 'blocking'
          ? 'failed'
          : 'warning') as 'passed' | 'failed' | 'warning',
      blocking: c.severity === 'blocking',
      ...(c.evidence.length ? { evidence: c.evidence.join(', ') } : {}),
    })),
    ...(statement.clauses
      ? {
          clauses: statement.clauses.map((c) => ({
            ...clauseRowOf(c),
            status:
              c.status === 'fulfilled' ? 'passed' : !c.due ? 'pending' : c.blocking ? 'failed' : 'warning',
          })),
        }
      : {}),
    quarantined: statement.quarantine.reduce((n, q) => n + q.count, 0),
    statement: { jsonKey: refs.jsonKey, htmlKey: refs.htmlKey, pdfKey: refs.pdfKey },
    approval: {
      amount: statement.totals.settlementAmount,
      approvers: approversOf(charter),
      settings: approvalSettingsOf(charter),
    },
  };
}

import { settlementId } from '#adapters/keys.ts';
import type {
  Approver as ApprovalApprover,
  ApprovalSettings as ApprovalTimingSettings,
} from '#approval/model.ts';
import type { ApprovalSummary } from '#approval/summary.ts';
import type { Charter } from '#domain/charter.ts';
import { Dec } from '#domain/money.ts';
import { addDays, type RevisionNote } from '#domain/periods.ts';
import { type Statement, serializeStatement } from '#domain/statement.ts';
import type { ApprovalState } from '#domain/workflow.ts';
import { renderStatementHtml } from '#statement/html.ts';
import { renderJournalCsv } from '#statement/journal.ts';
import { type JournalLine, StatementView, type VarianceFlag } from '#statement/view.ts';

/**
 * The bridge between the engine's canonical Statement and what people read: the presentation model
 * (StatementView), the rendered documents, the approval summary and the emails. Pure: no AWS.
 */

const FLAG: Record<string, VarianceFlag> = { ok: 'none', warning: 'warning', critical: 'critical' };

/** `ST-ACME-2026-000042`: tenant, year and a gapless sequence. */
export function formatStatementNumber(tenantId: string, year: number, sequence: number): string {
  return `ST-${tenantId.toUpperCase()}-${year}-${String(sequence).padStart(6, '0')}`;
}

function journalOf(statement: Statement, charter: Charter, date: string): JournalLine[] {
  const accounts = new Map(charter.journal.map((j) => [j.category, j]));
  const lines: JournalLine[] = [];
  const accrual = accounts.get('receivable')?.credit ?? '2100';
  for (const [category, money] of Object.entries(statement.totals.byCategory)) {
    const amount = new Dec(money.amount);
    if (amount.isZero()) continue;
    const account = accounts.get(category as keyof typeof statement.totals.byCategory);
    const debit = account?.debit ?? '6000';
    const credit = account?.credit ?? accrual;
    const positive = amount.isPositive();
    const value = amount.abs().toFixed();
    lines.push(
      {
        date,
        account: debit,
        debit: positive ? value : '0',
        credit: positive ? '0' : value,
        memo: `${category} cost`,
      },
      {
        date,
        account: credit,
        debit: positive ? '0' : value,
        credit: positive ? value : '0',
        memo: `${category} cost`,
      },
    );
  }
  const net = new Dec(statement.billing.net.amount);
  const retention = new Dec(statement.billing.retention.amount).abs();
  if (!net.isZero() || !retention.isZero()) {
    const revenue = accounts.get('revenue');
    const receivable = accounts.get('receivable');
    const retained = accounts.get('retention');
    lines.push({
      date,
      account: receivable?.debit ?? '1200',
      debit: net.toFixed(),
      credit: '0',
      memo: 'billing net',
    });
    if (!retention.isZero()) {
      lines.push({
        date,
        account: retained?.debit ?? '1250',
        debit: retention.toFixed(),
        credit: '0',
        memo: 'retention',
      });
    }
    lines.push({
      date,
      account: revenue?.credit ?? '4000',
      debit: '0',
      credit: net.plus(retention).toFixed(),
      memo: 'revenue',
    });
  }
  return lines;
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
    approval?: ApprovalState | undefined;
    locale?: 'en' | 'zh-CN';
  },
): StatementView {
  const budgetOf = (predicate: (row: Statement['variance']['rows'][number]) => boolean) =>
    statement.variance.rows.filter(predicate);
  const byCategory = budgetOf((r) => r.dimension === 'category');
  const byRole = budgetOf((r) => r.dimension === 'role');
  const totalBudget = byCategory.reduce((sum, r) => sum.plus(r.budget.amount), new Dec(0));
  const milestonesById = new Map((statement.evm?.milestones ?? []).map((m) => [m.id, m]));
  const approvals =
    options.approval?.decision && options.approval.decidedBy
      ? [
          {
            who: options.approval.decidedBy,
            decision: options.approval.decision,
            at: `${options.issueDate ?? statement.asOf}T00:00:00Z`,
            ...(options.approval.comment ? { comment: options.approval.comment } : {}),
          },
        ]
      : [];
  return StatementView.parse({
    tenant: { id: options.issuer.id, companyName: options.issuer.name },
    number: options.number,
    kind: 'statement',
    revision: statement.revision,
    settlementId: settlementId(statement.projectId, statement.period.selector, statement.revision),
    project: { id: statement.projectId, name: statement.name, contractType: charter.contract.type },
    counterparty: { name: charter.counterparty.name, kind: charter.counterparty.type },
    // People read a period's last day, not the exclusive end the engine computes with.
    period: {
      label: statement.period.selector,
      from: statement.period.from,
      to: addDays(statement.period.to, -1),
    },
    currency: statement.currency,
    locale: options.locale ?? 'en',
    issueDate: options.issueDate ?? statement.asOf,
    totals: {
      costByCategory: Object.entries(statement.totals.byCategory).map(([category, actual]) => ({
        category,
        actual: actual.amount,
        budget: byCategory.find((r) => r.keys.category === category)?.budget.amount ?? '0',
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
      description: l.description || l.id,
      ...(l.role ? { role: l.role } : {}),
      ...(l.seconds !== undefined ? { quantity: new Dec(l.seconds).div(3600).toFixed(2), unit: 'h' } : {}),
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
        percent: r.percent,
        flag: FLAG[r.status] ?? 'none',
        ...(cause ? { cause: cause.message } : {}),
      };
    }),
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
      description: b.description || b.id,
      basis: b.kind,
      ...(b.billableSeconds !== undefined
        ? { quantity: new Dec(b.billableSeconds).div(3600).toFixed(2) }
        : {}),
      ...(b.rate ? { unitPrice: b.rate.amount } : {}),
      amount: b.amount.amount,
      ...(b.reason ? { reason: b.reason } : {}),
    })),
    checklist: statement.checks.map((c) => ({
      check: c.title,
      status: c.status === 'pending' ? 'fail' : c.status,
      severity: c.severity,
      evidence: c.evidence.join(', ') || c.detail,
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
    quarantine: statement.quarantine.map((q) => ({ source: q.source, reason: q.reason, count: q.count })),
    journal: journalOf(statement, charter, options.issueDate ?? statement.asOf),
    approvals,
  });
}

export interface RenderedDocuments {
  readonly view: StatementView;
  readonly json: string;
  readonly html: string;
  readonly pdf: Uint8Array;
  readonly csv: string;
  readonly xlsx: Uint8Array;
  readonly journalCsv: string;
}

/** Every format of a statement, from its canonical JSON. */
export async function renderDocuments(
  statement: Statement,
  charter: Charter,
  options: { number: string; issuer: { id: string; name: string }; approval?: ApprovalState | undefined },
): Promise<RenderedDocuments> {
  const view = toStatementView(statement, charter, options);
  // The renderers (pdfkit, fonts, charts, exceljs) load here, when a function renders, not at its cold start.
  const [{ renderStatementPdf }, { renderStatementCsv, renderStatementXlsx }] = await Promise.all([
    import('#statement/pdf.ts'),
    import('#statement/tables.ts'),
  ]);
  return {
    view,
    json: serializeStatement(statement),
    html: renderStatementHtml(view),
    pdf: (await renderStatementPdf(view)).bytes,
    csv: renderStatementCsv(view, 'lines'),
    xlsx: await renderStatementXlsx(view),
    journalCsv: renderJournalCsv(view),
  };
}

/** The charter's approvers in the approval module's terms. */
export function approversOf(charter: Charter): ApprovalApprover[] {
  return charter.approvers.map((a) => ({
    email: a.email,
    name: a.name,
    role: a.role,
    ...(a.minAmount !== undefined ? { minAmount: String(a.minAmount) } : {}),
    ...(a.backup ? { backup: { email: a.backup.email, name: a.backup.name } } : {}),
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
    .filter((r) => r.dimension === 'category' || r.dimension === 'role')
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
    topVariances: worst.map((r) => ({
      dimension: r.dimension,
      label: r.keys.role ?? r.keys.category ?? r.id,
      budget: r.budget,
      actual: r.actual,
      variance: r.variance,
      ...(r.percent !== null ? { percent: r.percent } : {}),
      flagged: r.status !== 'ok',
      ...(statement.variance.causes.find((c) => c.row === r.id)
        ? { cause: statement.variance.causes.find((c) => c.row === r.id)?.message }
        : {}),
    })),
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
    quarantined: statement.quarantine.reduce((n, q) => n + q.count, 0),
    statement: { jsonKey: refs.jsonKey, htmlKey: refs.htmlKey, pdfKey: refs.pdfKey },
    approval: {
      amount: statement.totals.settlementAmount,
      approvers: approversOf(charter),
      settings: approvalSettingsOf(charter),
    },
  };
}

/**
 * A credit or debit note: the revision's billing differences against the statement it corrects,
 * drawn with the statement renderer (kind and `corrects` set, the changed lines as billing lines).
 */
export function renderRevisionNote(
  note: RevisionNote,
  revised: StatementView,
  corrects: string,
): { view: StatementView; html: string } {
  if (note.kind === 'none') throw new RangeError('no note for a revision without differences');
  const view = StatementView.parse({
    ...revised,
    number: `${revised.number}-${note.kind === 'credit-note' ? 'CN' : 'DN'}`,
    kind: note.kind,
    corrects,
    ...(note.reason ? { revisionReason: note.reason } : {}),
    billing: note.lines.map((l) => ({
      description: l.description,
      basis: `revision ${note.fromRevision} → ${note.toRevision}`,
      amount: l.difference.amount,
    })),
    totals: {
      ...revised.totals,
      billing: note.billingDifference.amount,
      retention: '0',
      netDue: note.billingDifference.amount,
    },
  });
  return { view, html: renderStatementHtml(view) };
}

import { settlementId } from '#adapters/keys.ts';
import type {
  Approver as ApprovalApprover,
  ApprovalEvent,
  ApprovalSettings as ApprovalTimingSettings,
} from '#approval/model.ts';
import type { ApprovalSummary } from '#approval/summary.ts';
import type { Charter, Locale } from '#domain/charter.ts';
import type { ClauseCoverage } from '#domain/clauses/coverage.ts';
import { Dec } from '#domain/money.ts';
import { addDays, type RevisionNote } from '#domain/periods.ts';
import type { RecipientGroup } from '#domain/recipients.ts';
import { type Statement, serializeStatement } from '#domain/statement.ts';
import type { ApprovalState } from '#domain/workflow.ts';
import { clientViewOf } from '#statement/audience.ts';
import { formatAmount, formatPercent } from '#statement/format.ts';
import { renderStatementHtml } from '#statement/html.ts';
import { renderJournalCsv } from '#statement/journal.ts';
import {
  type ApprovalEntry,
  type Audience,
  type JournalLine,
  StatementView,
  type VarianceFlag,
} from '#statement/view.ts';
import type { StatementEmailFacts } from './emails.ts';

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
  const totalBudget = byCategory.reduce((sum, r) => sum.plus(r.budget.amount), new Dec(0));
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
    period: {
      label: statement.period.selector,
      from: statement.period.from,
      to: addDays(statement.period.to, -1),
    },
    currency: statement.currency,
    locale: charter.locale ?? options.locale ?? 'en',
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
      description: names(l.description || l.id),
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
        ...(cause ? { cause: names(cause.message) } : {}),
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
      // Time lines name the person and role; hours and rate are their own columns.
      description:
        b.kind === 'time' && b.person
          ? `${nameOf(b.person)}${b.role ? ` (${b.role})` : ''}`
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
    journal: journalOf(statement, charter, options.issueDate ?? statement.asOf),
    approvals,
  });
}

/** A clause of the statement's coverage as the statement view and the approval page show it. */
function clauseRowOf(c: ClauseCoverage) {
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

export interface RenderedDocuments {
  readonly view: StatementView;
  readonly json: string;
  readonly html: string;
  readonly pdf: Uint8Array;
  readonly csv: string;
  readonly xlsx: Uint8Array;
  readonly journalCsv: string;
}

/**
 * The renderers (pdfkit, fonts, charts, exceljs) load when a function renders, not at the cold
 * start of every function that imports this module.
 */
async function loadRenderers() {
  const [pdf, tables] = await Promise.all([import('#statement/pdf.ts'), import('#statement/tables.ts')]);
  return {
    renderStatementPdf: pdf.renderStatementPdf,
    renderStatementCsv: tables.renderStatementCsv,
    renderStatementXlsx: tables.renderStatementXlsx,
  };
}

/** Every format of a statement, from its canonical JSON. */
export async function renderDocuments(
  statement: Statement,
  charter: Charter,
  options: {
    number: string;
    issuer: { id: string; name: string };
    approval?: ApprovalState | undefined;
    approvalLog?: readonly ApprovalEvent[] | undefined;
    locale?: Locale;
  },
): Promise<RenderedDocuments> {
  const view = toStatementView(statement, charter, options);
  const { renderStatementPdf, renderStatementCsv, renderStatementXlsx } = await loadRenderers();
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

/** The files one audience in one language receives, with their names under `final/<id>/`. */
export interface AudienceDocuments {
  readonly audience: Audience;
  readonly locale: Locale;
  readonly files: readonly { name: string; contentType: string; content: string | Uint8Array }[];
}

const PDF = 'application/pdf';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** File names of an audience's documents: the internal statement in its own locale keeps the plain names. */
export function audienceFileNames(
  audience: Audience,
  locale: Locale,
  statementLocale: Locale,
): { pdf: string; html: string; xlsx: string; csv: string } {
  if (audience === 'internal' && locale === statementLocale)
    return { pdf: 'statement.pdf', html: 'statement.html', xlsx: 'statement.xlsx', csv: 'statement.csv' };
  const base = audience === 'client' ? `client-statement.${locale}` : `statement.${locale}`;
  return { pdf: `${base}.pdf`, html: `${base}.html`, xlsx: `${base}.xlsx`, csv: `${base}.csv` };
}

/**
 * The documents of one audience and language from the internal view: the client gets the client
 * statement (PDF, HTML, billing CSV and XLSX), the internal audience the full statement.
 */
export async function renderAudienceDocuments(
  internal: StatementView,
  audience: Audience,
  locale: Locale,
): Promise<AudienceDocuments> {
  const localised = StatementView.parse({ ...internal, locale });
  const view = audience === 'client' ? clientViewOf(localised) : localised;
  const names = audienceFileNames(audience, locale, internal.locale);
  const { renderStatementPdf, renderStatementCsv, renderStatementXlsx } = await loadRenderers();
  return {
    audience,
    locale,
    files: [
      { name: names.pdf, contentType: PDF, content: (await renderStatementPdf(view)).bytes },
      { name: names.html, contentType: 'text/html; charset=utf-8', content: renderStatementHtml(view) },
      {
        name: names.csv,
        contentType: 'text/csv; charset=utf-8',
        content: renderStatementCsv(view, audience === 'client' ? 'billing' : 'lines'),
      },
      { name: names.xlsx, contentType: XLSX, content: await renderStatementXlsx(view) },
    ],
  };
}

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

/** One email of the distribution: its recipients, the files it attaches and what its text says. */
export interface DistributionEmail {
  readonly group: RecipientGroup;
  /** Files under `final/<settlementId>/` (`name`), attached as `filename`. */
  readonly attachments: readonly { name: string; filename: string; contentType: string }[];
  readonly facts: StatementEmailFacts;
}

/**
 * Renders what each recipient group receives (the internal statement in the statement's own
 * language is already rendered and reused) and the plan Distribute sends from: one email per
 * group. Internal groups get the internal PDF; client groups the client statement PDF with its
 * billing CSV and XLSX.
 */
export async function renderDistribution(
  internal: StatementView,
  groups: readonly RecipientGroup[],
): Promise<{
  files: { name: string; contentType: string; content: string | Uint8Array }[];
  emails: DistributionEmail[];
}> {
  const files: { name: string; contentType: string; content: string | Uint8Array }[] = [];
  const emails: DistributionEmail[] = [];
  for (const group of groups) {
    const names = audienceFileNames(group.audience, group.locale, internal.locale);
    if (group.audience === 'client' || group.locale !== internal.locale)
      files.push(...(await renderAudienceDocuments(internal, group.audience, group.locale)).files);
    const amount = (value: string) => formatAmount(value, internal.currency, group.locale);
    const forecast = internal.forecastWarning;
    const attach = (name: string, contentType: string) => ({
      name,
      contentType,
      // ST-…-000042-client.pdf, ST-…-000042.zh-CN.pdf: the number first, what it is after.
      filename: `${internal.number}${group.audience === 'client' ? '-client' : ''}${group.locale !== internal.locale ? `.${group.locale}` : ''}${name.slice(name.lastIndexOf('.'))}`,
    });
    emails.push({
      group,
      attachments:
        group.audience === 'client'
          ? [attach(names.pdf, PDF), attach(names.csv, 'text/csv; charset=utf-8'), attach(names.xlsx, XLSX)]
          : [attach(names.pdf, PDF)],
      facts: {
        number: internal.number,
        project: internal.project.name,
        period: internal.period.label,
        netDue: amount(internal.totals.netDue),
        ...(group.audience === 'internal'
          ? {
              totalCost: amount(internal.totals.totalCost),
              ...(forecast
                ? {
                    forecast: {
                      percent: formatPercent(forecast.percent, group.locale),
                      threshold: formatPercent(String(forecast.thresholdPercent), group.locale),
                    },
                  }
                : {}),
            }
          : {}),
      },
    });
  }
  return { files, emails };
}

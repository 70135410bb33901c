import type { OutgoingEmail } from '#adapters/mailer.ts';
import type { Charter } from '#domain/charter.ts';
import type { RecipientGroup } from '#domain/recipients.ts';
import type { SettlementRef, SettlementState } from '#domain/workflow.ts';

/**
 * The plain notification emails (outcome, failure, statement per audience). Kept apart from the statement renderers
 * so the Lambdas that only notify do not bundle the PDF, chart and spreadsheet libraries.
 */

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function projectManagerOf(charter: Charter): string[] {
  const pm = charter.approvers.find((a) => /project.?manager|^pm$/i.test(a.role)) ?? charter.approvers[0];
  return pm ? [pm.email] : [];
}

function email(to: string[], subject: string, lines: string[]): OutgoingEmail {
  return {
    to,
    subject,
    text: `${lines.join('\n')}\n`,
    html: `<!doctype html><html><body>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</body></html>`,
  };
}

export async function outcomeEmail(
  state: SettlementState,
  charter: Charter,
  outcome: string,
): Promise<OutgoingEmail> {
  const s = state.settlement;
  const why =
    outcome === 'rejected'
      ? `Rejected by ${state.approval?.decidedBy ?? 'an approver'}: ${state.approval?.comment ?? '(no comment)'}`
      : outcome === 'expired'
        ? 'Nobody decided before the approval expired.'
        : `Blocking contract checks failed (${state.computed?.blockingChecks ?? 0}); see the checklist in the draft.`;
  const failures = outcome === 'needs-attention' ? (state.computed?.blockingFailures ?? []) : [];
  return email(projectManagerOf(charter), `Settlement ${charter.name} ${s.period}: ${outcome}`, [
    `The settlement of ${charter.name} for ${s.period} (revision ${s.revision}) ended as ${outcome}.`,
    why,
    ...failures.map((f) => `- ${f}`),
    `Settlement id: ${s.settlementId}`,
  ]);
}

export function failureEmail(
  s: Pick<SettlementRef, 'tenantId' | 'projectId' | 'period' | 'settlementId'>,
  error: { Error: string; Cause?: string | undefined },
  to: string,
): OutgoingEmail {
  return email([to], `Settlement failed: ${s.projectId} ${s.period}`, [
    `The settlement ${s.settlementId} failed in a step and was recorded as failed.`,
    `Error: ${error.Error}`,
    `Cause: ${(error.Cause ?? '').slice(0, 1000)}`,
  ]);
}

/** The daily summary to the tenant's operators: every due settlement that is not settled, and why. */
export function dailySummaryEmail(
  tenantName: string,
  asOf: string,
  lines: readonly string[],
  to: string,
): OutgoingEmail {
  return email([to], `Settlements not settled on ${asOf}: ${lines.length} (${tenantName})`, [
    lines.length === 0
      ? `Every due settlement of ${tenantName} is settled.`
      : `${lines.length} due settlement(s) of ${tenantName} are not settled:`,
    ...lines.map((l) => `- ${l}`),
  ]);
}

/**
 * To the tenant's operations address: a settlement past its readiness deadline is still waiting for
 * its data; what is missing, one line each (English, like the daily summary).
 */
export function notReadyEmail(
  tenantName: string,
  projectId: string,
  period: string,
  deadline: string,
  missing: readonly string[],
  to: string,
): OutgoingEmail {
  return email([to], `Overdue: ${projectId} ${period} is waiting for its data (${tenantName})`, [
    `The settlement of ${projectId} for ${period} was due by ${deadline} and cannot settle yet.`,
    'Missing:',
    ...missing.map((m) => `- ${m}`),
    'The nightly run tries again every night until the data is final.',
  ]);
}

const STATEMENT_EMAIL = {
  en: {
    internalSubject: (number: string, project: string, period: string) =>
      `Settlement statement ${number}: ${project}, ${period}`,
    internalIntro: (number: string, project: string, period: string) =>
      `Statement ${number} for ${project} (${period}) was approved and archived.`,
    totalCost: (amount: string) => `Total cost: ${amount}`,
    forecast: (percent: string, threshold: string) =>
      `Forecast at completion is ${percent} over budget (warning threshold ${threshold}).`,
    contractPrices: (price: string, quantity: string) =>
      `Against supplier contract prices: price variance ${price}, quantity variance ${quantity}.`,
    internalAttached: 'The internal statement is attached as PDF.',
    clientSubject: (number: string, project: string, period: string) =>
      `Statement ${number}: ${project}, ${period}`,
    clientIntro: (number: string, project: string, period: string) =>
      `Please find attached statement ${number} for ${project} (${period}).`,
    netDue: (amount: string) => `Net amount due: ${amount}`,
    clientAttached: 'The statement is attached as PDF, with its billing lines as CSV and XLSX.',
  },
  'zh-CN': {
    internalSubject: (number: string, project: string, period: string) =>
      `项目结算单 ${number}：${project}，${period}`,
    internalIntro: (number: string, project: string, period: string) =>
      `${project}（${period}）的结算单 ${number} 已审批并归档。`,
    totalCost: (amount: string) => `成本合计：${amount}`,
    forecast: (percent: string, threshold: string) =>
      `完工估算超出预算 ${percent}（预警阈值 ${threshold}）。`,
    contractPrices: (price: string, quantity: string) =>
      `供应商合同价对比：价差 ${price}，量差 ${quantity}。`,
    internalAttached: '内部结算单见 PDF 附件。',
    clientSubject: (number: string, project: string, period: string) =>
      `结算单 ${number}：${project}，${period}`,
    clientIntro: (number: string, project: string, period: string) =>
      `附件为 ${project}（${period}）的结算单 ${number}。`,
    netDue: (amount: string) => `应付净额：${amount}`,
    clientAttached: '结算单见 PDF 附件，计费明细见 CSV 与 XLSX 附件。',
  },
} as const;

/** What a statement email says, beside its attachments. */
export interface StatementEmailFacts {
  readonly number: string;
  readonly project: string;
  readonly period: string;
  /** Internal only: the period's total cost, formatted. */
  readonly totalCost?: string;
  /** Internal only: the forecast overrun and its threshold, formatted, when the warning is raised. */
  readonly forecast?: { percent: string; threshold: string };
  /** Internal only: the total price and quantity variance against supplier contract prices, formatted. */
  readonly contractPrices?: { price: string; quantity: string };
  /** The net amount due, formatted. */
  readonly netDue: string;
}

/**
 * The email of one recipient group: the internal brief (total cost, forecast warning, the internal
 * statement) or the client's statement email (net amount due, the client statement), in the
 * group's language, addressed to that group only.
 */
export function statementEmail(
  group: RecipientGroup,
  facts: StatementEmailFacts,
  attachments: readonly { filename: string; contentType: string; content: Uint8Array }[],
): OutgoingEmail {
  const m = STATEMENT_EMAIL[group.locale];
  const { number, project, period } = facts;
  const lines =
    group.audience === 'internal'
      ? [
          m.internalIntro(number, project, period),
          ...(facts.totalCost ? [m.totalCost(facts.totalCost)] : []),
          ...(facts.forecast ? [m.forecast(facts.forecast.percent, facts.forecast.threshold)] : []),
          ...(facts.contractPrices
            ? [m.contractPrices(facts.contractPrices.price, facts.contractPrices.quantity)]
            : []),
          m.netDue(facts.netDue),
          m.internalAttached,
        ]
      : [m.clientIntro(number, project, period), m.netDue(facts.netDue), m.clientAttached];
  const subject =
    group.audience === 'internal'
      ? m.internalSubject(number, project, period)
      : m.clientSubject(number, project, period);
  return { ...email([...group.to], subject, lines), attachments: [...attachments] };
}

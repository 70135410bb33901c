import type { OutgoingEmail } from '#adapters/mailer.ts';
import type { Charter } from '#domain/charter.ts';
import type { SettlementRef, SettlementState } from '#domain/workflow.ts';

/**
 * The plain notification emails (outcome, failure, brief). Kept apart from the statement renderers
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

/** The brief to business-unit heads and distribution contacts, with the PDF attached. */
export function briefEmail(
  state: SettlementState,
  charter: Charter,
  pdf: Uint8Array | undefined,
): OutgoingEmail | undefined {
  const to = [...new Set([...charter.businessUnitHeads, ...charter.distribution])];
  if (to.length === 0) return undefined;
  const number = state.final?.statementNumber ?? state.settlement.settlementId;
  const total = state.computed?.total;
  return {
    ...email(to, `Settlement statement ${number}: ${charter.name}, ${state.settlement.period}`, [
      `Statement ${number} for ${charter.name} (${state.settlement.period}) was approved and archived.`,
      total ? `Total cost: ${total.amount} ${total.currency}` : '',
      'The statement is attached as PDF.',
    ]),
    ...(pdf
      ? { attachments: [{ filename: `${number}.pdf`, contentType: 'application/pdf', content: pdf }] }
      : {}),
  };
}

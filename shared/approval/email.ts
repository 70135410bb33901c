import { escapeHtml as esc, fill, formatInstant, formatMoney, messages } from './i18n.ts';
import type { Locale } from './model.ts';
import type { ApprovalSummary } from './summary.ts';

export type ApprovalEmailKind = 'request' | 'reminder' | 'escalation';

export interface ApprovalEmailInput {
  readonly kind: ApprovalEmailKind;
  readonly locale: Locale;
  readonly recipientName: string;
  /** Set when the recipient is a delegate. */
  readonly onBehalfOf?: string | undefined;
  /** The original approver's name (named in an escalation). */
  readonly approverName: string;
  readonly role: string;
  readonly step: number;
  readonly steps: number;
  readonly summary: ApprovalSummary;
  readonly link: string;
  readonly expiresAt: string;
}

/** Subject, text and HTML of an approval email (pure; the caller sends it). */
export function composeApprovalEmail(input: ApprovalEmailInput): {
  subject: string;
  text: string;
  html: string;
} {
  const m = messages(input.locale);
  const s = input.summary;
  const project = s.project.name;
  const period = s.period.label ?? s.period.id;
  const total = formatMoney(s.approval.amount);
  const subject = fill(
    input.kind === 'request'
      ? m.subjectRequest
      : input.kind === 'reminder'
        ? m.subjectReminder
        : m.subjectEscalation,
    { project, period, total },
  );
  const intro = fill(
    input.kind === 'request'
      ? m.introRequest
      : input.kind === 'reminder'
        ? m.introReminder
        : m.introEscalation,
    { project, period, approver: input.approverName },
  );
  const figures: [string, string][] = [
    [m.project, `${project} (${s.project.id})`],
    [m.period, period],
    [m.totalCost, formatMoney(s.totals.cost)],
    [m.totalBilling, formatMoney(s.totals.billing)],
    ...(s.totals.budget ? ([[m.budget, formatMoney(s.totals.budget)]] as [string, string][]) : []),
  ];
  const step = fill(m.stepOf, { step: input.step + 1, steps: input.steps, role: input.role });
  const delegate = input.onBehalfOf ? fill(m.delegateNote, { email: input.onBehalfOf }) : undefined;
  const expires = fill(m.expires, { date: formatInstant(input.expiresAt) });

  const text = [
    fill(m.greeting, { name: input.recipientName }),
    '',
    intro,
    ...(delegate ? [delegate] : []),
    step,
    '',
    `${m.figures}:`,
    ...figures.map(([k, v]) => `  ${k}: ${v}`),
    '',
    `${m.linkText}: ${input.link}`,
    m.linkNote,
    expires,
  ].join('\n');

  const html = `<!doctype html>
<html lang="${input.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(subject)}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;max-width:40rem;margin:0 auto;padding:1rem">
<p>${esc(fill(m.greeting, { name: input.recipientName }))}</p>
<p>${esc(intro)}</p>
${delegate ? `<p><strong>${esc(delegate)}</strong></p>` : ''}
<p>${esc(step)}</p>
<h2 style="font-size:1.1rem">${esc(m.figures)}</h2>
<table style="border-collapse:collapse">${figures
    .map(
      ([k, v]) =>
        `<tr><th style="text-align:left;padding:.25rem 1rem .25rem 0;font-weight:normal">${esc(k)}</th><td style="text-align:right;padding:.25rem 0"><strong>${esc(v)}</strong></td></tr>`,
    )
    .join('')}</table>
<p><a href="${esc(input.link)}" style="display:inline-block;background:#0b57d0;color:#fff;padding:.6rem 1.2rem;border-radius:.3rem;text-decoration:none">${esc(m.linkText)}</a></p>
<p style="color:#555;font-size:.9rem">${esc(m.linkNote)}<br>${esc(expires)}</p>
</body></html>`;
  return { subject, text, html };
}

export interface CodeEmailInput {
  readonly locale: Locale;
  readonly recipientName: string;
  /** The code, or REDACTED_CODE in the kept copy. */
  readonly code: string;
  readonly summary: ApprovalSummary;
  readonly minutes: number;
  readonly expiresAt: string;
}

/** Subject, text and HTML of a one-time approval code email (pure; the caller sends it). */
export function composeCodeEmail(input: CodeEmailInput): { subject: string; text: string; html: string } {
  const m = messages(input.locale);
  const s = input.summary;
  const values = {
    project: s.project.name,
    period: s.period.label ?? s.period.id,
    total: formatMoney(s.approval.amount),
    minutes: input.minutes,
    date: formatInstant(input.expiresAt),
  };
  const subject = fill(m.codeSubject, values);
  const intro = fill(m.codeIntro, values);
  const validity = fill(m.codeValidity, values);
  const text = [
    fill(m.greeting, { name: input.recipientName }),
    '',
    intro,
    '',
    `    ${input.code}`,
    '',
    validity,
    m.codeWarning,
  ].join('\n');
  const html = `<!doctype html>
<html lang="${input.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(subject)}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;max-width:40rem;margin:0 auto;padding:1rem">
<p>${esc(fill(m.greeting, { name: input.recipientName }))}</p>
<p>${esc(intro)}</p>
<p style="font-size:1.8rem;font-weight:700;letter-spacing:.3rem;font-family:ui-monospace,monospace">${esc(input.code)}</p>
<p>${esc(validity)}</p>
<p style="color:#555;font-size:.9rem">${esc(m.codeWarning)}</p>
</body></html>`;
  return { subject, text, html };
}

import { createHash } from 'node:crypto';
import type { Money } from '#domain/money.ts';
import { Dec } from '#domain/money.ts';
import { causeIn, formatPercent, labelsFor, varianceRowLabel } from '#statement/format.ts';
import { renderClauseSection } from './clause-section.ts';
import type { CodePrompt } from './code-confirmation.ts';
import {
  checkTitle,
  escapeHtml as esc,
  fill,
  formatInstant,
  formatMoneyIn,
  type Messages,
  messages,
} from './i18n.ts';
import type { ApprovalRequest, Grant, Locale } from './model.ts';
import type { ApprovalSummary } from './summary.ts';

/** The page's body font stack (an embedded CJK face goes in front of it, see withCjkFont). */
export const APPROVAL_FONT_FAMILY =
  'system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif';

// One static style sheet, allowed by its hash in the CSP (no 'unsafe-inline', no style attributes).
const STYLE = `
*{box-sizing:border-box}
body{font-family:${APPROVAL_FONT_FAMILY};line-height:1.5;color:#1a1a1a;background:#f6f7f9;margin:0;padding:1rem}
main{max-width:44rem;margin:0 auto;background:#fff;border-radius:.5rem;padding:1rem 1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.1)}
h1{font-size:1.35rem;margin:.25rem 0 .75rem}
h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
table{border-collapse:collapse;width:100%}
th,td{padding:.35rem .4rem;border-bottom:1px solid #e3e5e8;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;white-space:nowrap}
.figures td{font-weight:600}
.over{color:#b3261e}
.passed{color:#146c2e}.warning{color:#8a5a00}.failed{color:#b3261e}
.muted{color:#555;font-size:.9rem}
.notice{background:#eef3fd;border-left:4px solid #0b57d0;padding:.5rem .75rem}
.error{background:#fdecea;border-left:4px solid #b3261e;padding:.5rem .75rem}
meter{width:100%;height:1.1rem}
textarea{width:100%;min-height:6rem;font:inherit;padding:.5rem}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:.75rem}
button{font:inherit;font-weight:600;padding:.7rem 1.4rem;border-radius:.35rem;border:0;cursor:pointer;flex:1 1 10rem}
button.approve{background:#146c2e;color:#fff}
button.reject{background:#fff;color:#b3261e;border:2px solid #b3261e}
a{color:#0b57d0}
.lang{float:right;font-size:.9rem}
input.code{font:inherit;font-size:1.5rem;letter-spacing:.3rem;width:10rem;padding:.4rem .6rem;font-family:ui-monospace,monospace}
button.secondary{background:#fff;color:#0b57d0;border:2px solid #0b57d0}
tr.cause td{border-top:0;padding-top:0}
.scroll{overflow-x:auto}
@media (max-width:30rem){body{padding:0}main{border-radius:0}th,td{padding:.3rem .2rem}}
`;

/** The CSP source allowing one inline style sheet. */
export function styleHash(css: string): string {
  return `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`;
}

/** The CSP source for the page's style sheet. */
export const STYLE_HASH = styleHash(STYLE);

/**
 * A page with Chinese text gets a second style sheet: the embedded Noto Sans SC subsets of exactly
 * its non-ASCII characters (see #statement/web-font.ts), so a phone without a CJK font shows Chinese,
 * not boxes. Returns the page and the CSP hash of the added sheet (none when nothing was added).
 */
export async function withCjkFont(html: string): Promise<{ html: string; styleHashes: string[] }> {
  const { cjkFontCss } = await import('#statement/web-font.ts');
  const css = await cjkFontCss(html, APPROVAL_FONT_FAMILY);
  const at = html.indexOf('</head>');
  if (!css || at < 0) return { html, styleHashes: [] };
  return {
    html: `${html.slice(0, at)}<style>${css}</style>\n${html.slice(at)}`,
    styleHashes: [styleHash(css)],
  };
}

function layout(locale: Locale, title: string, body: string): string {
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body><main>
${body}
</main></body>
</html>`;
}

function percentOf(part: string, whole: string): string | undefined {
  const w = new Dec(whole);
  if (w.isZero()) return undefined;
  return new Dec(part).div(w).mul(100).toFixed(1);
}

function statusLabel(m: Messages, status: 'passed' | 'warning' | 'failed'): string {
  return status === 'passed' ? m.passed : status === 'warning' ? m.warning : m.failed;
}

export interface ApprovalPageInput {
  readonly locale: Locale;
  readonly request: ApprovalRequest;
  readonly grant: Grant;
  readonly summary: ApprovalSummary;
  /** Presigned, short-lived link to the draft PDF. */
  readonly pdfUrl: string | undefined;
  /** Echoed in the form's hidden field (the page itself is only served to holders of the secret). */
  readonly secret: string;
  /** Shown above the form when a POST was refused (e.g. a rejection without a comment). */
  readonly problem?: string;
  readonly comment?: string;
}

/** The summary page with the decision form (GET, or a POST that needs correcting). */
export function renderApprovalPage(input: ApprovalPageInput): string {
  const m = messages(input.locale);
  const formatMoney = (value: Money) => formatMoneyIn(value, input.locale);
  const t = labelsFor(input.locale);
  const { summary: s, request: r } = input;
  const period = s.period.label ?? s.period.id;
  const other = input.locale === 'en' ? 'zh-CN' : 'en';
  const langHref = `?s=${encodeURIComponent(input.secret)}&lang=${other}`;

  const budget = s.totals.budget;
  const used = budget ? percentOf(s.totals.cost.amount, budget.amount) : undefined;
  const over = budget ? new Dec(s.totals.cost.amount).gt(budget.amount) : false;
  const meterMax = budget ? Dec.max(budget.amount, s.totals.cost.amount).toString() : '0';

  const variances = s.topVariances.length
    ? `<h2>${esc(m.topVariances)}</h2>
<div class="scroll"><table><thead><tr><th>${esc(m.item)}</th><th class="n">${esc(m.budget)}</th><th class="n">${esc(m.actual)}</th><th class="n">${esc(m.variance)}</th></tr></thead><tbody>
${s.topVariances
  .map(
    (v) =>
      // The cause gets a full-width row of its own: on a phone a narrow first column would
      // stack it one word per line.
      `<tr><td>${esc(varianceRowLabel(t, { dimension: v.dimension, key: v.label, keys: v.keys }))}</td><td class="n">${esc(formatMoney(v.budget))}</td><td class="n">${esc(formatMoney(v.actual))}</td><td class="n${v.flagged ? ' over' : ''}">${esc(formatMoney(v.variance))}${v.percent ? ` (${esc(formatPercent(v.percent, input.locale))})` : ''}</td></tr>` +
      (v.cause
        ? `<tr class="cause"><td colspan="4" class="muted">${esc(m.cause)}: ${esc(causeIn(input.locale, v))}</td></tr>`
        : ''),
  )
  .join('\n')}
</tbody></table></div>`
    : '';

  const checklist = s.checklist.length
    ? `<h2>${esc(m.checklist)}</h2>
<table><tbody>
${s.checklist
  .map(
    (c) =>
      `<tr><td>${esc(checkTitle(input.locale, c.id, c.label))}${c.evidence ? `<br><span class="muted">${esc(m.evidence)}: ${esc(c.evidence)}</span>` : ''}</td><td class="n ${c.status}">${esc(statusLabel(m, c.status))}${c.blocking ? ` (${esc(m.blocking)})` : ''}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`
    : '';

  const body = `<a class="lang" href="${esc(langHref)}" hreflang="${other}">${esc(m.otherLanguage)}</a>
<h1>${esc(m.title)}</h1>
<p>${esc(fill(m.stepOf, { step: r.step + 1, steps: r.steps, role: r.approver.role }))}<br>
<span class="muted">${esc(fill(m.requestedFrom, { name: r.approver.name, email: r.approver.email }))}</span></p>
${input.grant.onBehalfOf ? `<p class="notice">${esc(fill(m.onBehalf, { email: input.grant.onBehalfOf }))}</p>` : ''}
<table class="figures"><tbody>
<tr><th>${esc(m.project)}</th><td>${esc(s.project.name)} <span class="muted">(${esc(s.project.id)})</span></td></tr>
${s.project.counterparty ? `<tr><th>${esc(m.counterparty)}</th><td>${esc(s.project.counterparty)}</td></tr>` : ''}
<tr><th>${esc(m.period)}</th><td>${esc(period)}${s.revision > 0 ? ` · ${esc(m.revision)} ${s.revision}` : ''}</td></tr>
<tr><th>${esc(m.totalCost)}</th><td class="n">${esc(formatMoney(s.totals.cost))}</td></tr>
<tr><th>${esc(m.totalBilling)}</th><td class="n">${esc(formatMoney(s.totals.billing))}</td></tr>
${budget ? `<tr><th>${esc(m.budget)}</th><td class="n">${esc(formatMoney(budget))}</td></tr>` : ''}
</tbody></table>
${
  budget
    ? `<h2>${esc(m.budgetVsActual)}</h2>
<p><meter min="0" max="${esc(meterMax)}" high="${esc(budget.amount)}" optimum="0" value="${esc(s.totals.cost.amount)}"></meter>
<span class="${over ? 'over' : ''}">${esc(formatMoney(s.totals.cost))} / ${esc(formatMoney(budget))}${used ? ` (${esc(used)} % ${esc(m.used)})` : ''}</span></p>`
    : ''
}
${variances}
${checklist}${renderClauseSection(input.locale, s.clauses)}
${s.quarantined > 0 ? `<p class="muted">${esc(fill(m.quarantined, { n: s.quarantined }))}</p>` : ''}
<p>${input.pdfUrl ? `<a href="${esc(input.pdfUrl)}" rel="noreferrer noopener" target="_blank">${esc(m.pdf)}</a>` : `<span class="muted">${esc(m.noPdf)}</span>`}</p>
<h2 id="decide">${esc(m.decide)}</h2>
${input.problem ? `<p class="error" role="alert">${esc(input.problem)}</p>` : ''}
${r.codeRequired ? `<p class="notice">${esc(fill(m.codeNote, { total: formatMoney(s.approval.amount), email: input.grant.email }))}</p>` : ''}
<form method="post" action="${esc(encodeURIComponent(r.requestId))}">
<input type="hidden" name="s" value="${esc(input.secret)}">
<input type="hidden" name="lang" value="${input.locale}">
<label for="comment">${esc(m.comment)}</label> <span class="muted">${esc(m.commentHint)}</span>
<textarea id="comment" name="comment" maxlength="2000">${esc(input.comment ?? '')}</textarea>
<div class="actions">
<button class="approve" type="submit" name="decision" value="approve">${esc(m.approve)}</button>
<button class="reject" type="submit" name="decision" value="reject">${esc(m.reject)}</button>
</div>
</form>
<p class="muted">${esc(m.scannerNote)} ${esc(fill(m.expires, { date: formatInstant(r.expiresAt) }))}</p>`;
  return layout(input.locale, `${m.title}: ${s.project.name} ${period}`, body);
}

const CODE_MESSAGES: Readonly<Record<CodePrompt['reason'], keyof Messages | undefined>> = {
  sent: undefined,
  wrong: 'codeWrong',
  expired: 'codeExpired',
  none: 'codeNone',
  malformed: 'codeMalformed',
  'sends-exhausted': 'codeSendsExhausted',
};

/**
 * The code step of an approval above the tenant's threshold: what is being approved, where the code
 * went, the code field, "Confirm approval" and "Send a new code". The comment typed on the summary
 * page travels along in a hidden field.
 */
export function renderCodePage(
  input: CodePrompt & {
    readonly locale: Locale;
    readonly secret: string;
    readonly comment?: string | undefined;
  },
): string {
  const m = messages(input.locale);
  const { summary: s, request: r } = input;
  const period = s.period.label ?? s.period.id;
  const problem = CODE_MESSAGES[input.reason];
  const body = `<h1>${esc(m.codeTitle)}</h1>
<p>${esc(fill(m.codeApproving, { project: s.project.name, period, total: formatMoneyIn(s.approval.amount, input.locale) }))}</p>
${problem ? `<p class="error" role="alert">${esc(m[problem])}</p>` : ''}
${input.sentTo && input.expiresAt ? `<p class="notice" role="status">${esc(fill(m.codeSent, { email: input.sentTo, date: formatInstant(input.expiresAt) }))}</p>` : ''}
<form method="post" action="${esc(encodeURIComponent(r.requestId))}">
<input type="hidden" name="s" value="${esc(input.secret)}">
<input type="hidden" name="lang" value="${input.locale}">
<input type="hidden" name="decision" value="approve">
<input type="hidden" name="comment" value="${esc(input.comment ?? '')}">
<p><label for="code">${esc(m.codeLabel)}</label><br>
<input class="code" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 -]{6,9}" maxlength="9" required autofocus></p>
<p class="muted">${esc(fill(m.codeAttempts, { n: input.attemptsLeft }))}</p>
<div class="actions">
<button class="approve" type="submit" name="codeAction" value="confirm">${esc(m.codeConfirm)}</button>
<button class="secondary" type="submit" name="codeAction" value="send" formnovalidate>${esc(m.codeResend)}</button>
</div>
</form>
<p class="muted">${esc(fill(m.expires, { date: formatInstant(r.expiresAt) }))}</p>`;
  return layout(input.locale, `${m.codeTitle}: ${s.project.name} ${period}`, body);
}

/** A one-message page: a decision's confirmation, a refused link, an error (with its reference). */
export function renderMessagePage(locale: Locale, message: string, reference?: string): string {
  const m = messages(locale);
  return layout(
    locale,
    m.problemTitle,
    `<h1>${esc(m.title)}</h1>
<p class="notice" role="status">${esc(message)}</p>
${reference ? `<p class="muted">${esc(m.reference)}: <code>${esc(reference)}</code></p>` : ''}`,
  );
}

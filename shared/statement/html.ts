import { renderStatementCharts } from './charts.ts';
import { clauseCoverageHtml } from './clause-coverage.ts';
import { contractPricesHtml } from './contract-prices.ts';
import {
  basisLabel,
  categoryKey,
  causeIn,
  checkIn,
  contractTypeLabel,
  dimensionLabel,
  fill,
  flagKey,
  formatAmount,
  formatDate,
  formatNumber,
  formatPercent,
  formatQuantity,
  formatRatio,
  formatTimestamp,
  type Labels,
  labelsFor,
  type MessageKey,
  negated,
  periodLabel,
  severityKey,
  statusKey,
  titleOf,
  unitLabel,
  varianceRowLabel,
  varianceTone,
} from './format.ts';
import { sumDecimals } from './journal.ts';
import type { StatementView } from './view.ts';

/**
 * The printable HTML statement: one self-contained file (inline CSS, charts as inline SVG, no
 * script, no external request), A4 print layout, labels in the view's locale. The output is
 * deterministic for a given view (golden-file tested).
 */

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const e = escapeHtml;

/** The statement's body font stack (an embedded CJK face goes in front of it, see web-font.ts). */
export const STATEMENT_FONT_FAMILY =
  '"Noto Sans", "Noto Sans SC", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "DejaVu Sans", Helvetica, Arial, sans-serif';

const CSS = `
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { margin: 0; color: #1d2733; font: 10pt/1.4 ${STATEMENT_FONT_FAMILY}; background: #fff; -webkit-text-size-adjust: 100%; }
main { max-width: 190mm; margin: 0 auto; padding: 8mm 12px; }
header.top { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 4mm 12mm; border-bottom: 2px solid #1f5f99; padding-bottom: 4mm; }
header.top h1 { margin: 0 0 2mm; font-size: 18pt; color: #1f5f99; }
.issuer, .counterparty { font-size: 9pt; }
.issuer strong, .counterparty strong { font-size: 10.5pt; }
.draft { display: inline-block; margin-left: 3mm; padding: 0 2mm; border: 2px solid #c0392b; color: #c0392b; font-size: 11pt; vertical-align: middle; }
.parties { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 4mm 8mm; margin: 5mm 0; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
.scroll > table, .scroll > svg { min-width: 100%; }
table { width: 100%; border-collapse: collapse; margin: 2mm 0 5mm; font-size: 8.8pt; }
th, td { padding: 1.2mm 1.8mm; border-bottom: 1px solid #d8dee6; text-align: left; vertical-align: top; }
th { background: #eef2f6; font-weight: 600; }
/* Chinese text may break between any two characters: without a floor, a table gives its label
   columns one character's width (a label set one character per line) and the rest to the widest. */
:lang(zh) th:not(.num), :lang(zh) td:not(.num) { min-width: 4.5em; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 700; border-top: 1.5px solid #1d2733; }
table.meta { width: auto; margin: 0; }
table.meta th { background: none; padding: 0.4mm 3mm 0.4mm 0; color: #5a6878; font-weight: 400; border: 0; }
table.meta td { padding: 0.4mm 0; border: 0; }
h2 { font-size: 12pt; color: #1f5f99; margin: 6mm 0 1mm; break-after: avoid; }
section { break-inside: auto; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); gap: 2mm; margin: 3mm 0; }
.summary div { border: 1px solid #d8dee6; border-radius: 2mm; padding: 2mm; min-width: 0; }
.summary div span { display: block; color: #5a6878; font-size: 8.5pt; }
.summary div strong { font-size: 11pt; font-variant-numeric: tabular-nums; }
.summary div.due { border-color: #1f5f99; background: #eef4fa; }
figure { margin: 2mm 0 4mm; break-inside: avoid; overflow-x: auto; }
figure svg { width: 100%; min-width: 700px; height: auto; }
.over { color: #c2410c; font-weight: 600; }
.under { color: #23663a; }
.warning-banner { border-left: 4px solid #c77700; background: #fdf1d8; color: #5c3b00; padding: 2mm 3mm; margin: 2mm 0 3mm; }
.flag, .status { display: inline-block; padding: 0 1.5mm; border-radius: 1mm; font-size: 8.5pt; }
.flag-warning { background: #fdf1d8; color: #8a5a00; }
.flag-critical, .status-fail { background: #fbe1de; color: #a12a1d; }
.flag-none { background: #eceff3; color: #4c5866; }
.status-pass { background: #e3f3e6; color: #23663a; }
.status-waived { background: #eceff3; color: #4c5866; }
.evm { display: grid; grid-template-columns: repeat(auto-fit, minmax(7.5rem, 1fr)); gap: 1.5mm; }
.evm div { border: 1px solid #d8dee6; padding: 1.5mm; }
.evm span { display: block; font-size: 8.5pt; color: #5a6878; }
.evm strong { font-variant-numeric: tabular-nums; font-size: 9pt; }
.note { color: #5a6878; font-size: 8.5pt; }
footer { margin-top: 8mm; border-top: 1px solid #d8dee6; padding-top: 2mm; font-size: 8.5pt; color: #5a6878; overflow-wrap: anywhere; }
@media (max-width: 600px) { header.top h1 { font-size: 15pt; } table { font-size: 8.5pt; } }
@media print { main { padding: 0; } h2 { margin-top: 4mm; } .scroll, figure { overflow: visible; } figure svg { min-width: 0; } }
`;

interface Column<Row> {
  readonly label: string;
  readonly numeric?: boolean;
  readonly cell: (row: Row) => string;
}

/** A table whose cells are already-escaped HTML. */
function table<Row>(
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  footer?: readonly string[],
): string {
  const head = columns.map((c) => `<th${c.numeric ? ' class="num"' : ''}>${e(c.label)}</th>`).join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${columns.map((c) => `<td${c.numeric ? ' class="num"' : ''}>${c.cell(row)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const foot = footer
    ? `\n<tr class="total">${footer.map((cell, i) => `<td${columns[i]?.numeric ? ' class="num"' : ''}>${cell}</td>`).join('')}</tr>`
    : '';
  return `<div class="scroll"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}${foot}\n</tbody>\n</table></div>`;
}

// A negative amount is not bad news in itself (a credit, an underrun): amounts carry no colour;
// only variances do (see varianceCell).
function money(view: StatementView) {
  return (amount: string): string => e(formatAmount(amount, view.currency, view.locale));
}

function plain(view: StatementView) {
  return (amount: string): string => e(formatNumber(amount, view.currency, view.locale));
}

/** The variance in the warning colour when over budget beyond the threshold, good when under. */
function varianceCell(view: StatementView, text: string, variance: string, percent: string | null): string {
  const tone = varianceTone(variance, percent, view.varianceWarningPercent);
  return tone === 'within' ? text : `<span class="${tone}">${text}</span>`;
}

function metaTable(rows: readonly [string, string | undefined][]): string {
  return `<table class="meta">${rows
    .filter((row): row is [string, string] => row[1] !== undefined)
    .map(([label, value]) => `<tr><th>${e(label)}</th><td>${value}</td></tr>`)
    .join('')}</table>`;
}

function header(view: StatementView, t: Labels): string {
  const title = titleOf(view, t);
  const draft = view.number === 'DRAFT' ? `<span class="draft">${e(t('draft'))}</span>` : '';
  const issuer = [
    `<strong>${e(view.tenant.companyName)}</strong>`,
    ...view.tenant.address.map(e),
    ...(view.tenant.taxId ? [`${e(t('taxId'))}: ${e(view.tenant.taxId)}`] : []),
  ].join('<br>');
  const meta = metaTable([
    [t('number'), `<strong data-field="number">${e(view.number)}</strong>`],
    [t('corrects'), view.corrects === undefined ? undefined : e(view.corrects)],
    [t('revision'), view.revision > 0 ? String(view.revision) : undefined],
    [t('issueDate'), e(formatDate(view.issueDate, view.locale))],
    [t('dueDate'), view.dueDate === undefined ? undefined : e(formatDate(view.dueDate, view.locale))],
    [
      t('period'),
      `${e(periodLabel(t, view.period.label))} (${e(formatDate(view.period.from, view.locale))} – ${e(formatDate(view.period.to, view.locale))})`,
    ],
    [t('currency'), e(view.currency)],
  ]);
  return `<header class="top">
<div><h1>${e(title)}${draft}</h1>${meta}</div>
<div class="issuer">${e(t('issuer'))}<br>${issuer}</div>
</header>`;
}

function parties(view: StatementView, t: Labels): string {
  const counterparty = [
    `<strong>${e(view.counterparty.name)}</strong> (${e(t(`counterparty.${view.counterparty.kind}`))})`,
    ...view.counterparty.address.map(e),
    ...(view.counterparty.reference ? [e(view.counterparty.reference)] : []),
  ].join('<br>');
  const project = metaTable([
    [t('project'), `<strong>${e(view.project.name)}</strong> (${e(view.project.id)})`],
    [
      t('contract'),
      [view.project.contractRef, contractTypeLabel(t, view.project.contractType)]
        .filter(Boolean)
        .map((s) => e(s ?? ''))
        .join(', ') || undefined,
    ],
    [t('revisionReason'), view.revisionReason === undefined ? undefined : e(view.revisionReason)],
  ]);
  return `<div class="parties">
<div class="counterparty">${e(t('counterparty'))}<br>${counterparty}</div>
<div>${project}</div>
</div>`;
}

function summary(view: StatementView, t: Labels): string {
  const m = money(view);
  const tile = (key: MessageKey, amount: string, extra = '') =>
    `<div${extra}><span>${e(t(key))}</span><strong data-total="${key}">${m(amount)}</strong></div>`;
  const internal = view.audience === 'internal';
  const forecast = view.forecastWarning;
  const warning =
    internal && forecast
      ? `<p class="warning-banner" data-warning="forecast">${e(
          fill(t('forecastWarning'), {
            eac: formatAmount(forecast.eac, view.currency, view.locale),
            bac: formatAmount(forecast.budgetAtCompletion, view.currency, view.locale),
            percent: formatPercent(forecast.percent, view.locale),
            threshold: formatPercent(String(forecast.thresholdPercent), view.locale),
          }),
        )}</p>`
      : '';
  return `<section>
<h2>${e(t('summary'))}</h2>${warning}
<div class="summary">
${internal ? `${tile('totalBudget', view.totals.totalBudget)}\n${tile('totalCost', view.totals.totalCost)}\n` : ''}${tile('billing', view.totals.billing)}
${tile('retention', view.totals.retention)}
${tile('netDue', view.totals.netDue, ' class="due"')}
</div>
</section>`;
}

function charts(view: StatementView): string {
  const svg = renderStatementCharts(view);
  if (view.audience === 'client')
    return `<section class="charts">
<figure id="chart-gantt">${svg.gantt}</figure>
</section>`;
  return `<section class="charts">
<figure id="chart-category">${svg.byCategory}</figure>
${
  // A budget without labour roles (a construction budget by category and site) has no role chart to draw.
  view.totals.labourByRole.length ? `<figure id="chart-role">${svg.byRole}</figure>\n` : ''
}<figure id="chart-gantt">${svg.gantt}</figure>
</section>`;
}

function costLines(view: StatementView, t: Labels): string {
  const m = plain(view);
  return `<section>
<h2>${e(t('lines'))}</h2>
${table(
  [
    { label: t('category'), cell: (l) => e(t(categoryKey(l.category))) },
    { label: t('description'), cell: (l) => e(l.description) },
    { label: t('role'), cell: (l) => e(l.role ?? '') },
    {
      label: t('quantity'),
      numeric: true,
      cell: (l) =>
        l.quantity === undefined
          ? ''
          : `${e(formatQuantity(l.quantity, view.locale))} ${e(unitLabel(t, l.unit))}`,
    },
    { label: t('unitRate'), numeric: true, cell: (l) => (l.unitRate === undefined ? '' : m(l.unitRate)) },
    { label: t('amount'), numeric: true, cell: (l) => m(l.amount) },
  ],
  view.lines,
  [e(t('total')), '', '', '', '', m(view.totals.totalCost)],
)}
</section>`;
}

function variance(view: StatementView, t: Labels): string {
  const m = plain(view);
  return `<section>
<h2>${e(t('varianceAnalysis'))}</h2>
${table(
  [
    { label: t('dimension'), cell: (r) => e(dimensionLabel(t, r.dimension)) },
    { label: t('key'), cell: (r) => e(varianceRowLabel(t, r)) },
    { label: t('budget'), numeric: true, cell: (r) => m(r.budget) },
    { label: t('actual'), numeric: true, cell: (r) => m(r.actual) },
    {
      label: t('variance'),
      numeric: true,
      cell: (r) => varianceCell(view, m(r.variance), r.variance, r.percent),
    },
    {
      label: t('percent'),
      numeric: true,
      cell: (r) => varianceCell(view, e(formatPercent(r.percent, view.locale)), r.variance, r.percent),
    },
    { label: t('flag'), cell: (r) => `<span class="flag flag-${r.flag}">${e(t(flagKey(r.flag)))}</span>` },
    { label: t('cause'), cell: (r) => e(causeIn(view.locale, r)) },
  ],
  view.variance,
)}
</section>`;
}

function earnedValue(view: StatementView, t: Labels): string {
  const m = money(view);
  const { evm } = view;
  const figures: [string, string][] = [
    ['PV', m(evm.pv)],
    ['EV', m(evm.ev)],
    ['AC', m(evm.ac)],
    ['CV', m(evm.cv)],
    ['SV', m(evm.sv)],
    ['CPI', e(formatRatio(evm.cpi, view.locale))],
    ['SPI', e(formatRatio(evm.spi, view.locale))],
    ['EAC', m(evm.eac)],
    ['ETC', m(evm.etc)],
    ['VAC', m(evm.vac)],
    ['TCPI', e(formatRatio(evm.tcpi, view.locale))],
  ];
  return `<section>
<h2>${e(t('evm'))}</h2>
<div class="evm">${figures.map(([name, value]) => `<div><span>${name}</span><strong data-evm="${name}">${value}</strong></div>`).join('')}</div>
</section>`;
}

function billing(view: StatementView, t: Labels): string {
  const m = plain(view);
  const negRetention = negated(view.totals.retention);
  return `<section>
<h2>${e(t('billingLines'))}</h2>
${table(
  [
    { label: t('description'), cell: (b) => e(b.description) },
    { label: t('basis'), cell: (b) => e(basisLabel(t, b.basis)) },
    {
      label: t('quantity'),
      numeric: true,
      cell: (b) => (b.quantity === undefined ? '' : e(formatQuantity(b.quantity, view.locale))),
    },
    { label: t('unitPrice'), numeric: true, cell: (b) => (b.unitPrice === undefined ? '' : m(b.unitPrice)) },
    { label: t('amount'), numeric: true, cell: (b) => m(b.amount) },
    { label: t('reason'), cell: (b) => e(b.reason ?? '') },
  ],
  view.billing,
  [e(t('billing')), '', '', '', m(view.totals.billing), ''],
)}
${table(
  [
    { label: '', cell: (r: [string, string]) => r[0] },
    { label: t('amount'), numeric: true, cell: (r: [string, string]) => r[1] },
  ],
  [
    [e(t('billing')), m(view.totals.billing)],
    [e(t('retention')), m(negRetention)],
  ],
  [e(t('netDue')), money(view)(view.totals.netDue)],
)}
</section>`;
}

function checklist(view: StatementView, t: Labels): string {
  return `<section>
<h2>${e(t('checklist'))}</h2>
${table(
  [
    { label: t('check'), cell: (c) => e(checkIn(view.locale, c)) },
    {
      label: t('status'),
      cell: (c) => `<span class="status status-${c.status}">${e(t(statusKey(c.status)))}</span>`,
    },
    { label: t('severity'), cell: (c) => e(t(severityKey(c.severity))) },
    { label: t('evidence'), cell: (c) => e(c.evidence) },
  ],
  view.checklist,
)}
</section>`;
}

function milestones(view: StatementView, t: Labels): string {
  const client = view.audience === 'client';
  const d = (date: string | undefined) =>
    date === undefined ? e(t(client ? 'notAccepted' : 'notReached')) : e(formatDate(date, view.locale));
  return `<section>
<h2>${e(t('milestones'))}</h2>
${table(
  [
    { label: t('milestone'), cell: (ms) => e(ms.name) },
    { label: t('planStart'), cell: (ms) => d(ms.planStart) },
    { label: t('planEnd'), cell: (ms) => d(ms.planEnd) },
    { label: t(client ? 'accepted' : 'actualEnd'), cell: (ms) => d(ms.actualEnd) },
  ],
  view.milestones,
)}
</section>`;
}

function quarantine(view: StatementView, t: Labels): string {
  const total = view.quarantine.reduce((sum, q) => sum + q.count, 0);
  const body =
    view.quarantine.length === 0
      ? `<p class="note">${e(t('noQuarantine'))}</p>`
      : table(
          [
            { label: t('source'), cell: (q) => e(q.source) },
            { label: t('count'), numeric: true, cell: (q) => String(q.count) },
            { label: t('reason'), cell: (q) => e(q.reason ?? '') },
          ],
          view.quarantine,
          [e(t('total')), `<span data-total="quarantine">${total}</span>`, ''],
        );
  return `<section>
<h2>${e(t('quarantine'))}</h2>
${body}
</section>`;
}

function lateEdits(view: StatementView, t: Labels): string {
  if (!view.lateEdits?.length) return '';
  return `<section data-section="late-edits">
<h2>${e(t('lateEdits'))}</h2>
${table(
  [
    { label: t('period'), cell: (r) => e(r.period) },
    { label: t('source'), cell: (r) => e(r.source) },
    { label: t('record'), cell: (r) => e(r.record) },
    { label: t('change'), cell: (r) => e(r.change) },
    { label: t('oldNew'), cell: (r) => `${e(r.before ?? '—')} → ${e(r.after ?? '—')}` },
    { label: t('lateEditAction'), cell: (r) => e(t(`lateEdit.${r.action}`)) },
  ],
  view.lateEdits,
)}
</section>`;
}

function journal(view: StatementView, t: Labels): string {
  const m = plain(view);
  return `<section>
<h2>${e(t('journal'))}</h2>
${table(
  [
    { label: t('date'), cell: (j) => e(j.date) },
    { label: t('entry'), cell: (j) => e(j.entry ?? '') },
    { label: t('account'), cell: (j) => e(j.account) },
    { label: t('accountName'), cell: (j) => e(j.accountName ?? '') },
    { label: t('debit'), numeric: true, cell: (j) => m(j.debit) },
    { label: t('credit'), numeric: true, cell: (j) => m(j.credit) },
    { label: t('memo'), cell: (j) => e(j.memo) },
  ],
  view.journal,
  [
    e(t('total')),
    '',
    '',
    '',
    m(sumDecimals(view.journal.map((j) => j.debit))),
    m(sumDecimals(view.journal.map((j) => j.credit))),
    '',
  ],
)}
</section>`;
}

function approvals(view: StatementView, t: Labels): string {
  const body =
    view.approvals.length === 0
      ? `<p class="note">${e(t('noApprovals'))}</p>`
      : table(
          [
            { label: t('step'), numeric: true, cell: (a) => (a.step === undefined ? '' : String(a.step)) },
            {
              label: t('who'),
              cell: (a) =>
                `${e(a.who)}${a.onBehalfOf ? ` <span class="note">(${e(t('onBehalfOf'))} ${e(a.onBehalfOf)})</span>` : ''}${a.role ? `<br><span class="note">${e(a.role)}</span>` : ''}`,
            },
            { label: t('decision'), cell: (a) => e(t(`decision.${a.decision}`)) },
            { label: t('when'), cell: (a) => e(formatTimestamp(a.at)) },
            { label: t('comment'), cell: (a) => e(a.comment ?? '') },
          ],
          view.approvals,
        );
  return `<section>
<h2>${e(t('approvals'))}</h2>
${body}
</section>`;
}

/** Renders the statement as one self-contained, printable HTML document. */
export function renderStatementHtml(view: StatementView): string {
  const t = labelsFor(view.locale);
  const title = `${titleOf(view, t)} ${view.number} · ${view.project.name} · ${view.period.label}`;
  const internal = view.audience === 'internal';
  return `<!DOCTYPE html>
<html lang="${view.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${header(view, t)}
${parties(view, t)}
${summary(view, t)}
${charts(view)}
${
  internal
    ? [
        costLines(view, t),
        `${variance(view, t)}${contractPricesHtml(view)}`,
        earnedValue(view, t),
        billing(view, t),
        `${checklist(view, t)}${clauseCoverageHtml(view)}`,
      ].join('\n')
    : billing(view, t)
}
${milestones(view, t)}
${
  internal
    ? [quarantine(view, t), lateEdits(view, t), journal(view, t), approvals(view, t)]
        .filter((section) => section !== '')
        .join('\n')
    : ''
}
<footer>${e(view.tenant.companyName)} · ${e(t('settlement'))} ${e(view.settlementId)} · ${e(view.number)}</footer>
</main>
</body>
</html>
`;
}

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toCsv } from '#statement/csv.ts';
import {
  formatAmount,
  formatDate,
  formatPercent,
  formatRatio,
  labelsFor,
  periodLabel,
} from '#statement/format.ts';
import { escapeHtml as e } from '#statement/html.ts';
import { type ProjectReview, summarisePortfolio } from '#statement/review.ts';
import type { StatementLocale } from '#statement/view.ts';
import { UsageError } from '../usage-error.ts';
import { isCalendarDate } from './run.ts';

/**
 * `settle report portfolio --tenant T --from YYYY-MM-DD --to YYYY-MM-DD [--locale en|zh-CN] [--out DIR]`:
 * the portfolio view across projects and periods as HTML and CSV. `renderPortfolio` is pure;
 * `runReport` parses the command line, loads the reviews through the injected port and writes files.
 */

export interface PortfolioOptions {
  /** Inclusive bounds (YYYY-MM-DD): a review is included when its period overlaps them. */
  readonly from: string;
  readonly to: string;
  readonly locale: StatementLocale;
}

const labels = {
  en: {
    title: 'Portfolio review',
    project: 'Project',
    period: 'Period',
    statement: 'Statement',
    revenue: 'Revenue',
    cost: 'Cost',
    roi: 'ROI',
    nps: 'NPS',
    utilisation: 'Utilisation',
    cpi: 'CPI',
    spi: 'SPI',
    comments: 'Approver comments',
    totals: 'Totals per currency',
    currency: 'Currency',
    projects: 'Projects',
    hours: 'Billable / capacity hours',
    none: 'No settled periods in this range.',
  },
  'zh-CN': {
    title: '项目组合复盘',
    project: '项目',
    period: '期间',
    statement: '结算单',
    revenue: '收入',
    cost: '成本',
    roi: '投资回报率',
    nps: '净推荐值',
    utilisation: '资源利用率',
    cpi: 'CPI',
    spi: 'SPI',
    comments: '审批意见',
    totals: '按币种合计',
    currency: '币种',
    projects: '项目数',
    hours: '计费 / 可用工时',
    none: '该期间内没有已结算的记录。',
  },
} as const;

/** The report's font stack; a report with Chinese text embeds its CJK subsets in front of it (see web-font.ts). */
const REPORT_FONT_FAMILY = '"DejaVu Sans", "Noto Sans CJK SC", "PingFang SC", Helvetica, Arial, sans-serif';

const overlaps = (review: ProjectReview, from: string, to: string) =>
  review.period.from <= to && review.period.to >= from;

/** Renders the portfolio of reviews whose period overlaps [from, to], ordered by project and period. */
export function renderPortfolio(
  reviews: readonly ProjectReview[],
  options: PortfolioOptions,
): { html: string; csv: string } {
  const { from, to, locale } = options;
  const t = labels[locale];
  const rows = reviews
    .filter((review) => overlaps(review, from, to))
    .sort(
      (a, b) =>
        a.projectName.localeCompare(b.projectName, 'en') ||
        (a.period.from < b.period.from ? -1 : a.period.from > b.period.from ? 1 : 0),
    );
  const totals = summarisePortfolio(rows);
  const money = (amount: string, currency: string) => e(formatAmount(amount, currency, locale));
  const pct = (value: string | null) => e(formatPercent(value, locale));
  const ratio = (value: string | null) => {
    const text = e(formatRatio(value, locale));
    return value !== null && Number(value) < 1 ? `<span class="neg">${text}</span>` : text;
  };

  const body = rows
    .map(
      (r) =>
        `<tr><td>${e(r.projectName)}<br><span class="note">${e(r.projectId)}</span></td><td>${e(periodLabel(labelsFor(locale), r.period.label))}</td><td>${e(r.statementNumber)}</td>` +
        `<td class="num">${money(r.revenue, r.currency)}</td><td class="num">${money(r.cost, r.currency)}</td>` +
        `<td class="num">${pct(r.roiPercent)}</td><td class="num">${r.nps === null ? '—' : e(formatRatio(r.nps, locale, 1))}</td>` +
        `<td class="num">${pct(r.utilisationPercent)}</td><td class="num">${ratio(r.cpi)}</td><td class="num">${ratio(r.spi)}</td>` +
        `<td>${r.approverComments.map((c) => `<q>${e(c.comment)}</q> <span class="note">— ${e(c.who)}</span>`).join('<br>')}</td></tr>`,
    )
    .join('\n');
  const totalRows = totals
    .map(
      (s) =>
        `<tr><td>${e(s.currency)}</td><td class="num">${s.projects}</td><td class="num">${money(s.revenue, s.currency)}</td>` +
        `<td class="num">${money(s.cost, s.currency)}</td><td class="num">${pct(s.roiPercent)}</td>` +
        `<td class="num">${e(s.billableHours)} / ${e(s.capacityHours)}</td><td class="num">${pct(s.utilisationPercent)}</td></tr>`,
    )
    .join('\n');
  const range = `${formatDate(from, locale)} – ${formatDate(to, locale)}`;
  const html = `<!DOCTYPE html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; font-src data:">
<title>${e(t.title)} · ${e(range)}</title>
<style>
@page { size: A4 landscape; margin: 12mm; }
body { font: 10pt/1.4 ${REPORT_FONT_FAMILY}; color: #1d2733; margin: 0 auto; max-width: 280mm; padding: 8mm; }
h1 { color: #1f5f99; font-size: 16pt; margin: 0 0 1mm; } h2 { color: #1f5f99; font-size: 12pt; }
table { width: 100%; border-collapse: collapse; font-size: 8.8pt; margin-bottom: 6mm; }
th, td { padding: 1.2mm 1.8mm; border-bottom: 1px solid #d8dee6; text-align: left; vertical-align: top; }
th { background: #eef2f6; } td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.note { color: #5a6878; font-size: 8pt; } .neg { color: #c0392b; }
</style>
</head>
<body>
<h1>${e(t.title)}</h1>
<p class="note">${e(range)}</p>
${
  rows.length === 0
    ? `<p>${e(t.none)}</p>`
    : `<table>
<thead><tr><th>${e(t.project)}</th><th>${e(t.period)}</th><th>${e(t.statement)}</th><th class="num">${e(t.revenue)}</th><th class="num">${e(t.cost)}</th><th class="num">${e(t.roi)}</th><th class="num">${e(t.nps)}</th><th class="num">${e(t.utilisation)}</th><th class="num">${t.cpi}</th><th class="num">${t.spi}</th><th>${e(t.comments)}</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
<h2>${e(t.totals)}</h2>
<table>
<thead><tr><th>${e(t.currency)}</th><th class="num">${e(t.projects)}</th><th class="num">${e(t.revenue)}</th><th class="num">${e(t.cost)}</th><th class="num">${e(t.roi)}</th><th class="num">${e(t.hours)}</th><th class="num">${e(t.utilisation)}</th></tr></thead>
<tbody>
${totalRows}
</tbody>
</table>`
}
</body>
</html>
`;
  const csv = toCsv([
    [
      'project_id',
      'project_name',
      'period',
      'period_from',
      'period_to',
      'statement',
      'currency',
      'revenue',
      'cost',
      'roi_percent',
      'nps',
      'nps_responses',
      'billable_hours',
      'capacity_hours',
      'utilisation_percent',
      'cpi',
      'spi',
      'approver_comments',
    ],
    ...rows.map((r) => [
      r.projectId,
      r.projectName,
      r.period.label,
      r.period.from,
      r.period.to,
      r.statementNumber,
      r.currency,
      r.revenue,
      r.cost,
      r.roiPercent ?? '',
      r.nps ?? '',
      String(r.npsResponses),
      r.billableHours,
      r.capacityHours,
      r.utilisationPercent ?? '',
      r.cpi ?? '',
      r.spi ?? '',
      r.approverComments.map((c) => `${c.who}: ${c.comment}`).join(' | '),
    ]),
  ]);
  return { html, csv };
}

export interface ReportDeps {
  /** Loads the tenant's project reviews whose period overlaps [from, to]. */
  readonly loadReviews: (tenantId: string, from: string, to: string) => Promise<ProjectReview[]>;
}

/** A checked `settle report portfolio` request. */
export interface PortfolioRequest {
  readonly tenant: string;
  readonly from: string;
  readonly to: string;
  readonly locale: StatementLocale;
  readonly out: string;
}

/**
 * Checks the options of `settle report portfolio`; throws UsageError naming the flag. Without
 * `--locale` the report is in `defaultLocale`, the tenant's language.
 */
export function parsePortfolioArgs(
  values: Record<string, string | boolean | undefined>,
  defaultLocale: StatementLocale = 'en',
): PortfolioRequest {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const tenant = text('tenant');
  if (!tenant) throw new UsageError('--tenant is required');
  for (const name of ['from', 'to']) {
    const value = text(name);
    if (value === undefined) throw new UsageError(`--${name} is required`);
    if (!isCalendarDate(value)) throw new UsageError(`--${name} '${value}': a calendar date YYYY-MM-DD`);
  }
  const from = text('from') as string;
  const to = text('to') as string;
  if (to < from) throw new UsageError(`--to ${to} is before --from ${from}`);
  const locale = text('locale') ?? defaultLocale;
  if (locale !== 'en' && locale !== 'zh-CN') throw new UsageError(`--locale '${locale}': en or zh-CN`);
  return { tenant, from, to, locale, out: text('out') ?? '.local/reports' };
}

/**
 * The `settle report portfolio` command: writes one HTML and one CSV per tenant, range and locale
 * (the locale is in the file name, so an English and a Chinese report live side by side) and
 * prints their paths.
 */
export async function runReport(
  request: PortfolioRequest,
  io: { stdout: { write(text: string): unknown } },
  deps: ReportDeps,
): Promise<number> {
  const { tenant, from, to, locale, out } = request;
  const reviews = await deps.loadReviews(tenant, from, to);
  const rendered = renderPortfolio(reviews, { from, to, locale });
  // Chinese reads on machines without a CJK font: the subset of the characters used is embedded.
  const { embedCjkFont } = await import('#statement/web-font.ts');
  const html = await embedCjkFont(rendered.html, REPORT_FONT_FAMILY);
  const { csv } = rendered;
  await mkdir(out, { recursive: true });
  const base = join(out, `portfolio-${tenant}-${from}-${to}.${locale}`);
  await writeFile(`${base}.html`, html);
  await writeFile(`${base}.csv`, csv);
  io.stdout.write(`${base}.html\n${base}.csv\n`);
  return 0;
}

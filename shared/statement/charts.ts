import type { CustomSeriesRenderItemAPI, CustomSeriesRenderItemReturn, EChartsCoreOption } from 'echarts';
import echarts from './echarts.cjs';
import { categoryKey, formatDayMonth, labelsFor } from './format.ts';
import type { Milestone, StatementLocale, StatementView } from './view.ts';

/**
 * Statement charts drawn with ECharts' server-side SVG renderer: budget-vs-actual bars (by category,
 * by labour role) and a milestone Gantt (plan vs actual). Deterministic: no animation, fixed sizes,
 * the document's font (see FONT), and the renderer's per-instance element ids replaced by a stable per-chart prefix
 * (two charts in one HTML page must not share clip-path ids).
 */

export interface ChartSize {
  readonly width: number;
  readonly height: number;
}

export interface StatementCharts {
  readonly byCategory: string;
  readonly byRole: string;
  readonly gantt: string;
}

/** One warning colour (over budget beyond the threshold, late); nothing else is drawn in it. */
export const WARNING_COLOR = '#c2410c';
const COLORS = {
  budget: '#9fb3c8',
  actual: '#1f5f99',
  over: WARNING_COLOR,
  plan: '#c7d3df',
  late: WARNING_COLOR,
};
/**
 * Chart text takes the font of the document the SVG sits in: ECharts writes the family into each
 * `<text>`'s style, and a fixed Latin stack there kept a Chinese statement's embedded face (see
 * web-font.ts) from its chart labels, which showed boxes. The PDF picks its faces itself.
 */
const FONT = 'inherit';

function render(id: string, size: ChartSize, option: EChartsCoreOption): string {
  const chart = echarts.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: size.width,
    height: size.height,
  });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT }, ...option });
    const svg = chart.renderToSVGString();
    // ECharts numbers instances and style classes process-wide ("zr3-c0", "zr3-cls-15"): renumber
    // them per chart so the same statement always renders the same bytes.
    const classes = new Map<string, number>();
    return svg
      .replace(/\bzr\d+-/g, `${id}-`)
      .replace(new RegExp(`\\b${id}-cls-(\\d+)\\b`, 'g'), (_match, n: string) => {
        if (!classes.has(n)) classes.set(n, classes.size);
        return `${id}-cls-${classes.get(n)}`;
      });
  } finally {
    chart.dispose();
  }
}

/** Chart geometry only: a decimal string as a number (amounts never leave the view as floats). */
const toNumber = (value: string): number => Number(value);

/**
 * Budget-vs-actual grouped bars; an actual bar that exceeds its budget by more than the warning
 * threshold (percent) is drawn in the warning colour, any other in the neutral actual colour.
 */
export function renderBudgetVsActualChart(
  id: string,
  title: string,
  rows: readonly { label: string; budget: string; actual: string }[],
  locale: StatementLocale,
  size: ChartSize = { width: 720, height: 300 },
  warningPercent = 0,
): string {
  const over = (row: { budget: string; actual: string }) =>
    toNumber(row.actual) > toNumber(row.budget) * (1 + warningPercent / 100);
  const t = labelsFor(locale);
  return render(id, size, {
    title: { text: title, left: 'center', textStyle: { fontSize: 14, fontFamily: FONT } },
    legend: { data: [t('budget'), t('actual')], top: 34, textStyle: { fontFamily: FONT } },
    grid: { left: 80, right: 20, top: 70, bottom: 40 },
    xAxis: { type: 'category', data: rows.map((row) => row.label), axisLabel: { interval: 0 } },
    yAxis: { type: 'value' },
    series: [
      {
        name: t('budget'),
        type: 'bar',
        itemStyle: { color: COLORS.budget },
        data: rows.map((row) => toNumber(row.budget)),
      },
      {
        name: t('actual'),
        type: 'bar',
        itemStyle: { color: COLORS.actual },
        data: rows.map((row) => ({
          value: toNumber(row.actual),
          itemStyle: { color: over(row) ? COLORS.over : COLORS.actual },
        })),
      },
    ],
  });
}

const DAY = 86_400_000;
const toTime = (date: string): number => Date.parse(`${date}T00:00:00Z`);

/**
 * A Gantt of the milestones: a light plan bar and, below it, the actual bar (red when it ended
 * after the plan). Milestones not reached have no actual bar.
 */
export function renderMilestoneGantt(
  id: string,
  title: string,
  milestones: readonly Milestone[],
  locale: StatementLocale,
  size: ChartSize = { width: 720, height: 70 + 40 * Math.max(milestones.length, 1) + 40 },
): string {
  const t = labelsFor(locale);
  const names = milestones.map((milestone) => milestone.name);
  const times = milestones.flatMap((m) =>
    [m.planStart, m.planEnd, m.actualStart, m.actualEnd]
      .filter((d): d is string => d !== undefined)
      .map(toTime),
  );
  const min = times.length ? Math.min(...times) - DAY : 0;
  const max = times.length ? Math.max(...times) + 2 * DAY : DAY;
  const planData = milestones.map((m, index) => [index, toTime(m.planStart), toTime(m.planEnd) + DAY]);
  const actualData = milestones.flatMap((m, index) =>
    m.actualEnd === undefined
      ? []
      : [
          {
            value: [index, toTime(m.actualStart ?? m.planStart), toTime(m.actualEnd) + DAY],
            itemStyle: { color: m.actualEnd > m.planEnd ? COLORS.late : COLORS.actual },
          },
        ],
  );
  const bar =
    (offset: number) =>
    (params: unknown, api: CustomSeriesRenderItemAPI): CustomSeriesRenderItemReturn => {
      void params;
      const row = api.value(0);
      const start = api.coord([api.value(1), row]);
      const end = api.coord([api.value(2), row]);
      const band = (api.size?.([0, 1]) as number[] | undefined)?.[1] ?? 30;
      const height = band * 0.3;
      return {
        type: 'rect',
        shape: {
          x: start[0] ?? 0,
          y: (start[1] ?? 0) + offset * height - height,
          width: (end[0] ?? 0) - (start[0] ?? 0),
          height,
        },
        style: { fill: api.visual('color') as string },
      };
    };
  return render(id, size, {
    title: { text: title, left: 'center', textStyle: { fontSize: 14, fontFamily: FONT } },
    legend: { data: [t('plan'), t('actual')], top: 34, textStyle: { fontFamily: FONT } },
    grid: { left: 170, right: 30, top: 70, bottom: 30 },
    xAxis: {
      type: 'value',
      min,
      max,
      splitNumber: 6,
      axisLabel: {
        formatter: (value: number) => formatDayMonth(new Date(value).toISOString().slice(0, 10), locale),
      },
    },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 160, overflow: 'truncate' } },
    series: [
      {
        name: t('plan'),
        type: 'custom',
        renderItem: bar(0),
        itemStyle: { color: COLORS.plan },
        encode: { x: [1, 2], y: 0 },
        data: planData,
      },
      {
        name: t('actual'),
        type: 'custom',
        renderItem: bar(1),
        itemStyle: { color: COLORS.actual },
        encode: { x: [1, 2], y: 0 },
        data: actualData,
      },
    ],
  });
}

// The HTML and the PDF of a document draw the same charts from the same view object: drawn once.
const drawn = new WeakMap<StatementView, Map<StatementLocale, StatementCharts>>();

/** The three charts of a statement, labelled in `locale` (the PDF may pass a fallback locale). */
export function renderStatementCharts(
  view: StatementView,
  locale: StatementLocale = view.locale,
): StatementCharts {
  let byLocale = drawn.get(view);
  if (!byLocale) {
    byLocale = new Map();
    drawn.set(view, byLocale);
  }
  let charts = byLocale.get(locale);
  if (!charts) {
    charts = drawCharts(view, locale);
    byLocale.set(locale, charts);
  }
  return charts;
}

function drawCharts(view: StatementView, locale: StatementLocale): StatementCharts {
  const t = labelsFor(locale);
  return {
    byCategory: renderBudgetVsActualChart(
      'chart-category',
      t('chartBudgetVsActualCategory'),
      view.totals.costByCategory.map((row) => ({ label: t(categoryKey(row.category)), ...row })),
      locale,
      undefined,
      view.varianceWarningPercent,
    ),
    byRole: renderBudgetVsActualChart(
      'chart-role',
      t('chartBudgetVsActualRole'),
      view.totals.labourByRole.map((row) => ({ label: row.role, ...row })),
      locale,
      undefined,
      view.varianceWarningPercent,
    ),
    gantt: renderMilestoneGantt('chart-gantt', t('chartGantt'), view.milestones, locale),
  };
}

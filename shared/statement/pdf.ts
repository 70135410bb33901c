import { type Font, create as parseFont } from 'fontkit';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { renderStatementCharts, WARNING_COLOR } from './charts.ts';
import { clauseCoverageCells } from './clause-coverage.ts';
import { contractPriceTables, type PriceCell } from './contract-prices.ts';
import { type FontFace, needsCjkFont, statementFontBytes, statementFonts } from './fonts.ts';
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
import type { StatementLocale, StatementView } from './view.ts';

/**
 * The PDF statement (the emailed "brief"), drawn with pdfkit; charts are the same ECharts SVGs as
 * the HTML, placed with svg-to-pdfkit.
 *
 * Fonts: Noto Sans (Latin) and Noto Sans SC (Chinese), shipped with the dependencies (see
 * fonts.ts) and subset on embedding; no system font is ever read, so the same view gives the same
 * bytes on any machine. A zh-CN statement is set in Noto Sans SC throughout; an English one in Noto
 * Sans, with any string that holds Chinese characters (a client's or a site's name) in Noto Sans SC.
 *
 * Reproducible: CreationDate/ModDate are the issue date, so the same view gives the same bytes.
 */

export interface StatementPdf {
  readonly bytes: Buffer;
  /** The font files embedded (absolute paths), for diagnostics. */
  readonly fonts: readonly string[];
}

const PAGE = { width: 595.28, height: 841.89, margin: 40 };
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin - 16;
const BLUE = '#1f5f99';
const GREY = '#5a6878';
const RED = '#c0392b';
const GOOD = '#23663a';

/** A table cell: text, or text in a colour (variances). */
type Cell = string | { readonly text: string; readonly color: string; readonly bold?: boolean };
const textOf = (cell: Cell): string => (typeof cell === 'string' ? cell : cell.text);

interface Column {
  readonly label: string;
  /** Share of the content width. */
  readonly width: number;
  readonly align?: 'left' | 'right';
}

const parsed: Partial<Record<FontFace, Font>> = {};

/**
 * A statement font parsed once per process and shared by every PDF (draft, final, each audience
 * and language). Given a path, pdfkit reads and parses the file again on each `font()` call that
 * switches to it (one per table cell: the 10 MB CJK file dozens of times per document); given the
 * parsed font it only wraps it. Sharing is safe: fontkit's subsets copy what they change.
 */
function parsedFont(face: FontFace): string {
  parsed[face] ??= parseFont(statementFontBytes(face)) as Font;
  // pdfkit takes a fontkit font wherever it takes a font source (anything with `layout`); its types
  // list only paths and bytes, and the document's default font only as a path.
  return parsed[face] as unknown as string;
}

/**
 * An English statement is set in the Latin face; a string with Chinese characters in it is set in
 * the CJK face of the same weight, so a client's or a site's Chinese name never turns into boxes.
 */
function setCjkFallback(doc: PDFKit.PDFDocument): void {
  let current = 'Latin';
  const setFont = doc.font.bind(doc) as (name: string) => PDFKit.PDFDocument;
  const cjkOf = (name: string) => (name.startsWith('Latin') ? name.replace('Latin', 'CJK') : name);
  const withFontFor = <T>(text: unknown, draw: () => T): T => {
    if (typeof text !== 'string' || !needsCjkFont(text) || cjkOf(current) === current) return draw();
    const previous = current;
    setFont(cjkOf(previous));
    try {
      return draw();
    } finally {
      setFont(previous);
    }
  };
  const font = doc.font.bind(doc) as (...args: unknown[]) => PDFKit.PDFDocument;
  const text = doc.text.bind(doc) as (...args: unknown[]) => PDFKit.PDFDocument;
  const heightOfString = doc.heightOfString.bind(doc) as (...args: unknown[]) => number;
  Object.assign(doc, {
    font: (...args: unknown[]) => {
      if (typeof args[0] === 'string') current = args[0];
      return font(...args);
    },
    text: (...args: unknown[]) => withFontFor(args[0], () => text(...args)),
    heightOfString: (...args: unknown[]) => withFontFor(args[0], () => heightOfString(...args)),
  });
}

/** Renders the statement as a PDF. */
export async function renderStatementPdf(view: StatementView): Promise<StatementPdf> {
  const fonts = statementFonts();
  const labelLocale: StatementLocale = view.locale;
  const t = labelsFor(labelLocale);
  const issued = new Date(`${view.issueDate}T00:00:00Z`);
  const internal = view.audience === 'internal';
  const title = `${titleOf(view, t)} ${view.number}`;

  const doc = new PDFDocument({
    size: 'A4',
    // The default would load Helvetica's metrics from pdfkit's data folder; the shipped font needs nothing.
    font: parsedFont('latin'),
    margins: { top: PAGE.margin, bottom: PAGE.margin, left: PAGE.margin, right: PAGE.margin },
    bufferPages: true,
    compress: true,
    lang: labelLocale,
    displayTitle: true,
    info: {
      Title: title,
      Author: view.tenant.companyName,
      Subject: `${view.project.name} · ${view.period.label}`,
      Creator: 'project-settlement',
      Producer: 'project-settlement (pdfkit)',
      CreationDate: issued,
      ModDate: issued,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.registerFont('Latin', parsedFont('latin'));
  doc.registerFont('Latin-Bold', parsedFont('latinBold'));
  doc.registerFont('CJK', parsedFont('cjk'));
  doc.registerFont('CJK-Bold', parsedFont('cjkBold'));
  const zh = view.locale === 'zh-CN';
  const body = zh ? 'CJK' : 'Latin';
  const heavy = zh ? 'CJK-Bold' : 'Latin-Bold';
  setCjkFallback(doc);
  const money = (amount: string) => formatAmount(amount, view.currency, view.locale);
  const plain = (amount: string) => formatNumber(amount, view.currency, view.locale);
  const date = (value: string) => formatDate(value, labelLocale);
  const toned = (text: string, variance: string, percent: string | null): Cell => {
    const tone = varianceTone(variance, percent, view.varianceWarningPercent);
    if (tone === 'within') return text;
    return tone === 'over' ? { text, color: WARNING_COLOR, bold: true } : { text, color: GOOD };
  };

  const ensureSpace = (height: number) => {
    if (doc.y + height > BOTTOM) doc.addPage();
  };
  const heading = (text: string) => {
    ensureSpace(60);
    doc.moveDown(0.6).font(heavy).fontSize(12).fillColor(BLUE).text(text, PAGE.margin, doc.y);
    doc.moveDown(0.2).fillColor('black');
  };

  const table = (
    columns: readonly Column[],
    rows: readonly (readonly Cell[])[],
    total?: readonly string[],
  ) => {
    const widths = columns.map((c) => c.width * CONTENT_WIDTH);
    const pad = 3;
    const rowHeight = (cells: readonly Cell[], font: string) => {
      doc.font(font).fontSize(7.5);
      return (
        Math.max(
          ...cells.map((cell, i) =>
            doc.heightOfString(textOf(cell) || ' ', { width: (widths[i] ?? 20) - 2 * pad }),
          ),
        ) +
        2 * pad
      );
    };
    const drawRow = (cells: readonly Cell[], font: string, fill?: string, topRule = false) => {
      const height = rowHeight(cells, font);
      const y = doc.y;
      if (fill) doc.rect(PAGE.margin, y, CONTENT_WIDTH, height).fill(fill);
      if (topRule)
        doc
          .moveTo(PAGE.margin, y)
          .lineTo(PAGE.margin + CONTENT_WIDTH, y)
          .lineWidth(1)
          .stroke('#1d2733');
      let x = PAGE.margin;
      cells.forEach((cell, i) => {
        const width = widths[i] ?? 20;
        doc
          .font(typeof cell === 'string' || !cell.bold ? font : heavy)
          .fontSize(7.5)
          .fillColor(typeof cell === 'string' ? '#1d2733' : cell.color)
          .text(textOf(cell), x + pad, y + pad, {
            width: width - 2 * pad,
            align: columns[i]?.align ?? 'left',
          });
        x += width;
      });
      doc
        .moveTo(PAGE.margin, y + height)
        .lineTo(PAGE.margin + CONTENT_WIDTH, y + height)
        .lineWidth(0.4)
        .stroke('#d8dee6');
      doc.x = PAGE.margin;
      doc.y = y + height;
    };
    const header = columns.map((c) => c.label);
    ensureSpace(rowHeight(header, heavy) + rowHeight(rows[0] ?? header, body));
    drawRow(header, heavy, '#eef2f6');
    for (const row of rows) {
      if (doc.y + rowHeight(row, body) > BOTTOM) {
        doc.addPage();
        drawRow(header, heavy, '#eef2f6');
      }
      drawRow(row, body);
    }
    if (total) {
      ensureSpace(rowHeight(total, heavy));
      drawRow(total, heavy, undefined, true);
    }
    doc.moveDown(0.5);
  };

  // Header: title and meta left, issuer right.
  doc.font(heavy).fontSize(18).fillColor(BLUE).text(titleOf(view, t), PAGE.margin, PAGE.margin, {
    width: 320,
  });
  if (view.number === 'DRAFT') doc.fillColor(RED).fontSize(12).text(t('draft').toUpperCase(), { width: 320 });
  const meta: [string, string | undefined][] = [
    [t('number'), view.number],
    [t('corrects'), view.corrects],
    [t('revision'), view.revision > 0 ? String(view.revision) : undefined],
    [t('issueDate'), date(view.issueDate)],
    [t('dueDate'), view.dueDate === undefined ? undefined : date(view.dueDate)],
    [
      t('period'),
      `${periodLabel(t, view.period.label)} (${date(view.period.from)} – ${date(view.period.to)})`,
    ],
    [t('currency'), view.currency],
  ];
  doc.moveDown(0.3).fontSize(9);
  for (const [label, value] of meta) {
    if (value === undefined) continue;
    doc.font(body).fillColor(GREY).text(`${label}: `, { continued: true, width: 320 });
    doc.font(heavy).fillColor('black').text(value);
  }
  const afterMeta = doc.y;
  doc
    .font(body)
    .fontSize(8.5)
    .fillColor(GREY)
    .text(t('issuer'), PAGE.margin + 340, PAGE.margin, { width: CONTENT_WIDTH - 340 })
    .font(heavy)
    .fillColor('black')
    .text(view.tenant.companyName, { width: CONTENT_WIDTH - 340 })
    .font(body)
    .text(
      [...view.tenant.address, ...(view.tenant.taxId ? [`${t('taxId')}: ${view.tenant.taxId}`] : [])].join(
        '\n',
      ),
      {
        width: CONTENT_WIDTH - 340,
      },
    );
  doc.y = Math.max(afterMeta, doc.y) + 6;
  doc
    .moveTo(PAGE.margin, doc.y)
    .lineTo(PAGE.margin + CONTENT_WIDTH, doc.y)
    .lineWidth(1.5)
    .stroke(BLUE);
  doc.moveDown(0.6);

  // Parties.
  const partiesTop = doc.y;
  doc
    .font(body)
    .fontSize(8.5)
    .fillColor(GREY)
    .text(`${t('counterparty')} (${t(`counterparty.${view.counterparty.kind}`)})`, PAGE.margin, partiesTop, {
      width: 250,
    })
    .font(heavy)
    .fillColor('black')
    .text(view.counterparty.name, { width: 250 })
    .font(body)
    .text(
      [
        ...view.counterparty.address,
        ...(view.counterparty.reference ? [view.counterparty.reference] : []),
      ].join('\n'),
      {
        width: 250,
      },
    );
  const afterCounterparty = doc.y;
  doc
    .fillColor(GREY)
    .text(t('project'), PAGE.margin + 280, partiesTop, { width: CONTENT_WIDTH - 280 })
    .font(heavy)
    .fillColor('black')
    .text(`${view.project.name} (${view.project.id})`, { width: CONTENT_WIDTH - 280 })
    .font(body)
    .text(
      [view.project.contractRef, contractTypeLabel(t, view.project.contractType)].filter(Boolean).join(', '),
      {
        width: CONTENT_WIDTH - 280,
      },
    );
  if (view.revisionReason)
    doc.text(`${t('revisionReason')}: ${view.revisionReason}`, { width: CONTENT_WIDTH - 280 });
  doc.y = Math.max(afterCounterparty, doc.y) + 4;

  // Summary tiles.
  heading(t('summary'));
  const forecast = view.forecastWarning;
  if (internal && forecast) {
    const text = fill(t('forecastWarning'), {
      eac: money(forecast.eac),
      bac: money(forecast.budgetAtCompletion),
      percent: formatPercent(forecast.percent, view.locale),
      threshold: formatPercent(String(forecast.thresholdPercent), view.locale),
    });
    doc.font(body).fontSize(8.5);
    const height = doc.heightOfString(text, { width: CONTENT_WIDTH - 14 }) + 8;
    const top = doc.y;
    doc.rect(PAGE.margin, top, CONTENT_WIDTH, height).fill('#fdf1d8');
    doc.rect(PAGE.margin, top, 3, height).fill(WARNING_COLOR);
    doc.fillColor('#5c3b00').text(text, PAGE.margin + 10, top + 4, { width: CONTENT_WIDTH - 14 });
    doc.x = PAGE.margin;
    doc.y = top + height + 6;
  }
  const tiles: [MessageKey, string][] = [
    ...(internal
      ? ([
          ['totalBudget', view.totals.totalBudget],
          ['totalCost', view.totals.totalCost],
        ] as [MessageKey, string][])
      : []),
    ['billing', view.totals.billing],
    ['retention', view.totals.retention],
    ['netDue', view.totals.netDue],
  ];
  const tileWidth = (CONTENT_WIDTH - (tiles.length - 1) * 6) / tiles.length;
  const tilesTop = doc.y;
  tiles.forEach(([key, amount], i) => {
    const x = PAGE.margin + i * (tileWidth + 6);
    doc
      .roundedRect(x, tilesTop, tileWidth, 38, 4)
      .lineWidth(key === 'netDue' ? 1.2 : 0.6)
      .stroke(key === 'netDue' ? BLUE : '#d8dee6');
    doc
      .font(body)
      .fontSize(7.5)
      .fillColor(GREY)
      .text(t(key), x + 5, tilesTop + 5, { width: tileWidth - 10 });
    doc
      .font(heavy)
      .fontSize(10)
      .fillColor('black')
      .text(money(amount), x + 5, tilesTop + 19, { width: tileWidth - 10 });
  });
  doc.x = PAGE.margin;
  doc.y = tilesTop + 46;

  // Charts (SVG from ECharts, scaled to the content width).
  const charts = renderStatementCharts(view, labelLocale);
  const warnings: string[] = [];
  // A budget without labour roles has no role chart to draw.
  const roleChart = view.totals.labourByRole.length ? [charts.byRole] : [];
  for (const svg of internal ? [charts.byCategory, ...roleChart, charts.gantt] : [charts.gantt]) {
    const [, w = '720', h = '300'] = /<svg width="(\d+)" height="(\d+)"/.exec(svg) ?? [];
    const height = (Number(h) / Number(w)) * CONTENT_WIDTH;
    ensureSpace(height + 8);
    const svgFont = needsCjkFont(svg) ? { body: 'CJK', heavy: 'CJK-Bold' } : { body, heavy };
    SVGtoPDF(doc, svg, PAGE.margin, doc.y, {
      width: CONTENT_WIDTH,
      height,
      fontCallback: (_family: string, isBold: boolean) => (isBold ? svgFont.heavy : svgFont.body),
      warningCallback: (message) => warnings.push(message),
    });
    doc.x = PAGE.margin;
    doc.y += height + 8;
  }

  if (internal) {
    heading(t('lines'));
    table(
      [
        { label: t('category'), width: 0.12 },
        { label: t('description'), width: 0.32 },
        { label: t('role'), width: 0.16 },
        { label: t('quantity'), width: 0.12, align: 'right' },
        { label: t('unitRate'), width: 0.12, align: 'right' },
        { label: t('amount'), width: 0.16, align: 'right' },
      ],
      view.lines.map((l) => [
        t(categoryKey(l.category)),
        l.description,
        l.role ?? '',
        l.quantity === undefined ? '' : `${formatQuantity(l.quantity, view.locale)} ${unitLabel(t, l.unit)}`,
        l.unitRate === undefined ? '' : plain(l.unitRate),
        plain(l.amount),
      ]),
      [t('total'), '', '', '', '', money(view.totals.totalCost)],
    );

    heading(t('varianceAnalysis'));
    table(
      [
        { label: t('dimension'), width: 0.1 },
        { label: t('key'), width: 0.15 },
        { label: t('budget'), width: 0.12, align: 'right' },
        { label: t('actual'), width: 0.12, align: 'right' },
        { label: t('variance'), width: 0.12, align: 'right' },
        { label: t('percent'), width: 0.09, align: 'right' },
        { label: t('flag'), width: 0.09 },
        { label: t('cause'), width: 0.21 },
      ],
      view.variance.map((r) => [
        dimensionLabel(t, r.dimension),
        varianceRowLabel(t, r),
        plain(r.budget),
        plain(r.actual),
        toned(plain(r.variance), r.variance, r.percent),
        toned(formatPercent(r.percent, view.locale), r.variance, r.percent),
        t(flagKey(r.flag)),
        causeIn(view.locale, r),
      ]),
    );

    const prices = contractPriceTables(view);
    if (prices) {
      heading(prices.title);
      doc
        .font(body)
        .fontSize(7.5)
        .fillColor('#5a6878')
        .text(prices.note, PAGE.margin, doc.y, { width: CONTENT_WIDTH });
      const cellOf = (c: PriceCell): Cell =>
        c.tone === 'over'
          ? { text: c.text, color: WARNING_COLOR, bold: true }
          : c.tone === 'under'
            ? { text: c.text, color: GOOD }
            : c.text;
      for (const priced of prices.tables) {
        ensureSpace(50);
        doc
          .moveDown(0.4)
          .font(heavy)
          .fontSize(9)
          .fillColor('#1d2733')
          .text(priced.heading, PAGE.margin, doc.y);
        doc.moveDown(0.2);
        table(
          priced.header.map((h) => ({
            label: h.label,
            width: h.width,
            ...(h.numeric ? { align: 'right' as const } : {}),
          })),
          priced.rows.map((row) => row.map(cellOf)),
          priced.total?.map((c) => c.text),
        );
      }
      if (prices.unmatched)
        doc
          .font(body)
          .fontSize(7.5)
          .fillColor('#5a6878')
          .text(prices.unmatched, PAGE.margin, doc.y, { width: CONTENT_WIDTH });
      doc.fillColor('black');
    }

    heading(t('evm'));
    const { evm } = view;
    table(
      [
        { label: 'PV', width: 1 / 6, align: 'right' },
        { label: 'EV', width: 1 / 6, align: 'right' },
        { label: 'AC', width: 1 / 6, align: 'right' },
        { label: 'CV', width: 1 / 6, align: 'right' },
        { label: 'SV', width: 1 / 6, align: 'right' },
        { label: 'CPI', width: 1 / 6, align: 'right' },
      ],
      [
        [
          plain(evm.pv),
          plain(evm.ev),
          plain(evm.ac),
          plain(evm.cv),
          plain(evm.sv),
          formatRatio(evm.cpi, view.locale),
        ],
      ],
    );
    table(
      [
        { label: 'SPI', width: 1 / 6, align: 'right' },
        { label: 'EAC', width: 1 / 6, align: 'right' },
        { label: 'ETC', width: 1 / 6, align: 'right' },
        { label: 'VAC', width: 1 / 6, align: 'right' },
        { label: 'TCPI', width: 1 / 6, align: 'right' },
        { label: '', width: 1 / 6 },
      ],
      [
        [
          formatRatio(evm.spi, view.locale),
          plain(evm.eac),
          plain(evm.etc),
          plain(evm.vac),
          formatRatio(evm.tcpi, view.locale),
          '',
        ],
      ],
    );
  }
  heading(t('billingLines'));
  const negRetention = negated(view.totals.retention);
  table(
    [
      { label: t('description'), width: 0.3 },
      { label: t('basis'), width: 0.16 },
      { label: t('quantity'), width: 0.09, align: 'right' },
      { label: t('unitPrice'), width: 0.12, align: 'right' },
      { label: t('amount'), width: 0.15, align: 'right' },
      { label: t('reason'), width: 0.18 },
    ],
    [
      ...view.billing.map((b) => [
        b.description,
        basisLabel(t, b.basis),
        b.quantity === undefined ? '' : formatQuantity(b.quantity, view.locale),
        b.unitPrice === undefined ? '' : plain(b.unitPrice),
        plain(b.amount),
        b.reason ?? '',
      ]),
      [t('billing'), '', '', '', money(view.totals.billing), ''],
      [t('retention'), '', '', '', money(negRetention), ''],
    ],
    [t('netDue'), '', '', '', money(view.totals.netDue), ''],
  );

  if (internal) {
    heading(t('checklist'));
    table(
      [
        { label: t('check'), width: 0.3 },
        { label: t('status'), width: 0.1 },
        { label: t('severity'), width: 0.1 },
        { label: t('evidence'), width: 0.5 },
      ],
      view.checklist.map((c) => [
        checkIn(view.locale, c),
        t(statusKey(c.status)),
        t(severityKey(c.severity)),
        c.evidence,
      ]),
    );
    if (view.clauses?.length) {
      const clauses = clauseCoverageCells({ ...view, locale: labelLocale });
      heading(clauses.title);
      table(
        clauses.header.map((label, i) => ({ label, width: [0.16, 0.42, 0.27, 0.15][i] ?? 0.1 })),
        clauses.rows,
      );
    }
  }

  heading(t('milestones'));
  table(
    [
      { label: t('milestone'), width: 0.4 },
      { label: t('planStart'), width: 0.2 },
      { label: t('planEnd'), width: 0.2 },
      { label: t(internal ? 'actualEnd' : 'accepted'), width: 0.2 },
    ],
    view.milestones.map((m) => [
      m.name,
      date(m.planStart),
      date(m.planEnd),
      m.actualEnd === undefined ? t(internal ? 'notReached' : 'notAccepted') : date(m.actualEnd),
    ]),
  );

  if (internal) {
    heading(t('quarantine'));
    if (view.quarantine.length === 0) doc.font(body).fontSize(8.5).fillColor(GREY).text(t('noQuarantine'));
    else
      table(
        [
          { label: t('source'), width: 0.25 },
          { label: t('count'), width: 0.15, align: 'right' },
          { label: t('reason'), width: 0.6 },
        ],
        view.quarantine.map((q) => [q.source, String(q.count), q.reason ?? '']),
        [t('total'), String(view.quarantine.reduce((sum, q) => sum + q.count, 0)), ''],
      );

    if (view.lateEdits?.length) {
      heading(t('lateEdits'));
      table(
        [
          { label: t('period'), width: 0.1 },
          { label: t('source'), width: 0.12 },
          { label: t('record'), width: 0.24 },
          { label: t('change'), width: 0.12 },
          { label: t('oldNew'), width: 0.24 },
          { label: t('lateEditAction'), width: 0.18 },
        ],
        view.lateEdits.map((r) => [
          r.period,
          r.source,
          r.record,
          r.change,
          `${r.before ?? '—'} → ${r.after ?? '—'}`,
          t(`lateEdit.${r.action}`),
        ]),
      );
    }

    heading(t('journal'));
    table(
      [
        { label: t('date'), width: 0.12 },
        { label: t('account'), width: 0.08 },
        { label: t('accountName'), width: 0.2 },
        { label: t('debit'), width: 0.14, align: 'right' },
        { label: t('credit'), width: 0.14, align: 'right' },
        { label: t('memo'), width: 0.32 },
      ],
      view.journal.map((j) => [
        j.date,
        j.account,
        j.accountName ?? '',
        plain(j.debit),
        plain(j.credit),
        j.memo,
      ]),
      [
        t('total'),
        '',
        '',
        plain(sumDecimals(view.journal.map((j) => j.debit))),
        plain(sumDecimals(view.journal.map((j) => j.credit))),
        '',
      ],
    );

    heading(t('approvals'));
    if (view.approvals.length === 0) doc.font(body).fontSize(8.5).fillColor(GREY).text(t('noApprovals'));
    else
      table(
        [
          { label: t('step'), width: 0.07, align: 'right' },
          { label: t('who'), width: 0.3 },
          { label: t('decision'), width: 0.12 },
          { label: t('when'), width: 0.18 },
          { label: t('comment'), width: 0.33 },
        ],
        view.approvals.map((a) => [
          a.step === undefined ? '' : String(a.step),
          [a.who + (a.onBehalfOf ? ` (${t('onBehalfOf')} ${a.onBehalfOf})` : ''), a.role]
            .filter(Boolean)
            .join('\n'),
          t(`decision.${a.decision}`),
          formatTimestamp(a.at),
          a.comment ?? '',
        ]),
      );
  }
  // Footer on every page (drawn last, when the page count is known).
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    doc.page.margins.bottom = 0;
    doc
      .font(body)
      .fontSize(7)
      .fillColor(GREY)
      .text(
        `${view.tenant.companyName} · ${view.number} · ${view.settlementId} · ${t('page')} ${i + 1}/${range.count}`,
        PAGE.margin,
        PAGE.height - PAGE.margin + 8,
        { width: CONTENT_WIDTH, align: 'center', lineBreak: false },
      );
    doc.page.margins.bottom = PAGE.margin;
  }
  doc.end();
  const bytes = await done;
  return { bytes, fonts: [fonts.latin, fonts.latinBold, fonts.cjk, fonts.cjkBold] };
}

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { renderStatementCharts } from './charts.ts';
import { clauseCoverageCells } from './clause-coverage.ts';
import {
  categoryKey,
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
  severityKey,
  statusKey,
  varianceKeyLabel,
} from './format.ts';
import { sumDecimals } from './journal.ts';
import type { StatementLocale, StatementView } from './view.ts';

/**
 * The PDF statement (the emailed "brief"), drawn with pdfkit; charts are the same ECharts SVGs as
 * the HTML, placed with svg-to-pdfkit.
 *
 * Fonts: no font is downloaded or bundled. A Unicode font (DejaVu Sans) is embedded when installed,
 * else the PDF standard Helvetica. Chinese needs a CJK font: one is embedded when found under the
 * font directories (Noto CJK, Source Han, WenQuanYi, AR PL… as .ttf/.otf) or given explicitly. When
 * the view is zh-CN and no CJK font exists, the labels fall back to English and any CJK characters
 * in the data are replaced by "?" (the HTML statement stays the complete zh-CN rendition); the
 * result says so (`cjkFallback`).
 *
 * Reproducible: CreationDate/ModDate are the issue date, so the same view gives the same bytes.
 */

export interface PdfOptions {
  /** Where to look for fonts; default /usr/share/fonts and /usr/local/share/fonts. */
  readonly fontDirectories?: readonly string[];
  /** An explicit CJK-capable TrueType/OpenType font file (skips the search). */
  readonly cjkFontPath?: string;
}

export interface StatementPdf {
  readonly bytes: Buffer;
  /** The locale the labels were written in (en when zh-CN fell back). */
  readonly labelLocale: StatementLocale;
  /** The body font: a file path, or "Helvetica". */
  readonly font: string;
  /** The embedded CJK font file, if any. */
  readonly cjkFont: string | undefined;
  /** True when a zh-CN view was rendered with English labels for lack of a CJK font. */
  readonly cjkFallback: boolean;
}

const DEFAULT_FONT_DIRECTORIES = ['/usr/share/fonts', '/usr/local/share/fonts'];
const CJK_FONT_NAME =
  /(cjk|sourcehan|source-han|wqy|wenquanyi|droidsansfallback|ukai|uming|arphic|simsun|simhei|msyh|notosanssc|notoserifsc|sarasa|hanazono)/i;
// Collections (.ttc) need a PostScript name to pick a face; only single-face files are used.
const FONT_FILE = /\.(ttf|otf)$/i;

function walkFonts(directories: readonly string[]): string[] {
  const found: string[] = [];
  const visit = (directory: string, depth: number) => {
    if (depth > 4 || !existsSync(directory)) return;
    for (const name of readdirSync(directory).sort()) {
      const path = join(directory, name);
      const stats = statSync(path, { throwIfNoEntry: false });
      if (stats?.isDirectory()) visit(path, depth + 1);
      else if (stats?.isFile() && FONT_FILE.test(name)) found.push(path);
    }
  };
  for (const directory of directories) visit(directory, 0);
  return found;
}

/** The installed fonts the PDF would use (body regular/bold, CJK), searched once per process per directory set. */
export function findStatementFonts(options: PdfOptions = {}): {
  regular: string | undefined;
  bold: string | undefined;
  cjk: string | undefined;
} {
  const files = walkFonts(options.fontDirectories ?? DEFAULT_FONT_DIRECTORIES);
  const named = (name: string) => files.find((file) => file.endsWith(`/${name}`));
  const cjk =
    options.cjkFontPath ??
    files.find((file) => CJK_FONT_NAME.test(file) && !/bold|black|heavy|light|thin/i.test(file)) ??
    files.find((file) => CJK_FONT_NAME.test(file));
  return { regular: named('DejaVuSans.ttf'), bold: named('DejaVuSans-Bold.ttf'), cjk };
}

// CJK ideographs, kana, hangul, CJK punctuation and full-width forms.
const CJK =
  /[\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]/g;

const PAGE = { width: 595.28, height: 841.89, margin: 40 };
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin - 16;
const BLUE = '#1f5f99';
const GREY = '#5a6878';
const RED = '#c0392b';

interface Column {
  readonly label: string;
  /** Share of the content width. */
  readonly width: number;
  readonly align?: 'left' | 'right';
}

/** Renders the statement as a PDF. */
export async function renderStatementPdf(
  view: StatementView,
  options: PdfOptions = {},
): Promise<StatementPdf> {
  const fonts = findStatementFonts(options);
  const cjkFallback = view.locale === 'zh-CN' && fonts.cjk === undefined;
  const labelLocale: StatementLocale = cjkFallback ? 'en' : view.locale;
  const t = labelsFor(labelLocale);
  const issued = new Date(`${view.issueDate}T00:00:00Z`);
  const title = `${t(view.kind as MessageKey)} ${view.number}`;

  const doc = new PDFDocument({
    size: 'A4',
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

  // With a CJK font, it is the body font (it covers Latin too); else DejaVu; else Helvetica.
  const regular = fonts.cjk ?? fonts.regular;
  const bold = fonts.cjk ?? fonts.bold ?? regular;
  if (regular) doc.registerFont('Body', regular);
  if (bold) doc.registerFont('Body-Bold', bold);
  const body = regular ? 'Body' : 'Helvetica';
  const heavy = bold ? 'Body-Bold' : 'Helvetica-Bold';
  /** Text as the font can show it. */
  const s = (text: string): string => (fonts.cjk === undefined ? text.replace(CJK, '?') : text);
  const money = (amount: string) => s(formatAmount(amount, view.currency, view.locale));
  const plain = (amount: string) => s(formatNumber(amount, view.currency, view.locale));
  const date = (value: string) => s(formatDate(value, labelLocale));

  const ensureSpace = (height: number) => {
    if (doc.y + height > BOTTOM) doc.addPage();
  };
  const heading = (text: string) => {
    ensureSpace(60);
    doc.moveDown(0.6).font(heavy).fontSize(12).fillColor(BLUE).text(s(text), PAGE.margin, doc.y);
    doc.moveDown(0.2).fillColor('black');
  };

  const table = (
    columns: readonly Column[],
    rows: readonly (readonly string[])[],
    total?: readonly string[],
  ) => {
    const widths = columns.map((c) => c.width * CONTENT_WIDTH);
    const pad = 3;
    const rowHeight = (cells: readonly string[], font: string) => {
      doc.font(font).fontSize(7.5);
      return (
        Math.max(
          ...cells.map((cell, i) =>
            doc.heightOfString(s(cell) || ' ', { width: (widths[i] ?? 20) - 2 * pad }),
          ),
        ) +
        2 * pad
      );
    };
    const drawRow = (cells: readonly string[], font: string, fill?: string, topRule = false) => {
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
          .font(font)
          .fontSize(7.5)
          .fillColor('#1d2733')
          .text(s(cell), x + pad, y + pad, { width: width - 2 * pad, align: columns[i]?.align ?? 'left' });
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
  doc
    .font(heavy)
    .fontSize(18)
    .fillColor(BLUE)
    .text(s(t(view.kind as MessageKey)), PAGE.margin, PAGE.margin, {
      width: 320,
    });
  if (view.number === 'DRAFT')
    doc
      .fillColor(RED)
      .fontSize(12)
      .text(s(t('draft').toUpperCase()), { width: 320 });
  const meta: [string, string | undefined][] = [
    [t('number'), view.number],
    [t('corrects'), view.corrects],
    [t('revision'), view.revision > 0 ? String(view.revision) : undefined],
    [t('issueDate'), date(view.issueDate)],
    [t('dueDate'), view.dueDate === undefined ? undefined : date(view.dueDate)],
    [t('period'), `${view.period.label} (${date(view.period.from)} – ${date(view.period.to)})`],
    [t('currency'), view.currency],
  ];
  doc.moveDown(0.3).fontSize(9);
  for (const [label, value] of meta) {
    if (value === undefined) continue;
    doc
      .font(body)
      .fillColor(GREY)
      .text(s(`${label}: `), { continued: true, width: 320 });
    doc.font(heavy).fillColor('black').text(s(value));
  }
  const afterMeta = doc.y;
  doc
    .font(body)
    .fontSize(8.5)
    .fillColor(GREY)
    .text(s(t('issuer')), PAGE.margin + 340, PAGE.margin, { width: CONTENT_WIDTH - 340 })
    .font(heavy)
    .fillColor('black')
    .text(s(view.tenant.companyName), { width: CONTENT_WIDTH - 340 })
    .font(body)
    .text(
      s(
        [...view.tenant.address, ...(view.tenant.taxId ? [`${t('taxId')}: ${view.tenant.taxId}`] : [])].join(
          '\n',
        ),
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
    .text(
      s(`${t('counterparty')} (${t(`counterparty.${view.counterparty.kind}`)})`),
      PAGE.margin,
      partiesTop,
      {
        width: 250,
      },
    )
    .font(heavy)
    .fillColor('black')
    .text(s(view.counterparty.name), { width: 250 })
    .font(body)
    .text(
      s(
        [
          ...view.counterparty.address,
          ...(view.counterparty.reference ? [view.counterparty.reference] : []),
        ].join('\n'),
      ),
      {
        width: 250,
      },
    );
  const afterCounterparty = doc.y;
  doc
    .fillColor(GREY)
    .text(s(t('project')), PAGE.margin + 280, partiesTop, { width: CONTENT_WIDTH - 280 })
    .font(heavy)
    .fillColor('black')
    .text(s(`${view.project.name} (${view.project.id})`), { width: CONTENT_WIDTH - 280 })
    .font(body)
    .text(s([view.project.contractRef, view.project.contractType].filter(Boolean).join(', ')), {
      width: CONTENT_WIDTH - 280,
    });
  if (view.revisionReason)
    doc.text(s(`${t('revisionReason')}: ${view.revisionReason}`), { width: CONTENT_WIDTH - 280 });
  doc.y = Math.max(afterCounterparty, doc.y) + 4;

  // Summary tiles.
  heading(t('summary'));
  const tiles: [MessageKey, string][] = [
    ['totalBudget', view.totals.totalBudget],
    ['totalCost', view.totals.totalCost],
    ['billing', view.totals.billing],
    ['retention', view.totals.retention],
    ['netDue', view.totals.netDue],
  ];
  const tileWidth = (CONTENT_WIDTH - 4 * 6) / 5;
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
      .text(s(t(key)), x + 5, tilesTop + 5, { width: tileWidth - 10 });
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
  const fontCallback = (_family: string, isBold: boolean) => (isBold ? heavy : body);
  const warnings: string[] = [];
  for (const svg of [charts.byCategory, charts.byRole, charts.gantt]) {
    const [, w = '720', h = '300'] = /<svg width="(\d+)" height="(\d+)"/.exec(svg) ?? [];
    const height = (Number(h) / Number(w)) * CONTENT_WIDTH;
    ensureSpace(height + 8);
    SVGtoPDF(doc, fonts.cjk === undefined ? svg.replace(CJK, '?') : svg, PAGE.margin, doc.y, {
      width: CONTENT_WIDTH,
      height,
      fontCallback,
      warningCallback: (message) => warnings.push(message),
    });
    doc.x = PAGE.margin;
    doc.y += height + 8;
  }

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
      l.quantity === undefined ? '' : `${formatQuantity(l.quantity, view.locale)} ${l.unit ?? ''}`,
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
      r.dimension,
      varianceKeyLabel(t, r.dimension, r.key),
      plain(r.budget),
      plain(r.actual),
      plain(r.variance),
      formatPercent(r.percent, view.locale),
      t(flagKey(r.flag)),
      r.cause ?? '',
    ]),
  );

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

  heading(t('billingLines'));
  const negRetention = view.totals.retention.startsWith('-')
    ? view.totals.retention.slice(1)
    : `-${view.totals.retention}`;
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
        b.basis,
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

  heading(t('checklist'));
  table(
    [
      { label: t('check'), width: 0.3 },
      { label: t('status'), width: 0.1 },
      { label: t('severity'), width: 0.1 },
      { label: t('evidence'), width: 0.5 },
    ],
    view.checklist.map((c) => [c.check, t(statusKey(c.status)), t(severityKey(c.severity)), c.evidence]),
  );
  if (view.clauses?.length) {
    const clauses = clauseCoverageCells({ ...view, locale: labelLocale });
    heading(clauses.title);
    table(
      clauses.header.map((label, i) => ({ label, width: [0.16, 0.42, 0.27, 0.15][i] ?? 0.1 })),
      clauses.rows,
    );
  }

  heading(t('milestones'));
  table(
    [
      { label: t('milestone'), width: 0.4 },
      { label: t('planStart'), width: 0.2 },
      { label: t('planEnd'), width: 0.2 },
      { label: t('actualEnd'), width: 0.2 },
    ],
    view.milestones.map((m) => [
      m.name,
      date(m.planStart),
      date(m.planEnd),
      m.actualEnd === undefined ? t('notReached') : date(m.actualEnd),
    ]),
  );

  heading(t('quarantine'));
  if (view.quarantine.length === 0)
    doc
      .font(body)
      .fontSize(8.5)
      .fillColor(GREY)
      .text(s(t('noQuarantine')));
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
  if (view.approvals.length === 0)
    doc
      .font(body)
      .fontSize(8.5)
      .fillColor(GREY)
      .text(s(t('noApprovals')));
  else
    table(
      [
        { label: t('who'), width: 0.28 },
        { label: t('decision'), width: 0.12 },
        { label: t('when'), width: 0.2 },
        { label: t('comment'), width: 0.4 },
      ],
      view.approvals.map((a) => [
        a.role ? `${a.who}\n${a.role}` : a.who,
        t(`decision.${a.decision}`),
        formatTimestamp(a.at),
        a.comment ?? '',
      ]),
    );
  if (cjkFallback) {
    doc.moveDown(1).font(body).fontSize(7).fillColor(GREY);
    doc.text(
      'No CJK font is installed: labels are in English; see the HTML statement for the zh-CN rendition.',
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
        s(
          `${view.tenant.companyName} · ${view.number} · ${view.settlementId} · ${t('page')} ${i + 1}/${range.count}`,
        ),
        PAGE.margin,
        PAGE.height - PAGE.margin + 8,
        { width: CONTENT_WIDTH, align: 'center', lineBreak: false },
      );
    doc.page.margins.bottom = PAGE.margin;
  }
  doc.end();
  const bytes = await done;
  return { bytes, labelLocale, font: regular ?? 'Helvetica', cjkFont: fonts.cjk, cjkFallback };
}

import type { ApprovalEvent } from '#approval/model.ts';
import type { Charter, Locale } from '#domain/charter.ts';
import type { RevisionNote } from '#domain/periods.ts';
import type { RecipientGroup } from '#domain/recipients.ts';
import { type Statement, serializeStatement } from '#domain/statement.ts';
import type { ApprovalState } from '#domain/workflow.ts';
import { clientViewOf } from '#statement/audience.ts';
import type { StatementEmailFacts } from '#statement/emails.ts';
import { formatAmount, formatPercent, labelsFor, periodLabel } from '#statement/format.ts';
import { renderStatementHtml, STATEMENT_FONT_FAMILY } from '#statement/html.ts';
import { renderJournalCsv, renderQuickBooksJournalCsv, renderSapJournalXml } from '#statement/journal.ts';
import type { ReplacedJournal } from '#statement/ledger.ts';
import { type Audience, StatementView } from '#statement/view.ts';
import { toStatementView } from './view-of.ts';

/**
 * The documents of a settlement: every format of the statement from its canonical JSON, the
 * documents of each recipient group, the revision note, and the distribution plan Distribute sends.
 */

export interface RenderedDocuments {
  readonly view: StatementView;
  readonly json: string;
  readonly html: string;
  readonly pdf: Uint8Array;
  readonly csv: string;
  readonly xlsx: Uint8Array;
  readonly journalCsv: string;
  /** The journal lines as JSON: what a revision reverses. */
  readonly journalJson: string;
  /** The journal in QuickBooks Online's import layout. */
  readonly journalQuickBooksCsv: string;
  /** The journal as an SAP journal-entry posting request, when the charter names a company code. */
  readonly journalSapXml?: string;
}

/**
 * The renderers (pdfkit, fonts, charts, the XLSX writer) load when a function renders, not at the cold
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

/** The HTML statement, with the CJK face embedded when its text is Chinese (see web-font.ts). */
async function renderHtml(view: StatementView): Promise<string> {
  const { embedCjkFont } = await import('#statement/web-font.ts');
  return embedCjkFont(renderStatementHtml(view), STATEMENT_FONT_FAMILY);
}

/**
 * The draft's documents, what an approver reads: the HTML and the PDF (the other formats are the
 * final statement's, so the draft loads no spreadsheet writer).
 */
export async function renderDraftDocuments(
  statement: Statement,
  charter: Charter,
  options: { number: string; issuer: { id: string; name: string } },
): Promise<Pick<RenderedDocuments, 'view' | 'html' | 'pdf'>> {
  const view = toStatementView(statement, charter, options);
  const { renderStatementPdf } = await import('#statement/pdf.ts');
  return { view, html: await renderHtml(view), pdf: (await renderStatementPdf(view)).bytes };
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
    /** A revision: the journal of the statement it corrects, reversed at the head of this one. */
    replaces?: ReplacedJournal | undefined;
  },
): Promise<RenderedDocuments> {
  const view = toStatementView(statement, charter, options);
  const { renderStatementPdf, renderStatementCsv, renderStatementXlsx } = await loadRenderers();
  return {
    view,
    json: serializeStatement(statement),
    html: await renderHtml(view),
    pdf: (await renderStatementPdf(view)).bytes,
    csv: renderStatementCsv(view, 'lines'),
    xlsx: renderStatementXlsx(view),
    journalCsv: renderJournalCsv(view),
    journalJson: `${JSON.stringify({ number: view.number, lines: view.journal }, null, 2)}\n`,
    journalQuickBooksCsv: renderQuickBooksJournalCsv(view),
    ...(charter.accounting.sapCompanyCode
      ? { journalSapXml: renderSapJournalXml(view, charter.accounting.sapCompanyCode) }
      : {}),
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
      { name: names.html, contentType: 'text/html; charset=utf-8', content: await renderHtml(view) },
      {
        name: names.csv,
        contentType: 'text/csv; charset=utf-8',
        content: renderStatementCsv(view, audience === 'client' ? 'billing' : 'lines'),
      },
      { name: names.xlsx, contentType: XLSX, content: renderStatementXlsx(view) },
    ],
  };
}

/**
 * A credit or debit note: the revision's billing differences against the statement it corrects,
 * drawn with the statement renderer (kind and `corrects` set, the changed lines as billing lines).
 */
export async function renderRevisionNote(
  note: RevisionNote,
  revised: StatementView,
  corrects: string,
): Promise<{ view: StatementView; html: string }> {
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
  return { view, html: await renderHtml(view) };
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
    const signed = (value: string) => `${value.startsWith('-') ? '' : '+'}${amount(value)}`;
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
        period: periodLabel(labelsFor(group.locale), internal.period.label),
        netDue: amount(internal.totals.netDue),
        ...(group.audience === 'internal'
          ? {
              totalCost: amount(internal.totals.totalCost),
              ...(internal.contractPrices
                ? {
                    contractPrices: {
                      price: signed(internal.contractPrices.total.priceVariance),
                      quantity: signed(internal.contractPrices.total.quantityVariance),
                    },
                  }
                : {}),
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

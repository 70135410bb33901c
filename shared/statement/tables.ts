import { toCsv } from './csv.ts';
import {
  categoryKey,
  causeIn,
  flagKey,
  type Labels,
  labelsFor,
  type MessageKey,
  varianceRowLabel,
} from './format.ts';
import { assertJournalBalanced, renderJournalCsv } from './journal.ts';
import type { StatementView } from './view.ts';
import { writeXlsx, type XlsxCell, type XlsxWorkbook } from './xlsx-writer.ts';

/**
 * Tabular exports of a statement: CSV (one table per file) and XLSX (one sheet per table). Headers
 * are in the view's locale; amounts stay decimal strings in CSV. In XLSX an amount becomes a number
 * cell only when the number prints back to the same decimal (always true for amounts below ~10^13
 * with two decimals), otherwise it stays text so nothing is silently rounded.
 */

export const STATEMENT_TABLES = ['lines', 'variance', 'billing', 'journal'] as const;
export type StatementTable = (typeof STATEMENT_TABLES)[number];

type Cell = { text: string } | { amount: string } | { quantity: string } | { integer: number };

interface Sheet {
  readonly header: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

const text = (value: string | undefined): Cell => ({ text: value ?? '' });
const amount = (value: string): Cell => ({ amount: value });
const optionalAmount = (value: string | undefined): Cell => (value === undefined ? text('') : amount(value));
const quantity = (value: string | undefined): Cell => (value === undefined ? text('') : { quantity: value });

function sheetOf(view: StatementView, table: StatementTable, t: Labels): Sheet {
  switch (table) {
    case 'lines':
      return {
        header: [
          t('category'),
          t('description'),
          t('role'),
          t('quantity'),
          t('unit'),
          t('unitRate'),
          t('amount'),
          t('currency'),
        ],
        rows: view.lines.map((l) => [
          text(t(categoryKey(l.category))),
          text(l.description),
          text(l.role),
          quantity(l.quantity),
          text(l.unit),
          optionalAmount(l.unitRate),
          amount(l.amount),
          text(view.currency),
        ]),
      };
    case 'variance':
      return {
        header: [
          t('dimension'),
          t('key'),
          t('budget'),
          t('actual'),
          t('variance'),
          t('percent'),
          t('flag'),
          t('cause'),
        ],
        rows: view.variance.map((r) => [
          text(r.dimension),
          text(varianceRowLabel(t, r)),
          amount(r.budget),
          amount(r.actual),
          amount(r.variance),
          r.percent === null ? text('') : { quantity: r.percent },
          text(t(flagKey(r.flag))),
          text(causeIn(view.locale, r)),
        ]),
      };
    case 'billing':
      return {
        header: [
          t('description'),
          t('basis'),
          t('quantity'),
          t('unitPrice'),
          t('amount'),
          t('reason'),
          t('currency'),
        ],
        rows: view.billing.map((b) => [
          text(b.description),
          text(b.basis),
          quantity(b.quantity),
          optionalAmount(b.unitPrice),
          amount(b.amount),
          text(b.reason),
          text(view.currency),
        ]),
      };
    case 'journal':
      return {
        header: [
          t('date'),
          t('entry'),
          t('account'),
          t('accountName'),
          t('debit'),
          t('credit'),
          t('currency'),
          t('memo'),
        ],
        rows: view.journal.map((j) => [
          text(j.date),
          text(j.entry),
          text(j.account),
          text(j.accountName),
          amount(j.debit),
          amount(j.credit),
          text(view.currency),
          text(j.memo),
        ]),
      };
  }
}

function cellText(cell: Cell): string {
  // toCsv neutralises would-be formulas in every field (amounts stay plain numbers).
  if ('text' in cell) return cell.text;
  if ('amount' in cell) return cell.amount;
  if ('quantity' in cell) return cell.quantity;
  return String(cell.integer);
}

/**
 * One table of the statement as CSV (RFC 4180, UTF-8 BOM). The journal table is the ledger
 * export (`renderJournalCsv`): machine headers, balance asserted.
 */
export function renderStatementCsv(view: StatementView, table: StatementTable): string {
  if (table === 'journal') return renderJournalCsv(view);
  const sheet = sheetOf(view, table, labelsFor(view.locale));
  return toCsv([sheet.header, ...sheet.rows.map((row) => row.map(cellText))]);
}

/** A decimal string as a number only when the number prints back to the same decimal. */
function exactNumber(value: string): number | undefined {
  const number = Number(value);
  if (!Number.isFinite(number)) return undefined;
  const normalise = (s: string) => {
    const [int = '0', frac = ''] = s.replace(/^-/, '').split('.');
    const trimmed = `${int.replace(/^0+(?=\d)/, '')}${frac.replace(/0+$/, '') ? `.${frac.replace(/0+$/, '')}` : ''}`;
    return trimmed === '0' ? '0' : `${s.startsWith('-') ? '-' : ''}${trimmed}`;
  };
  return normalise(String(number)) === normalise(value) ? number : undefined;
}

/**
 * The statement as an XLSX workbook with sheets `lines`, `variance`, `billing`, `journal` (the client
 * statement's only `billing`): bold, frozen header rows, amounts in the currency's number format.
 * The journal's balance is asserted first. The workbook's dates, and its ZIP entries' dates, are the
 * issue date, so the same statement written twice — a re-run of Finalise — is the same bytes.
 */
export function renderStatementXlsx(view: StatementView): Buffer {
  return writeXlsx(statementWorkbook(view));
}

/** What `renderStatementXlsx` writes: the sheets, cells, formats and properties of the statement's workbook. */
export function statementWorkbook(view: StatementView): XlsxWorkbook {
  assertJournalBalanced(view.journal, view.number);
  const t = labelsFor(view.locale);
  const issued = new Date(`${view.issueDate}T00:00:00Z`);
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency: view.currency }).resolvedOptions()
    .maximumFractionDigits;
  const amountFormat = digits ? `#,##0.${'0'.repeat(digits)}` : '#,##0';
  // The client statement's workbook is its billing; the internal one has every table.
  const tables: readonly StatementTable[] = view.audience === 'client' ? ['billing'] : STATEMENT_TABLES;
  return {
    properties: {
      title: `${t(view.kind as MessageKey)} ${view.number}`,
      creator: view.tenant.companyName,
      lastModifiedBy: view.tenant.companyName,
      created: issued,
      modified: issued,
    },
    sheets: tables.map((table) => {
      const sheet = sheetOf(view, table, t);
      return {
        name: table,
        frozenRows: 1,
        widths: sheet.header.map((header, index) => {
          const longest = Math.max(
            header.length,
            ...sheet.rows.map((row) => cellText(row[index] ?? text('')).length),
          );
          return Math.min(Math.max(longest + 2, 8), 60);
        }),
        rows: [
          sheet.header.map((header): XlsxCell => ({ text: header, bold: true })),
          ...sheet.rows.map((row) =>
            row.map((cell): XlsxCell => {
              if ('text' in cell) return { text: cell.text };
              if ('integer' in cell) return { number: cell.integer };
              const value = 'amount' in cell ? cell.amount : cell.quantity;
              const number = exactNumber(value);
              // An amount kept as text keeps the amount format too, as every amount cell has it.
              const format = 'amount' in cell ? amountFormat : undefined;
              return number === undefined ? { text: value, format } : { number, format };
            }),
          ),
        ],
      };
    }),
  };
}

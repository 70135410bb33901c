import ExcelJS from 'exceljs';
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
 * The statement as an XLSX workbook with sheets `lines`, `variance`, `billing`, `journal`.
 * The journal's balance is asserted first. Workbook dates are the issue date (reproducible metadata).
 */
export async function renderStatementXlsx(view: StatementView): Promise<Buffer> {
  assertJournalBalanced(view.journal, view.number);
  const t = labelsFor(view.locale);
  const workbook = new ExcelJS.Workbook();
  const issued = new Date(`${view.issueDate}T00:00:00Z`);
  workbook.creator = view.tenant.companyName;
  workbook.lastModifiedBy = view.tenant.companyName;
  workbook.created = issued;
  workbook.modified = issued;
  workbook.title = `${t(view.kind as MessageKey)} ${view.number}`;
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency: view.currency }).resolvedOptions()
    .maximumFractionDigits;
  const amountFormat = digits ? `#,##0.${'0'.repeat(digits)}` : '#,##0';
  // The client statement's workbook is its billing; the internal one has every table.
  const tables: readonly StatementTable[] = view.audience === 'client' ? ['billing'] : STATEMENT_TABLES;
  for (const table of tables) {
    const sheet = sheetOf(view, table, t);
    const worksheet = workbook.addWorksheet(table, { views: [{ state: 'frozen', ySplit: 1 }] });
    worksheet.addRow([...sheet.header]).font = { bold: true };
    for (const row of sheet.rows) {
      const added = worksheet.addRow(
        row.map((cell) => {
          if ('text' in cell) return cell.text;
          if ('integer' in cell) return cell.integer;
          const value = 'amount' in cell ? cell.amount : cell.quantity;
          return exactNumber(value) ?? value;
        }),
      );
      row.forEach((cell, index) => {
        if ('amount' in cell) added.getCell(index + 1).numFmt = amountFormat;
      });
    }
    worksheet.columns.forEach((column, index) => {
      const longest = Math.max(
        (sheet.header[index] ?? '').length,
        ...sheet.rows.map((row) => cellText(row[index] ?? text('')).length),
      );
      column.width = Math.min(Math.max(longest + 2, 8), 60);
    });
  }
  return zipEntriesDated(Buffer.from(await workbook.xlsx.writeBuffer()), issued);
}

/**
 * Sets every entry's modification time in a ZIP archive (local headers and central directory) to
 * `at` (midnight UTC of its date; DOS times have no zone). The XLSX writer stamps entries with the
 * time of writing, so the same statement written twice — a re-run of Finalise — gave other bytes,
 * and a hash taken of the first could not be checked against the second. CRCs cover the data only.
 * @throws Error when the buffer is not a ZIP archive the writer produces (no ZIP64).
 */
export function zipEntriesDated(zip: Buffer, at: Date): Buffer {
  const date = ((at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate();
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i -= 1) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a ZIP archive: no end of central directory');
  const entries = zip.readUInt16LE(end + 10);
  let entry = zip.readUInt32LE(end + 16);
  for (let n = 0; n < entries; n += 1) {
    if (zip.readUInt32LE(entry) !== 0x02014b50)
      throw new Error(`ZIP central directory entry ${n + 1} is malformed`);
    zip.writeUInt16LE(0, entry + 12);
    zip.writeUInt16LE(date, entry + 14);
    const local = zip.readUInt32LE(entry + 42);
    if (zip.readUInt32LE(local) !== 0x04034b50)
      throw new Error(`ZIP local header of entry ${n + 1} is malformed`);
    zip.writeUInt16LE(0, local + 10);
    zip.writeUInt16LE(date, local + 12);
    entry += 46 + zip.readUInt16LE(entry + 28) + zip.readUInt16LE(entry + 30) + zip.readUInt16LE(entry + 32);
  }
  return zip;
}

import { Decimal } from 'decimal.js';
import { toCsv } from './csv.ts';
import { JournalLineError, JournalUnbalancedError } from './errors.ts';
import type { JournalLine, StatementView } from './view.ts';

/**
 * The accounting-journal export: balanced double-entry lines as CSV. The accounts come mapped from
 * the charter (the view holds them); this module only checks the books balance and writes them out.
 */

/** Exact sum of decimal strings, as a plain decimal string ("0" for none). */
export function sumDecimals(values: readonly string[]): string {
  return values.reduce((sum, value) => sum.plus(value), new Decimal(0)).toFixed();
}

/**
 * Throws unless every line has exactly one non-negative side, every entry (lines sharing `entry`)
 * balances, and the total debits equal the total credits.
 */
export function assertJournalBalanced(lines: readonly JournalLine[], statementNumber?: string): void {
  lines.forEach((line, index) => {
    const debit = new Decimal(line.debit);
    const credit = new Decimal(line.credit);
    if (debit.isNegative() || credit.isNegative() || debit.isZero() === credit.isZero()) {
      const error = new JournalLineError(
        `journal line ${index + 1} (account ${line.account}) must have exactly one positive side: debit ${line.debit}, credit ${line.credit}`,
        { statementNumber },
      );
      error.line = index;
      throw error;
    }
  });
  const groups = new Map<string | undefined, JournalLine[]>([[undefined, [...lines]]]);
  for (const line of lines) {
    if (line.entry === undefined) continue;
    groups.set(line.entry, [...(groups.get(line.entry) ?? []), line]);
  }
  for (const [entry, group] of groups) {
    const debit = sumDecimals(group.map((l) => l.debit));
    const credit = sumDecimals(group.map((l) => l.credit));
    if (!new Decimal(debit).equals(credit)) {
      const error = new JournalUnbalancedError(
        `${entry === undefined ? 'journal' : `journal entry ${entry}`} does not balance: debits ${debit}, credits ${credit}`,
        { statementNumber },
      );
      error.entry = entry;
      error.debit = debit;
      error.credit = credit;
      throw error;
    }
  }
}

/**
 * The journal as CSV (RFC 4180, UTF-8 with BOM): date, entry, account, account name, debit, credit,
 * currency, memo, statement number. Amounts stay plain decimal strings for import into ledgers.
 * Throws JournalUnbalancedError / JournalLineError before writing anything.
 */
export function renderJournalCsv(view: StatementView): string {
  assertJournalBalanced(view.journal, view.number);
  const header = [
    'date',
    'entry',
    'account',
    'account_name',
    'debit',
    'credit',
    'currency',
    'memo',
    'statement',
  ];
  const rows = view.journal.map((line) => [
    line.date,
    line.entry ?? '',
    line.account,
    line.accountName ?? '',
    line.debit,
    line.credit,
    view.currency,
    line.memo,
    view.number,
  ]);
  return toCsv([header, ...rows]);
}

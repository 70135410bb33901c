import type { Decimal } from 'decimal.js';
import type { Charter, JournalAccount, Locale } from '#domain/charter.ts';
import { Dec, minorDigits, money } from '#domain/money.ts';
import { CostCategory } from '#domain/records.ts';
import type { BillingLine, Statement } from '#domain/statement.ts';
import { categoryKey, labelsFor } from './format.ts';
import type { JournalLine } from './view.ts';

/**
 * The accounting journal of a statement, posted by where each figure's source of truth is:
 * - costs already in the books (bills and purchases accounts payable posted: the charter's
 *   `accounting.bookedSources`) are moved to the project: debit the category's cost account with
 *   the project dimension, credit the account the bill sits in without it. No payable is created,
 *   so importing the journal never counts a supplier bill twice (or nothing at all is posted for
 *   them, `bookedCosts: 'omit'`, when the ledger already codes the bills to the project);
 * - costs the books do not hold yet (labour from timesheets, allocated overhead, usage-based cloud
 *   cost) are accrued against the category's clearing account;
 * - billing is revenue: time and materials not yet invoiced against unbilled receivable (work in
 *   progress), milestones against receivable, a prepaid retainer released from deferred revenue,
 *   retention moved to its own receivable;
 * - tax rules add output tax per billing line, rounded per line to the minor unit;
 * - a revision first reverses every entry of the journal it replaces, so a ledger that imports
 *   both holds the revision's figures once.
 * Every entry balances on its own. Pure.
 */

/** The journal's memos in the statement's language (ledgers show them next to every line). */
const MEMOS = {
  en: {
    bookedIn: (c: string) => `${c}: bills already in the books, to the project`,
    bookedOut: (c: string) => `${c}: bills already in the books, out of unassigned cost`,
    accrued: (c: string) => `${c} cost accrued to the project`,
    accrual: (c: string) => `${c} cost accrued (not yet in the books)`,
    retention: 'retention withheld',
    revenue: 'revenue of the period',
    unbilled: 'unbilled receivable (work in progress, not yet invoiced)',
    deferred: 'prepaid retainer released from deferred revenue',
    receivable: 'receivable',
    tax: (name: string, rate: string) => `${name} ${rate} %`,
    taxOut: (name: string, rate: string) => `${name} ${rate} % output tax`,
    reverses: (n: string, e: string, memo: string) => `reverses ${n} entry ${e}: ${memo}`,
    category: (c: CostCategory): string => c,
  },
  'zh-CN': {
    bookedIn: (c: string) => `${c}：已入账的供应商发票，转入项目`,
    bookedOut: (c: string) => `${c}：已入账的供应商发票，转出未分配成本`,
    accrued: (c: string) => `${c}成本计入项目`,
    accrual: (c: string) => `${c}成本预提（尚未入账）`,
    retention: '扣留质保金',
    revenue: '本期收入',
    unbilled: '未开票应收（在制，尚未开票）',
    deferred: '预收服务费转入收入',
    receivable: '应收账款',
    tax: (name: string, rate: string) => `${name} ${rate}%`,
    taxOut: (name: string, rate: string) => `${name} ${rate}% 销项税`,
    reverses: (n: string, e: string, memo: string) => `冲销 ${n} 第 ${e} 笔：${memo}`,
    category: (c: CostCategory): string => labelsFor('zh-CN')(categoryKey(c)),
  },
} as const;

const DEFAULT_COST_ACCOUNT = '6000';
const DEFAULT_CLEARING_ACCOUNT = '2100';
const DEFAULT_RECEIVABLE = '1200';
const DEFAULT_RETENTION = '1250';
const DEFAULT_REVENUE = '4000';

interface Posting {
  readonly account: string;
  /** Signed: positive debits, negative credits. */
  readonly amount: Decimal;
  readonly memo: string;
  readonly project?: string | undefined;
  /** The customer or supplier the line is owed by (receivable lines). */
  readonly party?: string | undefined;
}

/** The previous revision's journal, reversed at the head of a revision's journal. */
export interface ReplacedJournal {
  readonly number: string;
  readonly lines: readonly JournalLine[];
}

function entryLines(
  entry: string,
  date: string,
  postings: readonly Posting[],
  names: Readonly<Record<string, string>>,
  digits: number,
): JournalLine[] {
  const zero = new Dec(0).toFixed(digits);
  return postings
    .filter((p) => !p.amount.isZero())
    .map((p) => {
      const value = p.amount.abs().toFixed(digits);
      const name = names[p.account];
      return {
        date,
        entry,
        account: p.account,
        ...(name ? { accountName: name } : {}),
        ...(p.project ? { project: p.project } : {}),
        ...(p.party ? { party: p.party } : {}),
        debit: p.amount.isPositive() ? value : zero,
        credit: p.amount.isPositive() ? zero : value,
        memo: p.memo,
      };
    });
}

/** The account a billing line's amount is owed on until the client pays. */
function billingDebitAccount(
  kind: BillingLine['kind'],
  contractType: Statement['billing']['contractType'],
  accounts: { receivable: string; unbilled: string; deferred: string },
): string {
  switch (kind) {
    case 'time':
    case 'retainer-overage':
      return accounts.unbilled;
    case 'milestone':
      return accounts.receivable;
    case 'retainer-fee':
      return accounts.deferred;
    default:
      // Adjustments, write-offs and retention follow the contract's main account.
      return contractType === 'time-and-materials'
        ? accounts.unbilled
        : contractType === 'retainer'
          ? accounts.deferred
          : accounts.receivable;
  }
}

/**
 * The journal of `statement` under `charter`, dated `date`. `replaces` is the journal of the
 * statement a revision corrects: its entries are reversed first.
 */
export function journalOf(
  statement: Statement,
  charter: Charter,
  date: string,
  replaces?: ReplacedJournal,
  locale: Locale = 'en',
): JournalLine[] {
  const memo = MEMOS[locale];
  const { accounting } = charter;
  const names = accounting.accountNames;
  const project = accounting.projectDimension ?? charter.projectRef;
  const mapped = new Map<JournalAccount['category'], JournalAccount>(
    charter.journal.map((j) => [j.category, j]),
  );
  const digits = minorDigits(statement.currency);
  const lines: JournalLine[] = [];

  if (replaces) {
    replaces.lines.forEach((line, index) => {
      lines.push({
        ...line,
        date,
        entry: `R${line.entry ?? index + 1}`,
        debit: line.credit,
        credit: line.debit,
        memo: memo.reverses(replaces.number, String(line.entry ?? index + 1), line.memo),
      });
    });
  }

  let entry = 0;
  const post = (postings: readonly Posting[]) => {
    const drawn = entryLines(String(entry + 1), date, postings, names, digits);
    if (drawn.length === 0) return;
    entry += 1;
    lines.push(...drawn);
  };

  for (const category of CostCategory.options) {
    const total = new Dec(statement.totals.byCategory[category].amount);
    if (total.isZero()) continue;
    const booked = statement.lines
      .filter((l) => l.category === category && l.booked)
      .reduce((sum, l) => sum.plus(l.booked?.amount ?? 0), new Dec(0));
    const accrued = total.minus(booked);
    const account = mapped.get(category);
    const name = memo.category(category);
    const cost = account?.debit ?? DEFAULT_COST_ACCOUNT;
    const omitBooked = accounting.bookedCosts === 'omit';
    const postings: Posting[] = [];
    if (!booked.isZero() && !omitBooked) {
      postings.push(
        {
          account: cost,
          amount: booked,
          project,
          memo: memo.bookedIn(name),
        },
        {
          account: account?.booked ?? cost,
          amount: booked.negated(),
          memo: memo.bookedOut(name),
        },
      );
    }
    if (!accrued.isZero()) {
      postings.push(
        { account: cost, amount: accrued, project, memo: memo.accrued(name) },
        {
          account: account?.credit ?? mapped.get('receivable')?.credit ?? DEFAULT_CLEARING_ACCOUNT,
          amount: accrued.negated(),
          memo: memo.accrual(name),
        },
      );
    }
    post(mergePostings(postings));
  }

  const { billing } = statement;
  const accounts = {
    receivable: mapped.get('receivable')?.debit ?? DEFAULT_RECEIVABLE,
    unbilled: accounting.accounts.unbilledReceivable,
    deferred: accounting.accounts.deferredRevenue,
  };
  const party = charter.counterparty.name;
  const revenueAccount = mapped.get('revenue')?.credit ?? DEFAULT_REVENUE;
  const retentionAccount = mapped.get('retention')?.debit ?? DEFAULT_RETENTION;
  const billed: Posting[] = [];
  let revenue = new Dec(0);
  for (const line of billing.lines) {
    const amount = new Dec(line.amount.amount);
    const owed = billingDebitAccount(line.kind, billing.contractType, accounts);
    if (line.kind === 'retention') {
      // Withheld (negative): moved from what is owed to the retention receivable.
      billed.push(
        { account: retentionAccount, amount: amount.negated(), project, party, memo: memo.retention },
        { account: owed, amount, project, party, memo: memo.retention },
      );
      continue;
    }
    revenue = revenue.plus(amount);
    billed.push({
      account: owed,
      amount,
      project,
      party,
      memo:
        owed === accounts.unbilled
          ? memo.unbilled
          : owed === accounts.deferred
            ? memo.deferred
            : memo.receivable,
    });
  }
  billed.push({ account: revenueAccount, amount: revenue.negated(), project, memo: memo.revenue });
  post(mergePostings(billed));

  for (const rule of accounting.tax) {
    const rate = new Dec(rule.ratePercent).div(100);
    const taxed: Posting[] = [];
    for (const line of billing.lines) {
      if (!(rule.kinds as readonly string[]).includes(line.kind)) continue;
      const tax = new Dec(money(new Dec(line.amount.amount).mul(rate), billing.net.currency).amount);
      const owed = billingDebitAccount(line.kind, billing.contractType, accounts);
      taxed.push(
        { account: owed, amount: tax, project, party, memo: memo.tax(rule.name, rule.ratePercent) },
        {
          account: rule.account,
          amount: tax.negated(),
          memo: memo.taxOut(rule.name, rule.ratePercent),
        },
      );
    }
    post(mergePostings(taxed));
  }
  return lines;
}

/** Postings on the same account, project and memo as one (amounts exact). */
function mergePostings(postings: readonly Posting[]): Posting[] {
  const merged = new Map<string, Posting>();
  for (const p of postings) {
    const key = `${p.account}\u001f${p.project ?? ''}\u001f${p.party ?? ''}\u001f${p.memo}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, amount: seen.amount.plus(p.amount) } : p);
  }
  return [...merged.values()];
}

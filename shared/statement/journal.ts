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
 * The journal as CSV (RFC 4180, UTF-8 with BOM): date, entry, account, account name, project, debit, credit,
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
    'project',
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
    line.project ?? '',
    line.debit,
    line.credit,
    view.currency,
    line.memo,
    view.number,
  ]);
  return toCsv([header, ...rows]);
}

/**
 * The ledger's document number of one journal entry: `<year><sequence>-<entry>` from the statement
 * number (`ST-<TENANT>-2026-000001`, entry 3 → `2026000001-3`), unique in the tenant's books and
 * within QuickBooks' 21 characters and SAP's 16-character reference. A reversal entry keeps its `R`.
 */
export function journalDocumentNumber(statementNumber: string, entry: string | undefined): string {
  const match = /(\d{4})-(\d{6})(?:-(CN|DN))?$/.exec(statementNumber);
  const base = match ? `${match[1]}${match[2]}${match[3] ?? ''}` : statementNumber;
  return `${base}-${entry ?? '1'}`;
}

/** `2026-10-31` → `10/31/2026` (QuickBooks Online reads journal dates month first). */
function usDate(date: string): string {
  return `${date.slice(5, 7)}/${date.slice(8, 10)}/${date.slice(0, 4)}`;
}

const blankZero = (value: string) => (Number(value) === 0 ? '' : value);

/**
 * The journal in QuickBooks Online's journal-entry import layout (Settings → Import data → Journal
 * entries): JournalNo, JournalDate (MM/DD/YYYY), AccountName, Debits, Credits, Description, Name,
 * Class; one row per line, the other side left blank, lines of one entry sharing a JournalNo.
 * QuickBooks imports accounts by name: give the charter's `accounting.accountNames` (the number is
 * written where no name is known). The project dimension goes to Class, the client to Name on
 * receivable lines. UTF-8 without BOM; formula-like text neutralised.
 */
export function renderQuickBooksJournalCsv(view: StatementView): string {
  assertJournalBalanced(view.journal, view.number);
  const header = [
    'JournalNo',
    'JournalDate',
    'AccountName',
    'Debits',
    'Credits',
    'Description',
    'Name',
    'Class',
  ];
  const rows = view.journal.map((line) => [
    journalDocumentNumber(view.number, line.entry),
    usDate(line.date),
    line.accountName ?? line.account,
    blankZero(line.debit),
    blankZero(line.credit),
    line.memo,
    line.party ?? '',
    line.project ?? '',
  ]);
  return toCsv([header, ...rows]).replace(/^\uFEFF/, '');
}

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The journal as SAP S/4HANA's journal-entry posting request (SOAP `JournalEntryBulkCreateRequest`,
 * namespace http://sap.com/xi/SAPSCORE/SFIN, the "Journal Entry – Post" service): one
 * JournalEntryCreateRequest per entry, document type SA, business transaction RFBU, the entry's
 * document number as DocumentReferenceID (SAP can refuse a reference it already holds), items with
 * signed amounts and S (debit) / H (credit), the project as WBS element. Deterministic: message ids
 * come from the statement number and the creation time is the issue date.
 */
export function renderSapJournalXml(view: StatementView, companyCode: string): string {
  assertJournalBalanced(view.journal, view.number);
  const entries = new Map<string, JournalLine[]>();
  for (const line of view.journal) {
    const key = line.entry ?? '1';
    entries.set(key, [...(entries.get(key) ?? []), line]);
  }
  const created = `${view.issueDate}T00:00:00Z`;
  const requests = [...entries].map(([entry, lines]) => {
    const reference = journalDocumentNumber(view.number, entry);
    const items = lines.map((line, index) => {
      const debit = Number(line.debit) !== 0;
      const amount = debit ? line.debit : `-${line.credit}`;
      return [
        '          <Item>',
        `            <ReferenceDocumentItem>${index + 1}</ReferenceDocumentItem>`,
        `            <GLAccount>${xml(line.account)}</GLAccount>`,
        `            <AmountInTransactionCurrency currencyCode="${xml(view.currency)}">${amount}</AmountInTransactionCurrency>`,
        `            <DebitCreditCode>${debit ? 'S' : 'H'}</DebitCreditCode>`,
        `            <DocumentItemText>${xml(line.memo.slice(0, 50))}</DocumentItemText>`,
        ...(line.project
          ? [
              '            <AccountAssignment>',
              `              <WBSElement>${xml(line.project)}</WBSElement>`,
              '            </AccountAssignment>',
            ]
          : []),
        '          </Item>',
      ].join('\n');
    });
    return [
      '      <JournalEntryCreateRequest>',
      '        <MessageHeader>',
      `          <ID>${xml(reference)}</ID>`,
      `          <CreationDateTime>${created}</CreationDateTime>`,
      '        </MessageHeader>',
      '        <JournalEntry>',
      '          <OriginalReferenceDocumentType>BKPFF</OriginalReferenceDocumentType>',
      '          <BusinessTransactionType>RFBU</BusinessTransactionType>',
      '          <AccountingDocumentType>SA</AccountingDocumentType>',
      `          <DocumentReferenceID>${xml(reference)}</DocumentReferenceID>`,
      `          <DocumentHeaderText>${xml(view.number.slice(0, 25))}</DocumentHeaderText>`,
      `          <CompanyCode>${xml(companyCode)}</CompanyCode>`,
      `          <DocumentDate>${lines[0]?.date ?? view.issueDate}</DocumentDate>`,
      `          <PostingDate>${lines[0]?.date ?? view.issueDate}</PostingDate>`,
      ...items,
      '        </JournalEntry>',
      '      </JournalEntryCreateRequest>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sfin="http://sap.com/xi/SAPSCORE/SFIN">',
    '  <soapenv:Header/>',
    '  <soapenv:Body>',
    '    <sfin:JournalEntryBulkCreateRequest>',
    '      <MessageHeader>',
    `        <ID>${xml(journalDocumentNumber(view.number, 'bulk'))}</ID>`,
    `        <CreationDateTime>${created}</CreationDateTime>`,
    '      </MessageHeader>',
    ...requests,
    '    </sfin:JournalEntryBulkCreateRequest>',
    '  </soapenv:Body>',
    '</soapenv:Envelope>',
    '',
  ].join('\n');
}

import {
  addJsonFile,
  COMMON_OPTIONS,
  type Connector,
  type LabelledPage,
  type LiveContext,
} from './connector.ts';
import { basicAuth, type FetchedPage, fetchAllPages, joinUrl, resolveUrl } from './http.ts';
import {
  isObject,
  itemPosition,
  mapOption,
  projectFor,
  type RecordSink,
  type SourceOptions,
  stringOption,
  text,
} from './record-sink.ts';
import { ExactDecimal, negateDecimal, parseDecimal, parseODataDate } from './values.ts';

/**
 * SAP S/4HANA Cloud supplier invoices. Live: OData v2 `API_SUPPLIERINVOICE_PROCESS_SRV/A_SupplierInvoice`
 * (`$format=json`, `$filter` on PostingDate) following `d.__next`. File: a saved response
 * (`{d: {results: […]}}`, or an array of them). Amounts are decimal strings (`InvoiceGrossAmount`,
 * always unsigned), dates `/Date(ms)/` (or ISO dates, as OData v4 and clients that reformat them print
 * them; one with an offset counts as its UTC day). Identity: FiscalYear + SupplierInvoice.
 *
 * - Sign: `SupplierInvoiceIsCreditMemo` "X" (or true) is a credit memo, negative; "" an invoice,
 *   positive. Only when that field is absent does `IsInvoice: false` mark a credit memo.
 * - Reversals: an original carries `ReverseDocument` (+ `ReverseDocumentFiscalYear`) naming its reversal
 *   document (`IsReversed`; the reversal has `IsReversal`). When both are in the data and the reversal's
 *   sign is opposite, both are kept and net to zero; when the data gives them the same sign, both are
 *   left out (they cancel) and a note says so; amounts that differ are quarantined.
 * - Status: only posted documents (`SupplierInvoiceStatus` in `postedStatuses`, default "5") are spend;
 *   parked, held, deleted or background-verification documents are left out and listed in a note.
 * Options: projectRef, projectMap (supplier or company code → projectRef), vendorNames (supplier id → name),
 * category (default outsourcing), amountField (default InvoiceGrossAmount), postedStatuses, baseUrl, pageSize.
 */

const STATUS_LABELS: Readonly<Record<string, string>> = {
  '1': 'defined for background verification',
  '2': 'deleted',
  '3': 'errors in background verification',
  '4': 'correct (background verification)',
  '5': 'posted',
  A: 'parked',
  B: 'parked and completed',
  C: 'parked and held',
  D: 'entered and held',
  E: 'parked and released',
};

export function isSapPage(value: unknown): boolean {
  return isObject(value) && isObject(value.d) && Array.isArray(value.d.results);
}

interface SapDocument {
  readonly key: string;
  readonly label: string;
  readonly position: string;
  readonly raw: Record<string, unknown>;
  readonly amount: string;
  readonly creditMemo: boolean;
  readonly date: string;
  readonly projectRef: string;
  readonly reverseKey?: string;
  readonly isReversal: boolean;
}

function isFlagSet(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toUpperCase() === 'X');
}

/** Credit memo per the document itself; `IsInvoice` is read only when the credit-memo field is absent. */
function isCreditMemo(invoice: Record<string, unknown>): boolean {
  if (invoice.SupplierInvoiceIsCreditMemo !== undefined)
    return isFlagSet(invoice.SupplierInvoiceIsCreditMemo);
  return invoice.IsInvoice === false;
}

function readDocument(
  sink: RecordSink,
  invoice: unknown,
  position: string,
  options: SourceOptions,
  notPosted: string[],
): SapDocument | undefined {
  if (!isObject(invoice)) {
    sink.quarantine('unexpected-shape', `sap ${position}: an invoice must be an object`, position, invoice);
    return undefined;
  }
  const number = text(invoice.SupplierInvoice);
  const year = text(invoice.FiscalYear);
  if (number === undefined || year === undefined) {
    sink.quarantine(
      'missing-id',
      `sap ${position}: field \`SupplierInvoice\`/\`FiscalYear\` is missing`,
      position,
      invoice,
    );
    return undefined;
  }
  const label = `${number}/${year}`;
  const amountField = stringOption(options, 'amountField') ?? 'InvoiceGrossAmount';
  const status = text(invoice.SupplierInvoiceStatus);
  const posted = Array.isArray(options.postedStatuses) ? options.postedStatuses.map(String) : ['5'];
  if (status !== undefined && !posted.includes(status)) {
    const gross = parseDecimal(invoice[amountField]);
    notPosted.push(
      `${label} ${STATUS_LABELS[status] ?? 'status'} (${status})${gross === undefined ? '' : ` ${gross} ${text(invoice.DocumentCurrency) ?? ''}`.trimEnd()}`,
    );
    return undefined;
  }
  const gross = parseDecimal(invoice[amountField]);
  if (gross === undefined) {
    sink.quarantine(
      'invalid-amount',
      `sap ${position} (invoice ${label}): field \`${amountField}\` is not a decimal string`,
      position,
      invoice,
    );
    return undefined;
  }
  const date = parseODataDate(invoice.PostingDate) ?? parseODataDate(invoice.DocumentDate);
  if (date === undefined) {
    sink.quarantine(
      'invalid-date',
      `sap ${position} (invoice ${label}): field \`PostingDate\` is not an OData /Date(ms)/`,
      position,
      invoice,
    );
    return undefined;
  }
  const supplier = text(invoice.InvoicingParty);
  const projectRef = projectFor(options, supplier, text(invoice.CompanyCode));
  if (projectRef === undefined) {
    sink.quarantine(
      'missing-project',
      `sap ${position} (invoice ${label}): no projectMap entry and no projectRef fallback is set`,
      position,
      invoice,
    );
    return undefined;
  }
  const creditMemo = isCreditMemo(invoice);
  const unsigned = gross.startsWith('-') ? negateDecimal(gross) : gross;
  const reverse = text(invoice.ReverseDocument);
  return {
    key: `${year}-${number}`,
    label,
    position,
    raw: invoice,
    amount: creditMemo ? negateDecimal(unsigned) : unsigned,
    creditMemo,
    date,
    projectRef,
    reverseKey: reverse ? `${text(invoice.ReverseDocumentFiscalYear) ?? year}-${reverse}` : undefined,
    isReversal: invoice.IsReversal === true,
  };
}

/** Normalises all pages together: an invoice and its reversal may sit on different pages. */
export function addSapPages(sink: RecordSink, pages: readonly LabelledPage[], options: SourceOptions): void {
  const documents: SapDocument[] = [];
  const notPosted: string[] = [];
  for (const page of pages) {
    if (!isSapPage(page.json)) {
      sink.quarantine(
        'unexpected-shape',
        `sap ${page.label || 'file'}: expected an OData v2 object with \`d.results\``,
        page.label || 'file',
        page.json,
      );
      continue;
    }
    (page.json as { d: { results: unknown[] } }).d.results.forEach((invoice, index) => {
      const doc = readDocument(sink, invoice, itemPosition(page.label, index), options, notPosted);
      if (doc) documents.push(doc);
    });
  }
  const byKey = new Map(documents.map((doc) => [doc.key, doc]));
  // original key → its reversal document, from a link on either side.
  const reversalOf = new Map<string, SapDocument>();
  const originalOf = new Map<string, SapDocument>();
  for (const doc of documents) {
    if (doc.reverseKey === undefined) continue;
    const partner = byKey.get(doc.reverseKey);
    const docIsReversal =
      doc.isReversal ||
      (partner !== undefined &&
        !partner.isReversal &&
        partner.reverseKey === doc.key &&
        partner.key < doc.key);
    if (docIsReversal) {
      if (partner) {
        reversalOf.set(partner.key, doc);
        originalOf.set(doc.key, partner);
      }
    } else if (partner) {
      reversalOf.set(doc.key, partner);
      originalOf.set(partner.key, doc);
    }
  }
  const skipped = new Set<string>();
  for (const [originalKey, reversal] of reversalOf) {
    const original = byKey.get(originalKey) as SapDocument;
    const a = new ExactDecimal(original.amount);
    const b = new ExactDecimal(reversal.amount);
    if (!a.abs().equals(b.abs())) {
      for (const doc of [original, reversal]) {
        sink.quarantine(
          'reversal-mismatch',
          `sap ${doc.position} (invoice ${doc.label}): ${original.label} and its reversal ${reversal.label} differ in amount (${original.amount} vs ${reversal.amount}); neither is counted`,
          doc.position,
          doc.raw,
        );
        skipped.add(doc.key);
      }
    } else if (a.plus(b).isZero()) {
      sink.note(
        `sap: ${original.creditMemo ? 'credit memo' : 'invoice'} ${original.label} (${original.amount}) was reversed by document ${reversal.label} (${reversal.amount}); both are collected and net to zero`,
      );
    } else {
      sink.note(
        `sap: ${original.label} was reversed by document ${reversal.label} but both carry the same sign (${original.amount}); both are left out, as a reversed document is no spend`,
      );
      skipped.add(original.key);
      skipped.add(reversal.key);
    }
  }
  const vendorNames = mapOption(options, 'vendorNames');
  const category = stringOption(options, 'category') ?? 'outsourcing';
  for (const doc of documents) {
    if (skipped.has(doc.key)) continue;
    const invoice = doc.raw;
    const reversal = reversalOf.get(doc.key);
    const original = originalOf.get(doc.key);
    if (!reversal && !original && doc.reverseKey !== undefined && !doc.isReversal)
      sink.note(
        `sap: ${doc.label} was reversed by document ${doc.reverseKey.split('-').reverse().join('/')}, which is not in this data (posted outside the window?); ${doc.label} is counted at ${doc.amount}`,
      );
    if (doc.isReversal && !original)
      sink.note(
        `sap: ${doc.label} is a reversal document whose original is not in this data; counted at ${doc.amount} by its credit-memo flag`,
      );
    const supplier = text(invoice.InvoicingParty);
    sink.accept(
      {
        kind: 'cost',
        sourceId: doc.key,
        projectRef: doc.projectRef,
        category,
        amount: doc.amount,
        currency: text(invoice.DocumentCurrency),
        date: doc.date,
        vendor: supplier ? (vendorNames[supplier] ?? supplier) : undefined,
        document: `${doc.creditMemo ? 'credit-memo' : 'supplier-invoice'} ${text(invoice.SupplierInvoiceIDByInvcgParty) ?? text(invoice.SupplierInvoice)}`,
        description:
          [
            text(invoice.DocumentHeaderText),
            reversal ? `reversed by ${reversal.label}` : undefined,
            original ? `reverses ${original.label}` : undefined,
          ]
            .filter(Boolean)
            .join('; ') || undefined,
      },
      doc.position,
      invoice,
    );
  }
  if (notPosted.length > 0)
    sink.note(
      `sap: ${notPosted.length} document(s) not posted are not spend and were left out: ${notPosted.slice(0, 10).join('; ')}${notPosted.length > 10 ? ` … ${notPosted.length - 10} more` : ''}`,
    );
}

async function fetchSapPages({ binding, policy, secret, window }: LiveContext): Promise<FetchedPage[]> {
  const options = binding.options;
  const base = stringOption(options, 'baseUrl') ?? '';
  const headers = {
    authorization: secret.token
      ? `Bearer ${secret.token}`
      : basicAuth(secret.username ?? '', secret.password ?? ''),
  };
  const first = joinUrl(base, '/sap/opu/odata/sap/API_SUPPLIERINVOICE_PROCESS_SRV/A_SupplierInvoice', {
    $format: 'json',
    $filter: `PostingDate ge datetime'${window.from}T00:00:00' and PostingDate lt datetime'${window.to}T00:00:00'`,
    $top: options.pageSize === undefined ? undefined : Number(options.pageSize),
  });
  return fetchAllPages(
    policy,
    { url: first, headers },
    (json, _index, request) => {
      const next = isObject(json) && isObject(json.d) ? text(json.d.__next) : undefined;
      return next ? { url: resolveUrl(next, request.url), headers } : undefined;
    },
    { rawPrefix: binding.id, maxPages: Number(options.maxPages ?? 500) },
  );
}

export const sapConnector: Connector = {
  name: 'sap',
  summary: 'SAP S/4HANA supplier invoices (OData v2 A_SupplierInvoice)',
  options: {
    ...COMMON_OPTIONS,
    projectMap: { type: 'map', description: 'supplier (InvoicingParty) or company code → projectRef' },
    vendorNames: { type: 'map', description: 'supplier id → vendor name' },
    category: { type: 'string', description: 'cost category (default outsourcing)' },
    amountField: { type: 'string', description: 'amount field (default InvoiceGrossAmount)' },
    postedStatuses: {
      type: 'list',
      description: 'SupplierInvoiceStatus values that are posted spend (default ["5"])',
    },
    pageSize: { type: 'number', description: '$top per page', live: true },
  },
  secretKeys: [['token'], ['username', 'password']],
  addFile: (sink, bytes, options) => addJsonFile(sapConnector, isSapPage, sink, bytes, options),
  addPages: addSapPages,
  fetchPages: fetchSapPages,
};

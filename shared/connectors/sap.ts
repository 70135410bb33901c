import type { DataSourceBinding } from '#domain/sources.ts';
import { basicAuth, type FetchedPage, fetchAllPages, type HttpPolicy, joinUrl, resolveUrl } from './http.ts';
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
import { negateDecimal, parseDecimal, parseODataDate } from './values.ts';

/**
 * SAP S/4HANA Cloud supplier invoices. Live: OData v2 `API_SUPPLIERINVOICE_PROCESS_SRV/A_SupplierInvoice`
 * (`$format=json`, `$filter` on PostingDate) following `d.__next`. File: a saved response
 * (`{d: {results: […]}}`, or an array of them). Amounts are decimal strings (`InvoiceGrossAmount`),
 * dates `/Date(ms)/`. Credit memos (`IsInvoice: false`, which is also how a reversal document of an
 * invoice arrives) are negative; an invoice that was reversed keeps its positive amount and its
 * reversal nets it to zero (noted). Identity: FiscalYear + SupplierInvoice.
 * Options: projectRef, projectMap (supplier or company code → projectRef), vendorNames (supplier id → name),
 * category (default outsourcing), amountField (default InvoiceGrossAmount), baseUrl, pageSize.
 */

export function isSapPage(value: unknown): boolean {
  return isObject(value) && isObject(value.d) && Array.isArray(value.d.results);
}

export function addSapPage(sink: RecordSink, page: unknown, options: SourceOptions, pageLabel: string): void {
  if (!isSapPage(page)) {
    sink.quarantine(
      'unexpected-shape',
      `sap ${pageLabel || 'file'}: expected an OData v2 object with \`d.results\``,
      pageLabel || 'file',
      page,
    );
    return;
  }
  const vendorNames = mapOption(options, 'vendorNames');
  const amountField = stringOption(options, 'amountField') ?? 'InvoiceGrossAmount';
  const category = stringOption(options, 'category') ?? 'outsourcing';
  (page as { d: { results: unknown[] } }).d.results.forEach((invoice, index) => {
    const position = itemPosition(pageLabel, index);
    if (!isObject(invoice)) {
      sink.quarantine('unexpected-shape', `sap ${position}: an invoice must be an object`, position, invoice);
      return;
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
      return;
    }
    const gross = parseDecimal(invoice[amountField]);
    if (gross === undefined) {
      sink.quarantine(
        'invalid-amount',
        `sap ${position} (invoice ${number}/${year}): field \`${amountField}\` is not a decimal string`,
        position,
        invoice,
      );
      return;
    }
    const date = parseODataDate(invoice.PostingDate) ?? parseODataDate(invoice.DocumentDate);
    if (date === undefined) {
      sink.quarantine(
        'invalid-date',
        `sap ${position} (invoice ${number}/${year}): field \`PostingDate\` is not an OData /Date(ms)/`,
        position,
        invoice,
      );
      return;
    }
    const supplier = text(invoice.InvoicingParty);
    const projectRef = projectFor(options, supplier, text(invoice.CompanyCode));
    if (projectRef === undefined) {
      sink.quarantine(
        'missing-project',
        `sap ${position} (invoice ${number}/${year}): no projectMap entry and no projectRef fallback is set`,
        position,
        invoice,
      );
      return;
    }
    const isCreditMemo = invoice.IsInvoice === false;
    const amount = isCreditMemo && !gross.startsWith('-') ? negateDecimal(gross) : gross;
    const reversedBy = text(invoice.ReverseDocument);
    if (reversedBy)
      sink.note(
        `sap: invoice ${number}/${year} was reversed by document ${reversedBy}; both are collected and net to zero`,
      );
    sink.accept(
      {
        kind: 'cost',
        sourceId: `${year}-${number}`,
        projectRef,
        category,
        amount,
        currency: text(invoice.DocumentCurrency),
        date,
        vendor: supplier ? (vendorNames[supplier] ?? supplier) : undefined,
        document: `${isCreditMemo ? 'credit-memo' : 'supplier-invoice'} ${text(invoice.SupplierInvoiceIDByInvcgParty) ?? number}`,
        description:
          [text(invoice.DocumentHeaderText), reversedBy ? `reversed by ${reversedBy}` : undefined]
            .filter(Boolean)
            .join('; ') || undefined,
      },
      position,
      invoice,
    );
  });
}

export async function fetchSapPages(
  binding: DataSourceBinding,
  policy: HttpPolicy,
  secret: Record<string, string>,
  window: { from: string; to: string },
): Promise<FetchedPage[]> {
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

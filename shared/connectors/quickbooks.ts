import type { DataSourceBinding } from '#domain/sources.ts';
import { type FetchedPage, fetchAllPages, type HttpPolicy, joinUrl } from './http.ts';
import {
  isObject,
  mapOption,
  projectFor,
  type RecordSink,
  type SourceOptions,
  stringOption,
  text,
} from './record-sink.ts';
import { negateDecimal, parseDate, parseDecimal } from './values.ts';

/**
 * QuickBooks Online purchases. Live: the query API `GET /v3/company/{realmId}/query?query=select * from Bill …
 * STARTPOSITION n MAXRESULTS m` for Bill, PurchaseOrder and VendorCredit. File: a saved query response
 * (`{QueryResponse: {Bill: […]}}`, or an array of them). One cost record per expense line:
 * `Line[].Amount` (JSON number, read at its decimal text), `CurrencyRef`, `TxnDate`, `VendorRef`,
 * `DocNumber`. Category: `options.categoryByAccount[AccountRef.name | AccountRef.value]`, default
 * `outsourcing`. Purchase orders are commitments; vendor credits are negative.
 * Options: projectRef, projectMap (customer/project name or id → projectRef), categoryByAccount,
 * currency (home currency when CurrencyRef is absent), realmId, baseUrl, pageSize, entities.
 */

const ENTITIES = {
  Bill: { document: 'bill', commitment: false, sign: 1 },
  PurchaseOrder: { document: 'purchase-order', commitment: true, sign: 1 },
  VendorCredit: { document: 'vendor-credit', commitment: false, sign: -1 },
} as const;
type EntityName = keyof typeof ENTITIES;
const ENTITY_NAMES = Object.keys(ENTITIES) as EntityName[];

export function isQuickBooksPage(value: unknown): boolean {
  return isObject(value) && isObject(value.QueryResponse);
}

function ref(value: unknown): { value?: string; name?: string } {
  return isObject(value) ? { value: text(value.value), name: text(value.name) } : {};
}

export function addQuickBooksPage(
  sink: RecordSink,
  page: unknown,
  options: SourceOptions,
  pageLabel: string,
): void {
  if (!isQuickBooksPage(page)) {
    sink.quarantine(
      'unexpected-shape',
      `quickbooks ${pageLabel || 'file'}: expected an object with \`QueryResponse\``,
      pageLabel || 'file',
      page,
    );
    return;
  }
  const response = (page as { QueryResponse: Record<string, unknown> }).QueryResponse;
  const categories = mapOption(options, 'categoryByAccount');
  const prefix = pageLabel ? `${pageLabel} ` : '';
  for (const entity of ENTITY_NAMES) {
    const list = response[entity];
    if (list === undefined) continue;
    const spec = ENTITIES[entity];
    const transactions = Array.isArray(list) ? list : [list];
    transactions.forEach((txn, t) => {
      const txnPosition = `${prefix}${entity} ${t + 1}`;
      if (!isObject(txn) || text(txn.Id) === undefined) {
        sink.quarantine('missing-id', `quickbooks ${txnPosition}: field \`Id\` is missing`, txnPosition, txn);
        return;
      }
      const id = text(txn.Id) as string;
      const lines = Array.isArray(txn.Line) ? txn.Line : [];
      if (lines.length === 0) {
        sink.quarantine(
          'no-lines',
          `quickbooks ${txnPosition} (${entity} ${id}): field \`Line\` is empty; nothing to settle`,
          txnPosition,
          txn,
        );
        return;
      }
      const date = parseDate(txn.TxnDate);
      const currency = ref(txn.CurrencyRef).value ?? stringOption(options, 'currency');
      const vendor = ref(txn.VendorRef);
      lines.forEach((line, l) => {
        const position = `${txnPosition} line ${l + 1}`;
        if (!isObject(line)) {
          sink.quarantine(
            'unexpected-shape',
            `quickbooks ${position}: a line must be an object`,
            position,
            line,
          );
          return;
        }
        const detailType = text(line.DetailType);
        if (detailType !== 'AccountBasedExpenseLineDetail' && detailType !== 'ItemBasedExpenseLineDetail') {
          sink.quarantine(
            'unsupported-line',
            `quickbooks ${position} (${entity} ${id}): field \`DetailType\` ${detailType ?? '(none)'} is not an expense line`,
            position,
            line,
          );
          return;
        }
        const detail = isObject(line[detailType]) ? (line[detailType] as Record<string, unknown>) : {};
        const amount = parseDecimal(line.Amount);
        if (amount === undefined) {
          sink.quarantine(
            'invalid-amount',
            `quickbooks ${position} (${entity} ${id}): field \`Amount\` is not a number`,
            position,
            line,
          );
          return;
        }
        if (date === undefined) {
          sink.quarantine(
            'invalid-date',
            `quickbooks ${position} (${entity} ${id}): field \`TxnDate\` is not a date`,
            position,
            txn,
          );
          return;
        }
        if (currency === undefined) {
          sink.quarantine(
            'missing-currency',
            `quickbooks ${position} (${entity} ${id}): field \`CurrencyRef\` is missing and no currency option is set`,
            position,
            txn,
          );
          return;
        }
        const account = ref(detail.AccountRef);
        const item = ref(detail.ItemRef);
        const customer = ref(detail.CustomerRef);
        const projectRef = projectFor(options, customer.name, customer.value, ref(txn.ProjectRef).value);
        if (projectRef === undefined) {
          sink.quarantine(
            'missing-project',
            `quickbooks ${position} (${entity} ${id}): customer ${customer.name ?? '(none)'} is not in options.projectMap and no projectRef fallback is set`,
            position,
            line,
          );
          return;
        }
        const category =
          (account.name && categories[account.name]) ||
          (account.value && categories[account.value]) ||
          (item.name && categories[item.name]) ||
          'outsourcing';
        sink.accept(
          {
            kind: 'cost',
            sourceId: `${spec.document}-${id}-line-${text(line.Id) ?? l + 1}`,
            projectRef,
            category,
            amount: spec.sign < 0 ? negateDecimal(amount) : amount,
            currency,
            date,
            vendor: vendor.name ?? vendor.value,
            document: text(txn.DocNumber) ? `${spec.document} ${text(txn.DocNumber)}` : spec.document,
            description: text(line.Description) ?? account.name ?? item.name,
            ...(spec.commitment ? { commitment: true } : {}),
          },
          position,
          line,
        );
      });
    });
  }
}

/** Queries each entity (Bill, PurchaseOrder, VendorCredit by default) page by page within the window. */
export async function fetchQuickBooksPages(
  binding: DataSourceBinding,
  policy: HttpPolicy,
  secret: Record<string, string>,
  window: { from: string; to: string },
): Promise<FetchedPage[]> {
  const options = binding.options;
  const base = stringOption(options, 'baseUrl') ?? 'https://quickbooks.api.intuit.com';
  const realm = encodeURIComponent(stringOption(options, 'realmId') ?? '');
  const pageSize = Number(options.pageSize ?? 100);
  const entities = Array.isArray(options.entities)
    ? options.entities.map(String)
    : ['Bill', 'PurchaseOrder', 'VendorCredit'];
  const headers = { authorization: `Bearer ${secret.accessToken ?? ''}` };
  const pages: FetchedPage[] = [];
  for (const entity of entities) {
    const url = (start: number) =>
      joinUrl(base, `/v3/company/${realm}/query`, {
        query: `select * from ${entity} where TxnDate >= '${window.from}' and TxnDate < '${window.to}' STARTPOSITION ${start} MAXRESULTS ${pageSize}`,
        minorversion: 75,
      });
    pages.push(
      ...(await fetchAllPages(
        policy,
        { url: url(1), headers },
        (json, index) => {
          const list =
            isObject(json) && isObject(json.QueryResponse) ? json.QueryResponse[entity] : undefined;
          return Array.isArray(list) && list.length >= pageSize
            ? { url: url(1 + (index + 1) * pageSize), headers }
            : undefined;
        },
        { rawPrefix: `${binding.id}/${entity}`, maxPages: Number(options.maxPages ?? 500) },
      )),
    );
  }
  return pages;
}

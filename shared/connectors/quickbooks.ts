import {
  addJsonFile,
  COMMON_OPTIONS,
  type Connector,
  type LabelledPage,
  type LiveContext,
} from './connector.ts';
import { SourceAuthError } from './errors.ts';
import { type FetchedPage, fetchAllPages, joinUrl } from './http.ts';
import { INTUIT_TOKEN_URL, intuitAccessToken } from './oauth.ts';
import {
  isObject,
  mapOption,
  projectFor,
  type RecordSink,
  type SourceOptions,
  stringOption,
  text,
} from './record-sink.ts';
import { canonicalDecimal, ExactDecimal, negateDecimal, parseDate, parseDecimal } from './values.ts';

/**
 * QuickBooks Online purchases. Live: the query API `GET /v3/company/{realmId}/query?query=select * from Bill …
 * STARTPOSITION n MAXRESULTS m` for Bill, PurchaseOrder, VendorCredit and Purchase. File: a saved query
 * response (`{QueryResponse: {Bill: […]}}`, or an array of them). One cost record per expense line:
 * `Line[].Amount` (JSON number, read at its decimal text), `CurrencyRef`, `TxnDate`, `VendorRef` (a
 * Purchase names its payee in `EntityRef`), `DocNumber`. Category:
 * `options.categoryByAccount[AccountRef.name | AccountRef.value]`, default `outsourcing`. Vendor credits
 * are negative, and so is a Purchase with `Credit: true` (a card refund). Purchases are expenses paid at
 * once (cash, check, credit card): spend like bills. Any other list in the response is named in a note. Purchase orders are commitments, and only what is still
 * open: a `POStatus: "Closed"` order is left out, and bill lines linked to an order line (`LinkedTxn`
 * with `TxnType: "PurchaseOrder"`) in the same data are subtracted from it; an order whose own
 * `LinkedTxn` names bills that are not in the data is counted in full and noted.
 * Options: projectRef, projectMap (customer/project name or id → projectRef), categoryByAccount,
 * currency (home currency when CurrencyRef is absent), realmId, baseUrl, pageSize, entities.
 */

const ENTITIES = {
  Bill: { document: 'bill', commitment: false, sign: 1 },
  PurchaseOrder: { document: 'purchase-order', commitment: true, sign: 1 },
  VendorCredit: { document: 'vendor-credit', commitment: false, sign: -1 },
  Purchase: { document: 'purchase', commitment: false, sign: 1 },
} as const;
type EntityName = keyof typeof ENTITIES;
const ENTITY_NAMES = Object.keys(ENTITIES) as EntityName[];
/** QueryResponse fields that are paging metadata, not transactions. */
const PAGING_FIELDS = new Set(['startPosition', 'maxResults', 'totalCount']);

export function isQuickBooksPage(value: unknown): boolean {
  return isObject(value) && isObject(value.QueryResponse);
}

function ref(value: unknown): { value?: string; name?: string } {
  return isObject(value) ? { value: text(value.value), name: text(value.name) } : {};
}

interface Billed {
  /** PurchaseOrder id + line id → amount billed against that line. */
  readonly byLine: Map<string, InstanceType<typeof ExactDecimal>>;
  /** PurchaseOrder id → amount billed against it without a line id. */
  readonly byOrder: Map<string, InstanceType<typeof ExactDecimal>>;
  readonly bills: Set<string>;
}

/** What the bills in the data have billed against purchase orders (their lines' `LinkedTxn`). */
function billedAgainstOrders(pages: readonly LabelledPage[]): Billed {
  const billed: Billed = { byLine: new Map(), byOrder: new Map(), bills: new Set() };
  for (const page of pages) {
    const list = isQuickBooksPage(page.json)
      ? (page.json as { QueryResponse: Record<string, unknown> }).QueryResponse.Bill
      : undefined;
    for (const bill of Array.isArray(list) ? list : list === undefined ? [] : [list]) {
      if (!isObject(bill)) continue;
      const billId = text(bill.Id);
      if (billId) billed.bills.add(billId);
      for (const line of Array.isArray(bill.Line) ? bill.Line : []) {
        if (!isObject(line)) continue;
        const amount = parseDecimal(line.Amount);
        if (amount === undefined) continue;
        for (const link of Array.isArray(line.LinkedTxn) ? line.LinkedTxn : []) {
          if (!isObject(link) || text(link.TxnType) !== 'PurchaseOrder') continue;
          const order = text(link.TxnId);
          if (order === undefined) continue;
          const lineId = text(link.TxnLineId);
          const map = lineId ? billed.byLine : billed.byOrder;
          const key = lineId ? `${order}:${lineId}` : order;
          map.set(key, (map.get(key) ?? new ExactDecimal(0)).plus(amount));
        }
      }
    }
  }
  return billed;
}

/** Normalises all pages together: bills billed against a purchase order may be on other pages. */
export function addQuickBooksPages(
  sink: RecordSink,
  pages: readonly LabelledPage[],
  options: SourceOptions,
): void {
  const billed = billedAgainstOrders(pages);
  const closed: string[] = [];
  for (const page of pages) addQuickBooksPage(sink, page.json, options, page.label, billed, closed);
  if (closed.length > 0)
    sink.note(
      `quickbooks: ${closed.length} purchase order(s) are closed (POStatus Closed) and are no open commitment: ${closed.join(', ')}`,
    );
}

function addQuickBooksPage(
  sink: RecordSink,
  page: unknown,
  options: SourceOptions,
  pageLabel: string,
  billed: Billed,
  closed: string[],
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
  const unread = Object.keys(response).filter(
    (key) => !(key in ENTITIES) && !PAGING_FIELDS.has(key) && Array.isArray(response[key]),
  );
  if (unread.length > 0)
    sink.note(
      `quickbooks ${pageLabel || 'file'}: ${unread.join(', ')} not read (this connector reads ${ENTITY_NAMES.join(', ')})`,
    );
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
      if (spec.commitment && text(txn.POStatus) === 'Closed') {
        closed.push(text(txn.DocNumber) ?? id);
        return;
      }
      if (spec.commitment) {
        const missing = (Array.isArray(txn.LinkedTxn) ? txn.LinkedTxn : [])
          .filter((link) => isObject(link) && text(link.TxnType) === 'Bill')
          .map((link) => text((link as Record<string, unknown>).TxnId) ?? '?')
          .filter((billId) => !billed.bills.has(billId));
        if (missing.length > 0)
          sink.note(
            `quickbooks: purchase order ${text(txn.DocNumber) ?? id} is linked to bill(s) ${missing.join(', ')} that are not in this data; its lines count in full as open commitment`,
          );
      }
      // Amount billed against the whole order without a line id is taken off its lines in order.
      let unassigned = billed.byOrder.get(id) ?? new ExactDecimal(0);
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
      const vendorRef = isObject(txn.VendorRef) ? ref(txn.VendorRef) : ref(txn.EntityRef);
      // A card or cash expense may name no payee; it is still spend, booked against the paying account.
      const paidFrom = entity === 'Purchase' ? ref(txn.AccountRef).name : undefined;
      const vendor =
        vendorRef.name ?? vendorRef.value ?? (paidFrom ? `no payee (paid from ${paidFrom})` : undefined);
      // A credit-card credit (refund) is a Purchase with Credit true: money back, so negative.
      const sign = entity === 'Purchase' && txn.Credit === true ? -1 : spec.sign;
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
        let amount = parseDecimal(line.Amount);
        if (amount !== undefined && spec.commitment) {
          let open = new ExactDecimal(amount).minus(billed.byLine.get(`${id}:${text(line.Id) ?? ''}`) ?? 0);
          const taken = ExactDecimal.min(ExactDecimal.max(open, 0), unassigned);
          open = open.minus(taken);
          unassigned = unassigned.minus(taken);
          if (open.lte(0)) return;
          amount = canonicalDecimal(open);
        }
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
        if (vendor === undefined) {
          sink.quarantine(
            'missing-vendor',
            `quickbooks ${position} (${entity} ${id}): field \`${entity === 'Purchase' ? 'EntityRef' : 'VendorRef'}\` is missing`,
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
            amount: sign < 0 ? negateDecimal(amount) : amount,
            currency,
            date,
            vendor,
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

/** Queries each entity (Bill, PurchaseOrder, VendorCredit, Purchase by default) page by page within the window. */
async function fetchQuickBooksPages(ctx: LiveContext): Promise<FetchedPage[]> {
  const { binding, policy, window } = ctx;
  const options = binding.options;
  const base = stringOption(options, 'baseUrl') ?? 'https://quickbooks.api.intuit.com';
  const realm = encodeURIComponent(stringOption(options, 'realmId') ?? '');
  const pageSize = Number(options.pageSize ?? 100);
  const entities = Array.isArray(options.entities)
    ? options.entities.map(String)
    : ['Bill', 'PurchaseOrder', 'VendorCredit', 'Purchase'];
  let token = await intuitAccessToken(ctx);
  const pages: FetchedPage[] = [];
  for (const entity of entities) {
    const url = (start: number) =>
      joinUrl(base, `/v3/company/${realm}/query`, {
        query: `select * from ${entity} where TxnDate >= '${window.from}' and TxnDate < '${window.to}' STARTPOSITION ${start} MAXRESULTS ${pageSize}`,
        minorversion: 75,
      });
    const fetchEntity = () => {
      const headers = { authorization: `Bearer ${token}` };
      return fetchAllPages(
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
      );
    };
    try {
      pages.push(...(await fetchEntity()));
    } catch (error) {
      // An access token that expired or was revoked during the run: renew it once and query again.
      if (!(error instanceof SourceAuthError) || error.status !== 401) throw error;
      token = await intuitAccessToken(ctx, token);
      pages.push(...(await fetchEntity()));
    }
  }
  return pages;
}

export const quickbooksConnector: Connector = {
  name: 'quickbooks',
  summary:
    'QuickBooks Online bills, purchases (expenses), vendor credits and open purchase orders (query API)',
  options: {
    ...COMMON_OPTIONS,
    projectMap: { type: 'map', description: 'customer/project name or id → projectRef' },
    categoryByAccount: { type: 'map', description: 'account or item name/id → cost category' },
    currency: { type: 'string', description: 'home currency when CurrencyRef is absent' },
    realmId: { type: 'string', description: 'company id', live: true },
    entities: {
      type: 'list',
      description: 'entities to query (default ["Bill","PurchaseOrder","VendorCredit","Purchase"])',
      live: true,
    },
    pageSize: { type: 'number', description: 'MAXRESULTS per query page (default 100)', live: true },
    tokenUrl: {
      type: 'string',
      description: `OAuth 2 token endpoint (default ${INTUIT_TOKEN_URL})`,
      live: true,
    },
  },
  secretKeys: [['clientId', 'clientSecret', 'refreshToken'], ['accessToken']],
  // Intuit replaces the refresh token on every refresh (the old one stops working soon after).
  rotatingCredentials: true,
  addFile: (sink, bytes, options) => addJsonFile(quickbooksConnector, isQuickBooksPage, sink, bytes, options),
  addPages: addQuickBooksPages,
  fetchPages: fetchQuickBooksPages,
};

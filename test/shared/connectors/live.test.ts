import type { GetCostAndUsageCommand, GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import { afterEach, describe, expect, it } from 'vitest';
import { collectSource, createCollector } from '#connectors/index.ts';
import { ExactDecimal } from '#connectors/values.ts';
import type { CostRecord } from '#domain/records.ts';
import {
  binding,
  fixtureJson,
  fixtureText,
  sendJson,
  startServer,
  type TestServer,
  testContext,
} from './helpers.ts';

const secrets = {
  tempo: { token: 'tempo-secret-token' },
  toggl: { apiToken: 'toggl-secret-token' },
  jira: { email: 'bot@acme.example', apiToken: 'jira-secret-token' },
  sap: { username: 'COMM_USER', password: 'sap-secret-password' },
  azure: { accessToken: 'azure-secret-token' },
  qbo: { accessToken: 'qbo-secret-token' },
  clockify: { apiKey: 'clockify-secret-key' },
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('live mode paging', () => {
  it('reads the real Tempo worklogs page by page, the next link added as Tempo sends it', async () => {
    server = await startServer((req, res) => {
      if (req.url.includes('offset=4')) {
        sendJson(res, fixtureJson('real/tempo/airbyte-worklogs-april-2021.json'));
        return;
      }
      const page = fixtureJson('real/tempo/airbyte-worklogs-january-2021.json') as Record<string, unknown>;
      const next = `http://${req.headers.host}/4/worklogs?from=2021-01-01&to=2021-04-30&offset=4&limit=4`;
      sendJson(res, { ...page, metadata: { count: 4, offset: 0, limit: 4, next } });
    });
    const ctx = {
      ...testContext({ secrets: { tempo: secrets.tempo } }),
      window: { from: '2021-01-01', to: '2021-05-01' },
    };
    const result = await collectSource(
      binding({
        connector: 'tempo',
        mode: 'live',
        secret: 'tempo',
        options: { baseUrl: server.baseUrl, tz: 'UTC' },
      }),
      ctx,
    );
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.url).toContain('offset=4');
    // 24000 s in January + 53040 s in April = 77040 s; every worklog kept once, on its issue.
    expect(result.records).toHaveLength(14);
    expect(result.records.reduce((s, r) => s + (r.kind === 'time' ? r.seconds : 0), 0)).toBe(77_040);
    expect(result.raw).toHaveLength(2);
  });

  it('reads Tempo timesheet approvals per author and approval period when asked, and archives each response', async () => {
    const approvals = fixtureJson('tempo/timesheet-approvals-2026-10.json') as Record<string, unknown[]>;
    server = await startServer((req, res) => {
      const url = new URL(req.url, 'http://vendor');
      if (url.pathname === '/4/periods') return sendJson(res, fixtureJson('tempo/periods-2026-10.json'));
      const user = /^\/4\/timesheet-approvals\/user\/(.+)$/.exec(url.pathname)?.[1];
      if (user) {
        const found = (approvals[decodeURIComponent(user)] ?? []).find(
          (a) => (a as { period: { from: string } }).period.from === url.searchParams.get('from'),
        );
        return found ? sendJson(res, found) : sendJson(res, { errors: [{ message: 'no period' }] }, 404);
      }
      sendJson(
        res,
        fixtureJson(
          url.searchParams.get('offset') === '3'
            ? 'tempo/worklogs-page-2.json'
            : 'tempo/worklogs-page-1.json',
        ),
      );
    });
    const ctx = testContext({ secrets: { tempo: secrets.tempo } });
    const collect = (approvalsOption: boolean) =>
      collectSource(
        binding({
          connector: 'tempo',
          mode: 'live',
          secret: 'tempo',
          options: {
            baseUrl: server?.baseUrl ?? '',
            projectMap: { ATL: 'atlas' },
            tz: 'Europe/Berlin',
            approvals: approvalsOption,
          },
        }),
        ctx,
      );
    const result = await collect(true);
    expect(server.requests.map((r) => r.url.split('?')[0])).toEqual([
      '/4/worklogs',
      '/4/worklogs',
      '/4/periods',
      '/4/timesheet-approvals/user/712020%3Aanna',
      '/4/timesheet-approvals/user/712020%3Aanna',
      '/4/timesheet-approvals/user/712020%3Aben',
      '/4/timesheet-approvals/user/712020%3Aben',
    ]);
    expect(server.requests[2]?.url).toBe('/4/periods?from=2026-10-01&to=2026-10-31');
    expect(server.requests[3]?.url).toBe(
      '/4/timesheet-approvals/user/712020%3Aanna?from=2026-09-28&to=2026-10-11',
    );
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer tempo-secret-token')).toBe(true);
    expect(result.records.map((r) => [r.sourceId, r.kind === 'time' ? r.approval : undefined])).toEqual([
      ['8801', 'approved'],
      ['8802', 'pending'],
      ['8803', 'approved'],
      ['8804', 'approved'],
    ]);
    expect(result.raw.map((r) => r.name)).toEqual([
      'tempo-test/page-0001.json',
      'tempo-test/page-0002.json',
      'tempo-test/periods.json',
      'tempo-test/approval-0001.json',
      'tempo-test/approval-0002.json',
      'tempo-test/approval-0003.json',
      'tempo-test/approval-0004.json',
    ]);
    expect(result.quarantined).toEqual([]);
    // Without the option nothing but worklogs is asked for, and the approval stays unknown.
    server.requests.length = 0;
    const plain = await collect(false);
    expect(server.requests.map((r) => r.url.split('?')[0])).toEqual(['/4/worklogs', '/4/worklogs']);
    expect(plain.records.every((r) => r.kind === 'time' && r.approval === undefined)).toBe(true);
  });

  it('follows Tempo metadata.next to the end and archives every page', async () => {
    server = await startServer((req, res) => {
      sendJson(
        res,
        fixtureJson(
          req.url.includes('offset=3') ? 'tempo/worklogs-page-2.json' : 'tempo/worklogs-page-1.json',
        ),
      );
    });
    const ctx = testContext({ secrets: { tempo: secrets.tempo } });
    const result = await collectSource(
      binding({
        connector: 'tempo',
        mode: 'live',
        secret: 'tempo',
        options: { baseUrl: server.baseUrl, projectMap: { ATL: 'atlas' } },
      }),
      ctx,
    );
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]?.url).toContain('from=2026-10-01&to=2026-10-31');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer tempo-secret-token');
    expect(result.records.map((r) => r.sourceId)).toEqual(['8801', '8802', '8803', '8804']);
    expect(result.raw.map((r) => r.name)).toEqual(['tempo-test/page-0001.json', 'tempo-test/page-0002.json']);
    expect(result.quarantined).toEqual([]);
  });

  it('follows Jira nextPageToken until isLast', async () => {
    server = await startServer((req, res) => {
      sendJson(
        res,
        fixtureJson(
          req.url.includes('nextPageToken=CAEaAggD')
            ? 'jira/search-jql-page-2.json'
            : 'jira/search-jql-page-1.json',
        ),
      );
    });
    const result = await collectSource(
      binding({
        connector: 'jira',
        mode: 'live',
        secret: 'jira',
        options: { baseUrl: server.baseUrl, projectKey: 'ATL' },
      }),
      testContext({ secrets: { jira: secrets.jira } }),
    );
    expect(server.requests).toHaveLength(2);
    expect(decodeURIComponent(server.requests[0]?.url ?? '')).toContain('customfield_10016');
    expect(result.records).toHaveLength(5);
    expect(result.records.every((r) => r.projectRef === 'atlas')).toBe(true);
  });

  it('follows SAP d.__next links', async () => {
    server = await startServer((req, res) => {
      const page = req.url.includes('skiptoken')
        ? 'sap/supplier-invoices-page-2.json'
        : 'sap/supplier-invoices-page-1.json';
      sendJson(res, fixtureText(page).replaceAll('https://my300000.s4hana.cloud.sap', server?.baseUrl ?? ''));
    });
    const result = await collectSource(
      binding({ connector: 'sap', mode: 'live', secret: 'sap', options: { baseUrl: server.baseUrl } }),
      testContext({ secrets: { sap: secrets.sap } }),
    );
    expect(server.requests).toHaveLength(2);
    expect(new URL(server.requests[0]?.url ?? '', 'http://x').searchParams.get('$filter')).toContain(
      "PostingDate ge datetime'2026-10-01T00:00:00'",
    );
    expect(result.records).toHaveLength(4);
    expect(result.quarantined).toHaveLength(1);
  });

  it('re-POSTs the Azure query to nextLink with the same body', async () => {
    server = await startServer((req, res) => {
      const page = req.url.includes('skiptoken')
        ? 'azure-cost/query-page-2.json'
        : 'azure-cost/query-page-1.json';
      sendJson(res, fixtureText(page).replaceAll('https://management.azure.com', server?.baseUrl ?? ''));
    });
    const result = await collectSource(
      binding({
        connector: 'azure-cost',
        mode: 'live',
        secret: 'azure',
        options: {
          baseUrl: server.baseUrl,
          scope: '/subscriptions/00000000-0000-0000-0000-000000000000',
          tagKey: 'project',
          tagValue: 'atlas',
        },
      }),
      testContext({ secrets: { azure: secrets.azure } }),
    );
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(server.requests[1]?.body).toBe(server.requests[0]?.body);
    expect(JSON.parse(server.requests[0]?.body ?? '{}').dataset.grouping).toEqual([
      { type: 'TagKey', name: 'project' },
    ]);
    expect(result.records).toHaveLength(5);
  });

  it('pages QuickBooks queries with STARTPOSITION until a short page', async () => {
    server = await startServer((req, res) => {
      const query = new URL(req.url, 'http://x').searchParams.get('query') ?? '';
      sendJson(
        res,
        query.includes('STARTPOSITION 1 ')
          ? fixtureJson('quickbooks/query-bill.json')
          : { QueryResponse: {}, time: 'x' },
      );
    });
    const result = await collectSource(
      binding({
        connector: 'quickbooks',
        mode: 'live',
        secret: 'qbo',
        options: { baseUrl: server.baseUrl, realmId: '9130', pageSize: 2, entities: ['Bill'] },
      }),
      testContext({ secrets: { qbo: secrets.qbo } }),
    );
    expect(server.requests).toHaveLength(2);
    expect(new URL(server.requests[1]?.url ?? '', 'http://x').searchParams.get('query')).toContain(
      'STARTPOSITION 3 MAXRESULTS 2',
    );
    expect(result.records).toHaveLength(4);
  });

  it('queries every entity by default, Purchase included, on the real sandbox records', async () => {
    const pages: Record<string, string> = {
      Bill: 'real/quickbooks/airbyte-sandbox-bills.json',
      PurchaseOrder: 'real/quickbooks/airbyte-sandbox-purchase-orders.json',
      Purchase: 'real/quickbooks/airbyte-sandbox-purchases.json',
    };
    server = await startServer((req, res) => {
      const query = new URL(req.url, 'http://x').searchParams.get('query') ?? '';
      const entity = /from (\w+) /.exec(query)?.[1] ?? '';
      const path = pages[entity];
      sendJson(res, path ? fixtureJson(path) : { QueryResponse: {}, time: 'x' });
    });
    const result = await collectSource(
      binding({
        connector: 'quickbooks',
        mode: 'live',
        secret: 'qbo',
        options: { baseUrl: server.baseUrl, realmId: '9130', projectRef: 'office' },
      }),
      testContext({ secrets: { qbo: secrets.qbo } }),
    );
    expect(
      server.requests.map(
        (r) => /from (\w+) /.exec(new URL(r.url, 'http://x').searchParams.get('query') ?? '')?.[1],
      ),
    ).toEqual(['Bill', 'PurchaseOrder', 'VendorCredit', 'Purchase']);
    const costs = result.records.filter((r): r is CostRecord => r.kind === 'cost');
    const total = (commitment: boolean) =>
      costs
        .filter((c) => Boolean(c.commitment) === commitment)
        .reduce((s, c) => s.plus(c.amount), new ExactDecimal(0))
        .toFixed();
    // Spend: six bill lines 1580.05 + five purchases 135.35 = 1715.4 USD. Open commitment: PO 1002, 125 USD.
    expect(total(false)).toBe('1715.4');
    expect(total(true)).toBe('125');
  });

  it('pages the Clockify detailed report (whole workspace) by detailedFilter.page until a short page', async () => {
    const report = fixtureJson('clockify/detailed-report.json') as { timeentries: unknown[] };
    server = await startServer((req, res) => {
      const page = (JSON.parse(req.body) as { detailedFilter: { page: number } }).detailedFilter.page;
      sendJson(res, {
        ...report,
        timeentries: page === 1 ? report.timeentries.slice(0, 3) : report.timeentries.slice(3),
      });
    });
    const result = await collectSource(
      binding({
        connector: 'clockify',
        mode: 'live',
        secret: 'clockify',
        options: { reportsUrl: server.baseUrl, workspaceId: '64ws01', pageSize: 3 },
      }),
      testContext({ secrets: { clockify: secrets.clockify } }),
    );
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      url: '/v1/workspaces/64ws01/reports/detailed',
    });
    expect(JSON.parse(server.requests[1]?.body ?? '{}')).toMatchObject({
      dateRangeStart: '2026-10-01T00:00:00.000Z',
      dateRangeEnd: '2026-10-31T23:59:59.999Z',
      detailedFilter: { page: 2, pageSize: 3 },
    });
    expect(server.requests[0]?.headers['x-api-key']).toBe('clockify-secret-key');
    // 9900 + 1830 + 28800 s (2 h 45 min, 30 min 30 s, 8 h); the fourth entry is still running.
    expect(result.records.reduce((s, r) => s + (r.kind === 'time' ? r.seconds : 0), 0)).toBe(40_530);
    expect(result.records[0]).toMatchObject({
      person: 'anna.schmidt@acme.example',
      start: '2026-10-05T07:00:00Z',
    });
    expect(result.quarantined.map((q) => q.reason)).toEqual(['running-timer']);
  });

  it('reads a real Reports API v3 row (toggl-python test data) served as the only page', async () => {
    server = await startServer((_req, res) =>
      sendJson(res, fixtureJson('real/toggl/toggl-python-reports-v3-search-row.json')),
    );
    const result = await collectSource(
      binding({
        connector: 'toggl',
        mode: 'live',
        secret: 'toggl',
        options: { baseUrl: server.baseUrl, workspaceId: 43644207, projectMap: { '202793182': 'sample' } },
      }),
      testContext({ secrets: { toggl: secrets.toggl } }),
    );
    // No X-Next-ID header: one request. 11:13:46+03:00 → 11:14:38+03:00 = 52 s.
    expect(server.requests.map((r) => r.url)).toEqual([
      '/reports/api/v3/workspace/43644207/search/time_entries',
    ]);
    expect(result.records).toMatchObject([{ sourceId: '3545645770', projectRef: 'sample', seconds: 52 }]);
  });

  it('pages the Toggl Reports API v3 detailed report with the X-Next-ID / X-Next-Row-Number headers', async () => {
    const rows = fixtureJson('toggl/reports-v3-detailed.json') as unknown[];
    server = await startServer((req, res) => {
      const body = JSON.parse(req.body) as { first_id?: number; first_row_number?: number };
      if (body.first_id === undefined)
        sendJson(res, rows.slice(0, 2), 200, { 'x-next-id': '4103', 'x-next-row-number': '3' });
      else sendJson(res, rows.slice(2));
    });
    const result = await collectSource(
      binding({
        connector: 'toggl',
        mode: 'live',
        secret: 'toggl',
        options: {
          baseUrl: server.baseUrl,
          workspaceId: 7001,
          pageSize: 2,
          people: {
            '9001': 'anna.schmidt@acme.example',
            '9002': 'ben.weber@acme.example',
            '9003': 'chloe.martin@acme.example',
            '9004': 'david.fischer@acme.example',
          },
        },
      }),
      testContext({ secrets: { toggl: secrets.toggl } }),
    );
    expect(server.requests.map((r) => [r.method, r.url])).toEqual([
      ['POST', '/reports/api/v3/workspace/7001/search/time_entries'],
      ['POST', '/reports/api/v3/workspace/7001/search/time_entries'],
    ]);
    expect(JSON.parse(server.requests[0]?.body ?? '{}')).toMatchObject({
      start_date: '2026-10-01',
      end_date: '2026-10-31',
      page_size: 2,
    });
    expect(JSON.parse(server.requests[1]?.body ?? '{}')).toMatchObject({
      first_id: 4103,
      first_row_number: 3,
    });
    expect(result.raw).toHaveLength(2);
    // Same six entries as the v9 fixture: 8100 + 5420 + 1800 + 10800 + 2700 + 14400 = 43 220 s.
    expect(result.records.reduce((s, r) => s + (r.kind === 'time' ? r.seconds : 0), 0)).toBe(43_220);
    expect(new Set(result.records.map((r) => r.kind === 'time' && r.person))).toEqual(
      new Set([
        'anna.schmidt@acme.example',
        'ben.weber@acme.example',
        'chloe.martin@acme.example',
        'david.fischer@acme.example',
      ]),
    );
  });

  it('stops a pager that never ends with a clear error', async () => {
    server = await startServer((req, res) => {
      const offset = Number(new URL(req.url, 'http://x').searchParams.get('offset') ?? 0);
      sendJson(res, { results: [], metadata: { next: `/4/worklogs?offset=${offset + 1}` } });
    });
    const run = collectSource(
      binding({
        connector: 'tempo',
        mode: 'live',
        secret: 'tempo',
        options: { baseUrl: server.baseUrl, maxPages: 5 },
      }),
      testContext({ secrets: { tempo: secrets.tempo } }),
    );
    await expect(run).rejects.toMatchObject({
      name: 'SourcePayloadError',
      message: expect.stringMatching(/more than 5 pages/),
    });
    expect(server.requests).toHaveLength(5);
  });

  it('stops a pager that repeats its next link', async () => {
    server = await startServer((_req, res) =>
      sendJson(res, { results: [], metadata: { next: '/4/worklogs?offset=7' } }),
    );
    const run = collectSource(
      binding({ connector: 'tempo', mode: 'live', secret: 'tempo', options: { baseUrl: server.baseUrl } }),
      testContext({ secrets: { tempo: secrets.tempo } }),
    );
    await expect(run).rejects.toMatchObject({
      name: 'SourcePayloadError',
      message: expect.stringMatching(/same next page twice/),
    });
  });
});

describe('live mode retries and errors', () => {
  const toggl = (options: Record<string, unknown> = {}) =>
    binding({
      connector: 'toggl',
      mode: 'live',
      secret: 'toggl',
      options: { baseUrl: server?.baseUrl, workspaceId: 7001, ...options },
    });
  const ctx = () => testContext({ secrets: { toggl: secrets.toggl } });

  it('waits Retry-After seconds on Toggl 402 (quota) and then succeeds', async () => {
    server = await startServer((_req, res, i) => {
      if (i === 0) sendJson(res, 'quota reached', 402, { 'retry-after': '3' });
      else sendJson(res, fixtureJson('toggl/time-entries-v9.json'));
    });
    const context = ctx();
    const result = await collectSource(toggl(), context);
    expect(context.sleeps).toEqual([3000]);
    expect(result.records).toHaveLength(6);
    expect(result.quarantined[0]?.reason).toBe('running-timer');
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('toggl-secret-token:api_token').toString('base64')}`,
    );
  });

  it('honours a Retry-After HTTP date on 429', async () => {
    server = await startServer((_req, res, i) => {
      if (i === 0)
        sendJson(res, { error: 'slow down' }, 429, {
          'retry-after': new Date(Date.now() + 5000).toUTCString(),
        });
      else sendJson(res, []);
    });
    const context = ctx();
    await collectSource(toggl(), context);
    expect(context.sleeps).toHaveLength(1);
    expect(context.sleeps[0]).toBeGreaterThan(3000);
    expect(context.sleeps[0]).toBeLessThanOrEqual(5000);
  });

  it('gives up at once with SourceRateLimitedError when Retry-After is longer than a step should wait', async () => {
    server = await startServer((_req, res) => sendJson(res, 'hourly quota', 402, { 'retry-after': '3600' }));
    const run = collectSource(toggl(), ctx());
    await expect(run).rejects.toMatchObject({
      name: 'SourceRateLimitedError',
      retryAfterSeconds: 3600,
      status: 402,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('retries 5xx with jittered backoff and then succeeds', async () => {
    server = await startServer((_req, res, i) =>
      i < 2 ? sendJson(res, 'oops', i === 0 ? 503 : 500) : sendJson(res, []),
    );
    const context = ctx();
    const result = await collectSource(toggl({ baseDelayMs: 100 }), context);
    expect(result.records).toEqual([]);
    expect(server.requests).toHaveLength(3);
    expect(context.sleeps).toHaveLength(2);
    expect(context.sleeps[0]).toBeLessThan(100);
    expect(context.sleeps[1]).toBeLessThan(200);
  });

  it('ends with SourceUnavailableError when 5xx persists', async () => {
    server = await startServer((_req, res) => sendJson(res, 'down', 502));
    const run = collectSource(toggl({ maxAttempts: 3 }), ctx());
    await expect(run).rejects.toMatchObject({ name: 'SourceUnavailableError', attempts: 3, status: 502 });
    expect(server.requests).toHaveLength(3);
  });

  it('retries a request that times out', async () => {
    server = await startServer((_req, res, i) => {
      if (i > 0) sendJson(res, fixtureJson('toggl/time-entries-v9.json'));
      // the first request is left hanging until the client's timeout aborts it
    });
    const context = ctx();
    const result = await collectSource(toggl({ timeoutMs: 100 }), context);
    expect(result.records).toHaveLength(6);
    expect(server.requests).toHaveLength(2);
    expect(context.sleeps).toHaveLength(1);
  });

  it('rejects malformed JSON with SourcePayloadError', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"id": 1, "duration": ');
    });
    await expect(collectSource(toggl(), ctx())).rejects.toMatchObject({
      name: 'SourcePayloadError',
      message: expect.stringMatching(/not valid JSON/),
    });
  });

  it('reports an expired credential clearly, without retrying and without the secret', async () => {
    server = await startServer((_req, res) => sendJson(res, { message: 'token expired' }, 401));
    const error = await collectSource(toggl(), ctx()).then(
      () => new Error('expected a failure'),
      (e: unknown) => e as Error,
    );
    expect(error).toMatchObject({ name: 'SourceAuthError', status: 401 });
    expect(error.message).toMatch(/expired/);
    expect(error.message).not.toContain('toggl-secret-token');
    expect(server.requests).toHaveLength(1);
  });

  it('treats a network failure as transient and names it', async () => {
    const run = collectSource(
      binding({
        connector: 'toggl',
        mode: 'live',
        secret: 'toggl',
        options: { baseUrl: 'http://127.0.0.1:1', workspaceId: 7001, maxAttempts: 2 },
      }),
      ctx(),
    );
    await expect(run).rejects.toMatchObject({ name: 'SourceUnavailableError', attempts: 2 });
  });

  it('refuses a secret without the needed keys, naming the keys only', async () => {
    const run = collectSource(
      binding({
        connector: 'jira',
        mode: 'live',
        secret: 'jira',
        options: { baseUrl: 'http://127.0.0.1:1' },
      }),
      testContext({ secrets: { jira: { email: 'bot@acme.example' } } }),
    );
    await expect(run).rejects.toMatchObject({
      name: 'SourceAuthError',
      message: expect.stringMatching(/email \+ apiToken/),
    });
  });
});

describe('aws cost explorer live mode', () => {
  function fakeClient(pages: unknown[], error?: Error) {
    const inputs: GetCostAndUsageCommand['input'][] = [];
    return {
      inputs,
      async send(command: GetCostAndUsageCommand): Promise<GetCostAndUsageCommandOutput> {
        inputs.push(command.input);
        if (error) throw error;
        return {
          ...(pages[inputs.length - 1] as object),
          $metadata: { httpStatusCode: 200 },
        } as GetCostAndUsageCommandOutput;
      },
    };
  }

  it('pages with NextPageToken, keeps End exclusive and records the metric', async () => {
    const client = fakeClient([
      fixtureJson('aws-cost-explorer/get-cost-and-usage-page-1.json'),
      fixtureJson('aws-cost-explorer/get-cost-and-usage-page-2.json'),
    ]);
    const collect = createCollector({ costExplorer: client });
    const result = await collect(
      binding({
        connector: 'aws-cost-explorer',
        mode: 'live',
        options: { tagKey: 'project', tagValue: 'atlas' },
      }),
      testContext(),
    );
    expect(client.inputs).toHaveLength(2);
    expect(client.inputs[0]).toMatchObject({
      TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
      Metrics: ['NetAmortizedCost'],
      GroupBy: [{ Type: 'TAG', Key: 'project' }],
    });
    expect(client.inputs[1]?.NextPageToken).toBe('eyJwYWdlIjoyfQ==');
    // The account-wide answer has 5 groups; the settlement keeps its project's and the untagged one.
    expect(result.records).toHaveLength(4);
    expect(new Set(result.records.map((r) => r.projectRef))).toEqual(new Set(['atlas', 'unallocated']));
    expect(result.notes.join(' ')).toContain('1 record(s) of other projects left out');
    expect(result.raw).toHaveLength(2);
    expect(result.notes.join(' ')).toContain('NetAmortizedCost');
  });

  it('maps throttling to SourceRateLimitedError and access denied to SourceAuthError', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    const b = binding({ connector: 'aws-cost-explorer', mode: 'live', options: { tagKey: 'project' } });
    await expect(
      createCollector({ costExplorer: fakeClient([], throttled) })(b, testContext()),
    ).rejects.toMatchObject({ name: 'SourceRateLimitedError' });
    await expect(
      createCollector({ costExplorer: fakeClient([], denied) })(b, testContext()),
    ).rejects.toMatchObject({ name: 'SourceAuthError' });
  });
});

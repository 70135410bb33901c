import { afterEach, describe, expect, it } from 'vitest';
import { createCollector, MemorySecretStore } from '#connectors/index.ts';
import { binding, fixtureJson, sendJson, startServer, type TestServer, testContext } from './helpers.ts';

/**
 * A local OAuth 2 server in Intuit's manner: access tokens live a few seconds, every refresh
 * returns a new refresh token and the one used stops working at once. Its QuickBooks query
 * endpoint answers only with a live access token.
 */
function intuitLikeServer(clock: { now: number }, lifetimeSeconds: number) {
  let refreshToken = 'refresh-0';
  const accessTokens = new Map<string, number>();
  let issued = 0;
  const refreshes: string[] = [];
  const handler: Parameters<typeof startServer>[0] = (req, res) => {
    if (req.url === '/oauth2/v1/tokens/bearer') {
      const form = new URLSearchParams(req.body);
      const basic = `Basic ${Buffer.from('client-1:client-secret-1').toString('base64')}`;
      if (req.headers.authorization !== basic) return sendJson(res, { error: 'invalid_client' }, 401);
      refreshes.push(form.get('refresh_token') ?? '');
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== refreshToken)
        return sendJson(res, { error: 'invalid_grant' }, 400);
      issued += 1;
      refreshToken = `refresh-${issued}`;
      const access = `access-${issued}`;
      accessTokens.set(access, clock.now + lifetimeSeconds * 1000);
      return sendJson(res, {
        access_token: access,
        refresh_token: refreshToken,
        token_type: 'bearer',
        expires_in: lifetimeSeconds,
        x_refresh_token_expires_in: 8_726_400,
      });
    }
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const expiresAt = accessTokens.get(token);
    if (expiresAt === undefined || expiresAt <= clock.now)
      return sendJson(res, { fault: { error: [{ message: 'AuthenticationFailed', code: '3200' }] } }, 401);
    const query = new URL(req.url, 'http://x').searchParams.get('query') ?? '';
    return sendJson(
      res,
      query.includes('from Bill') ? fixtureJson('quickbooks/query-bill.json') : { QueryResponse: {} },
    );
  };
  return { handler, refreshes, currentRefreshToken: () => refreshToken };
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function quickbooksBinding(baseUrl: string) {
  return binding({
    connector: 'quickbooks',
    mode: 'live',
    secret: 'qbo',
    options: {
      baseUrl,
      tokenUrl: `${baseUrl}/oauth2/v1/tokens/bearer`,
      realmId: '9130',
      projectRef: 'atlas',
    },
  });
}

describe('quickbooks OAuth 2 refresh', () => {
  it('collects two nights in a row across expired access tokens, storing each rotated refresh token', async () => {
    const clock = { now: Date.parse('2026-10-31T02:00:00Z') };
    const intuit = intuitLikeServer(clock, 5);
    server = await startServer(intuit.handler);
    const secrets = new MemorySecretStore({
      qbo: { clientId: 'client-1', clientSecret: 'client-secret-1', refreshToken: 'refresh-0' },
    });
    const collect = createCollector({ now: () => clock.now });
    const ctx = { ...testContext(), secrets, sleep: () => new Promise<void>((r) => setTimeout(r, 2)) };

    const first = await collect(quickbooksBinding(server.baseUrl), ctx);
    // query-bill.json: 4 valid expense lines (11 400 + 1 234.56 + 0.10 EUR, 8 850 USD), one invalid amount.
    expect(first.records).toHaveLength(4);
    expect((await secrets.read('qbo')).value).toMatchObject({
      refreshToken: 'refresh-1',
      accessToken: 'access-1',
    });

    clock.now += 24 * 3600 * 1000; // the next night: access-1 expired long ago
    const second = await collect(quickbooksBinding(server.baseUrl), ctx);
    expect(second.records).toHaveLength(4);
    expect(intuit.refreshes).toEqual(['refresh-0', 'refresh-1']);
    const stored = (await secrets.read('qbo')).value;
    expect(stored.refreshToken).toBe(intuit.currentRefreshToken());
    expect(stored).not.toHaveProperty('refreshLeaseOwner');

    // Within the access token's lifetime a run reuses it: no refresh.
    clock.now += 1000;
    await collect(quickbooksBinding(server.baseUrl), ctx);
    expect(intuit.refreshes).toHaveLength(2);
  });

  it('lets only one of two concurrent runs refresh, and both collect with the rotated token', async () => {
    const clock = { now: Date.parse('2026-10-31T02:00:00Z') };
    const intuit = intuitLikeServer(clock, 5);
    server = await startServer(intuit.handler);
    const secrets = new MemorySecretStore({
      qbo: { clientId: 'client-1', clientSecret: 'client-secret-1', refreshToken: 'refresh-0' },
    });
    const collect = createCollector({ now: () => clock.now });
    const ctx = () => ({
      ...testContext(),
      secrets,
      sleep: () => new Promise<void>((r) => setTimeout(r, 2)),
    });
    const [a, b] = await Promise.all([
      collect(quickbooksBinding(server.baseUrl), ctx()),
      collect(quickbooksBinding(server.baseUrl), ctx()),
    ]);
    expect(a.records).toHaveLength(4);
    expect(b.records).toHaveLength(4);
    // A second refresh with refresh-0 would have been refused (invalid_grant) and lost the run.
    expect(intuit.refreshes).toEqual(['refresh-0']);
    expect((await secrets.read('qbo')).value.refreshToken).toBe('refresh-1');
  });

  it('renews the access token once when the API rejects it in the middle of a run', async () => {
    const clock = { now: Date.parse('2026-10-31T02:00:00Z') };
    const intuit = intuitLikeServer(clock, 3600);
    let expired = false;
    server = await startServer((req, res, i) => {
      // The Bill query succeeds; then the token "expires" before the PurchaseOrder query.
      const query = new URL(req.url, 'http://x').searchParams.get('query') ?? '';
      if (query.includes('from PurchaseOrder') && !expired) {
        expired = true;
        clock.now += 3600 * 1000;
      }
      intuit.handler(req, res, i);
    });
    const secrets = new MemorySecretStore({
      qbo: { clientId: 'client-1', clientSecret: 'client-secret-1', refreshToken: 'refresh-0' },
    });
    const result = await createCollector({ now: () => clock.now })(quickbooksBinding(server.baseUrl), {
      ...testContext(),
      secrets,
    });
    expect(result.records).toHaveLength(4);
    expect(intuit.refreshes).toEqual(['refresh-0', 'refresh-1']);
    expect((await secrets.read('qbo')).value.refreshToken).toBe('refresh-2');
  });

  it('fails clearly when the refresh token is no longer accepted', async () => {
    const clock = { now: Date.parse('2026-10-31T02:00:00Z') };
    const intuit = intuitLikeServer(clock, 5);
    server = await startServer(intuit.handler);
    const secrets = new MemorySecretStore({
      qbo: { clientId: 'client-1', clientSecret: 'client-secret-1', refreshToken: 'revoked' },
    });
    const run = createCollector({ now: () => clock.now })(quickbooksBinding(server.baseUrl), {
      ...testContext(),
      secrets,
    });
    await expect(run).rejects.toMatchObject({
      name: 'SourceAuthError',
      message: expect.stringContaining('refused the refresh_token grant (HTTP 400 invalid_grant)'),
    });
  });

  it('refuses to rotate where the secret cannot be written, instead of losing the new token', async () => {
    const clock = { now: Date.parse('2026-10-31T02:00:00Z') };
    server = await startServer(intuitLikeServer(clock, 5).handler);
    const run = createCollector({ now: () => clock.now })(
      quickbooksBinding(server.baseUrl),
      testContext({
        secrets: {
          qbo: { clientId: 'client-1', clientSecret: 'client-secret-1', refreshToken: 'refresh-0' },
        },
      }),
    );
    await expect(run).rejects.toMatchObject({
      name: 'SourceAuthError',
      message: expect.stringContaining('cannot be written'),
    });
  });
});

describe('azure client credentials', () => {
  it('gets an ARM token with the client-credentials grant and queries with it', async () => {
    server = await startServer((req, res) => {
      if (req.url === '/tenant-1/oauth2/v2.0/token') {
        const form = new URLSearchParams(req.body);
        expect(Object.fromEntries(form)).toEqual({
          grant_type: 'client_credentials',
          client_id: 'app-1',
          client_secret: 'app-secret',
          scope: 'https://management.azure.com/.default',
        });
        return sendJson(res, { token_type: 'Bearer', expires_in: 3599, access_token: 'arm-token' });
      }
      if (req.headers.authorization !== 'Bearer arm-token') return sendJson(res, { error: 'no' }, 401);
      return sendJson(res, fixtureJson('azure-cost/query-page-2.json'));
    });
    const result = await createCollector()(
      binding({
        connector: 'azure-cost',
        mode: 'live',
        secret: 'azure',
        options: {
          baseUrl: server.baseUrl,
          authorityUrl: server.baseUrl,
          scope: '/subscriptions/s1',
          projectRef: 'atlas',
        },
      }),
      testContext({
        secrets: { azure: { tenantId: 'tenant-1', clientId: 'app-1', clientSecret: 'app-secret' } },
      }),
    );
    expect(server.requests.map((r) => r.url.split('?')[0])).toEqual([
      '/tenant-1/oauth2/v2.0/token',
      '/subscriptions/s1/providers/Microsoft.CostManagement/query',
    ]);
    expect(result.records.length).toBeGreaterThan(0);
  });
});

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './harness.ts';

/** A fake vendor API (Tempo v4 worklogs) whose behaviour a test switches at will. */
export type VendorMode = 'ok' | 'fail-5xx' | 'hang' | 'page-forever' | 'flaky-then-ok' | 'garbage';

export interface Vendor {
  readonly baseUrl: string;
  mode: VendorMode;
  requests: number;
  /** The path and query of every request, in order. */
  readonly urls: string[];
  close(): Promise<void>;
}

const page1 = readFileSync(join(ROOT, 'test', 'fixtures', 'tempo', 'worklogs-page-1.json'), 'utf8');
const page2 = readFileSync(join(ROOT, 'test', 'fixtures', 'tempo', 'worklogs-page-2.json'), 'utf8');

export async function startVendor(): Promise<Vendor> {
  const hanging = new Set<() => void>();
  let flaky = 0;
  const vendor: Vendor = {
    baseUrl: '',
    mode: 'ok',
    requests: 0,
    urls: [],
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    vendor.requests += 1;
    const url = req.url ?? '/';
    vendor.urls.push(url);
    switch (vendor.mode) {
      case 'fail-5xx':
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
        return;
      case 'hang':
        // Never answers; the connector's per-attempt timeout must give up.
        hanging.add(() => res.destroy());
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"results": [1, 2, {"nope":');
        return;
      case 'page-forever': {
        const offset = Number(new URL(url, 'http://x').searchParams.get('offset') ?? 0);
        const body = JSON.parse(page1) as { metadata: { next: string } };
        body.metadata.next = `/4/worklogs?from=2026-10-01&to=2026-10-31&offset=${offset + 3}&limit=3`;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return;
      }
      case 'flaky-then-ok':
        flaky += 1;
        if (flaky % 3 !== 0) {
          res.writeHead(502).end('bad gateway');
          return;
        }
        break;
      default:
        break;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(url.includes('offset=3') ? page2 : page1);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(vendor, {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const end of hanging) end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

/** The demo charter with a live Tempo source bound to the fake vendor (fast retries, short timeouts). */
export function withLiveTempo(baseUrl: string) {
  return (charter: Record<string, unknown>) => ({
    ...charter,
    // The fixture's worklogs name people the charter has no rate for: a warning, not a block.
    verification: {
      completion: 'blocking',
      acceptance: 'blocking',
      milestoneDates: 'warning',
      rates: 'warning',
    },
    sources: [
      ...(charter.sources as unknown[]),
      {
        id: 'tempo',
        connector: 'tempo',
        mode: 'live',
        secret: 'tempo',
        options: {
          baseUrl,
          projectMap: { ATL: 'atlas' },
          maxAttempts: 3,
          baseDelayMs: 1,
          maxDelayMs: 5,
          timeoutMs: 250,
          maxPages: 25,
        },
      },
    ],
  });
}

export const TEMPO_SECRET_ENV = { SECRET_TEMPO: JSON.stringify({ token: 'tempo-secret-token' }) };

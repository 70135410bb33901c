import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { CollectContext } from '#connectors/types.ts';
import type { DataSourceBinding } from '#domain/sources.ts';

const fixturesDir = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const demoDir = fileURLToPath(new URL('../../../demo/acme/', import.meta.url));

export function fixture(path: string): Uint8Array {
  return new Uint8Array(readFileSync(`${fixturesDir}${path}`));
}

export function fixtureText(path: string): string {
  return readFileSync(`${fixturesDir}${path}`, 'utf8');
}

export function fixtureJson(path: string): unknown {
  return JSON.parse(fixtureText(path));
}

export function demoFile(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${demoDir}${name}`));
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface TestServer {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A local HTTP server on port 0; the handler answers each request (and sees the ones before it). */
export async function startServer(
  handler: (request: RecordedRequest, response: ServerResponse, index: number) => void,
): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      handler(recorded, res, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  response: ServerResponse,
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

export interface TestContext extends CollectContext {
  readonly sleeps: number[];
}

/** A CollectContext with a recording no-op sleep, an in-memory inbox and secrets. */
export function testContext(
  overrides: {
    files?: Record<string, Uint8Array>;
    secrets?: Record<string, Record<string, string>>;
    projectRef?: string;
  } = {},
): TestContext {
  const sleeps: number[] = [];
  return {
    projectRef: overrides.projectRef ?? 'atlas',
    window: { from: '2026-10-01', to: '2026-11-01' },
    async readFile(path) {
      const file = overrides.files?.[path];
      if (!file) throw new Error(`ENOENT ${path}`);
      return file;
    },
    async getSecret(name) {
      const secret = overrides.secrets?.[name];
      if (!secret) throw new Error(`no secret ${name}`);
      return secret;
    },
    fetch: globalThis.fetch,
    sleeps,
    async sleep(ms) {
      sleeps.push(ms);
    },
  };
}

export function binding(
  partial: Partial<DataSourceBinding> & Pick<DataSourceBinding, 'connector' | 'mode'>,
): DataSourceBinding {
  return { id: partial.id ?? `${partial.connector}-test`, options: {}, ...partial };
}

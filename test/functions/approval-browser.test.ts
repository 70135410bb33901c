import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cjkCodePoints, EMBEDDED_CJK_FAMILY, subsetCodePoints, unicodeRange } from '#statement/web-font.ts';
import { approveInBrowser, decideInBrowser, extractApprovalLink } from '../support/approval-browser.ts';
import { launchChromium } from '../support/browser.ts';
import { glyphPixels } from '../support/glyphs.ts';
import {
  type ApiResult,
  type ApprovalTestEnv,
  apiEvent,
  asStep,
  lambdaContext,
  putSummary,
  settlementRef,
  startApprovalEnv,
  summaryFor,
} from './approval-harness.ts';

let env: ApprovalTestEnv;
let server: Server;
let baseUrl: string;
let directory: string;
let handlers: {
  request: typeof import('#functions/request-approval.ts');
  api: typeof import('#functions/approval-api.ts');
};

beforeAll(async () => {
  env = await startApprovalEnv();
  directory = await mkdtemp(join(tmpdir(), 'approval-eml-'));
  handlers = {
    request: await import('#functions/request-approval.ts'),
    api: await import('#functions/approval-api.ts'),
  };
  // A minimal stand-in for the local runtime's HTTP server: real HTTP in, API Gateway v2 event out.
  const api = asStep(env, 'ApprovalApi', handlers.api.handler);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
      );
      const event = apiEvent(req.method ?? 'GET', req.url ?? '/', {
        headers,
        ...(req.method === 'POST' ? { body } : {}),
      });
      const result = (await api(event, lambdaContext)) as ApiResult;
      res.writeHead(result.statusCode, result.headers);
      res.end(result.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server?.closeAllConnections();
    server?.close(() => resolve());
  });
  await env?.stop();
  if (directory) await rm(directory, { recursive: true, force: true });
});

async function emailedEml(): Promise<{ emlPath: string; taskToken: string }> {
  const settlement = settlementRef();
  await putSummary(summaryFor(settlement.settlementId));
  const taskToken = `browser-token-${settlement.settlementId}`;
  await asStep(
    env,
    'RequestApproval',
    handlers.request.makeRequestApprovalHandler({ baseUrl }),
  )(
    { settlement, approval: { step: 0, steps: 1, waitSeconds: 3600, phase: 'initial' }, taskToken },
    lambdaContext,
  );
  const emlPath = join(directory, `${settlement.settlementId}.eml`);
  await writeFile(emlPath, env.recorded.emails.at(-1)?.mime ?? '');
  return { emlPath, taskToken };
}

describe('the approval page in a real browser', () => {
  it('opens the link from the emailed .eml, shows the totals and approves', async () => {
    const { emlPath, taskToken } = await emailedEml();
    const result = await approveInBrowser(emlPath, ['€12,345.60', '€9,876.50', 'Materials']);
    expect(result.status).toBe(200);
    expect(result.text).toContain('Approved. Thank you');
    const sent = env.recorded.taskSuccesses.filter((s) => s.taskToken === taskToken);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]?.output ?? '{}')).toMatchObject({ decision: 'approved', complete: true });
  });

  it('rejects with a comment typed into the form', async () => {
    const { emlPath, taskToken } = await emailedEml();
    const result = await decideInBrowser({
      emlPath,
      expectText: '€12,345.60',
      decision: 'reject',
      comment: 'Please explain the materials overrun.',
    });
    expect(result.status).toBe(200);
    expect(result.text).toContain('Rejected.');
    const output = JSON.parse(
      env.recorded.taskSuccesses.find((s) => s.taskToken === taskToken)?.output ?? '{}',
    );
    expect(output).toMatchObject({ decision: 'rejected', comment: 'Please explain the materials overrun.' });
  });

  it('fails when the page does not show the expected total', async () => {
    const { emlPath, taskToken } = await emailedEml();
    await expect(approveInBrowser(emlPath, '€1.00')).rejects.toThrow('does not show "€1.00"');
    expect(env.recorded.taskSuccesses.filter((s) => s.taskToken === taskToken)).toHaveLength(0);
  });
});

describe('the Chinese approval page in Chromium without CJK fonts', () => {
  it('embeds a Noto Sans SC subset its CSP allows, and draws Chinese with it instead of boxes', async () => {
    const { emlPath } = await emailedEml();
    const link = extractApprovalLink(await readFile(emlPath, 'utf8'));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 900 } });
      const refused: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused/i.test(m.text())) refused.push(m.text());
      });
      const response = await page.goto(`${link}&lang=zh-CN`, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain('font-src data:');
      await page.evaluate(() => document.fonts.ready);
      const faces = await page.evaluate(() =>
        [...document.fonts].map((f) => ({ family: f.family, status: f.status })),
      );
      expect(faces).toContainEqual({ family: EMBEDDED_CJK_FAMILY, status: 'loaded' });
      expect(refused).toEqual([]);

      const heading = (await page.locator('h1').textContent()) ?? '';
      const [first, second] = [...new Set(heading.match(/[\u4e00-\u9fff]/g) ?? [])];
      if (!first || !second)
        throw new Error(`the heading "${heading}" has fewer than two Chinese characters`);
      const stack = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
      expect(stack.startsWith(`"${EMBEDDED_CJK_FAMILY}", `)).toBe(true);
      const withoutEmbedded = stack.replace(`"${EMBEDDED_CJK_FAMILY}", `, '');
      // Without the embedded face both characters are the same box on this machine; with it they differ.
      expect(await glyphPixels(page, `40px ${withoutEmbedded}`, first)).toBe(
        await glyphPixels(page, `40px ${withoutEmbedded}`, second),
      );
      const drawn = await glyphPixels(page, `40px ${stack}`, first);
      expect(drawn).not.toBe(await glyphPixels(page, `40px ${stack}`, second));
      expect(drawn).toBe(await glyphPixels(page, `40px "${EMBEDDED_CJK_FAMILY}"`, first));

      // The English page of the same link has Chinese only in its language switch: the subset holds
      // those and the page's few other characters beyond ASCII, nothing more.
      await page.goto(`${link}&lang=en`, { waitUntil: 'load' });
      const english = await page.evaluate(() => ({
        text: `${document.title}${document.body.textContent ?? ''}`,
        css: [...document.querySelectorAll('style')].map((s) => s.textContent ?? '').join(''),
      }));
      const used = cjkCodePoints(english.text);
      expect(used.length).toBeGreaterThan(0);
      expect(used.length).toBeLessThan(5);
      expect(subsetCodePoints(english.text).length).toBeLessThan(12);
      expect(/unicode-range:([^}]+)}/.exec(english.css)?.[1]).toBe(
        unicodeRange(subsetCodePoints(english.text)),
      );
    } finally {
      await browser.close();
    }
  }, 60_000);
});

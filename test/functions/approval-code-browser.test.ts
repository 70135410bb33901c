import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '#adapters/config.ts';
import { extractApprovalLink, parseMimeParts } from '../support/approval-browser.ts';
import { launchChromium } from '../support/browser.ts';
import {
  type ApiResult,
  type ApprovalTestEnv,
  apiEvent,
  asStep,
  lambdaContext,
  PM,
  putSummary,
  settlementRef,
  startApprovalEnv,
  summaryFor,
} from './approval-harness.ts';

/**
 * The code step in a real headless Chromium (JavaScript off, as a strict mail client's browser):
 * an above-threshold settlement is approved by clicking Approve, typing the emailed code and
 * confirming. The page is served by the approval handler behind real HTTP, as the local runtime does.
 */

let env: ApprovalTestEnv;
let server: Server;
let baseUrl: string;
let handlers: {
  request: typeof import('#functions/request-approval.ts');
  api: typeof import('#functions/approval-api.ts');
};

beforeAll(async () => {
  env = await startApprovalEnv();
  Object.assign(process.env, { APPROVAL_CODE_FROM: '10000.00 EUR', APPROVAL_CODE_ATTEMPTS: '5' });
  resetConfig();
  handlers = {
    request: await import('#functions/request-approval.ts'),
    api: await import('#functions/approval-api.ts'),
  };
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
  delete process.env.APPROVAL_CODE_FROM;
  delete process.env.APPROVAL_CODE_ATTEMPTS;
  await new Promise<void>((resolve) => {
    server?.closeAllConnections();
    server?.close(() => resolve());
  });
  await env?.stop();
});

async function requestApproval(amount: string): Promise<{ link: string; taskToken: string }> {
  const settlement = settlementRef();
  await putSummary(summaryFor(settlement.settlementId, { amount }));
  const taskToken = `browser-code-token-${settlement.settlementId}`;
  await asStep(
    env,
    'RequestApproval',
    handlers.request.makeRequestApprovalHandler({ baseUrl }),
  )(
    { settlement, approval: { step: 0, steps: 1, waitSeconds: 3600, phase: 'initial' }, taskToken },
    lambdaContext,
  );
  return { link: extractApprovalLink(env.recorded.emails.at(-1)?.mime ?? ''), taskToken };
}

function emailedCode(): string {
  const email = env.recorded.emails.at(-1);
  expect(email?.to).toEqual([PM.email]);
  const text = parseMimeParts(email?.mime ?? '').find((p) => p.contentType === 'text/plain')?.text ?? '';
  const code = /^ {4}(\d{6})$/m.exec(text)?.[1];
  if (!code) throw new Error('no code in the email');
  return code;
}

async function visibleText(page: Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what an approver reads.
  return (await page.locator('body').innerText()).replace(/\s+/g, ' ').trim();
}

async function click(page: Page, selector: string): Promise<number> {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return response?.status() ?? 0;
}

describe('approving an above-threshold settlement in Chromium', () => {
  it('asks for the emailed code after Approve, refuses a wrong one and approves with the right one', async () => {
    const { link, taskToken } = await requestApproval('64000.00');
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({
        viewport: { width: 390, height: 844 },
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const refused: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused/i.test(m.text())) refused.push(m.text());
      });
      expect((await page.goto(link))?.status()).toBe(200);
      expect(await visibleText(page)).toContain('Approving €64,000.00 needs a one-time code');
      await page.fill('textarea[name="comment"]', 'Looks right.');

      expect(await click(page, 'button[name="decision"][value="approve"]')).toBe(200);
      expect(await visibleText(page)).toContain(`We emailed a 6-digit code to ${PM.email}`);
      expect(env.recorded.taskSuccesses.filter((s) => s.taskToken === taskToken)).toHaveLength(0);
      const code = emailedCode();

      await page.fill('input[name="code"]', code === '000000' ? '999999' : '000000');
      expect(await click(page, 'button[name="codeAction"][value="confirm"]')).toBe(400);
      const afterWrong = await visibleText(page);
      expect(afterWrong).toContain('That code is not correct.');
      expect(afterWrong).toContain('Attempts left: 4.');

      await page.fill('input[name="code"]', code);
      expect(await click(page, 'button[name="codeAction"][value="confirm"]')).toBe(200);
      expect(await visibleText(page)).toContain('Approved. Thank you');
      expect(refused).toEqual([]);
      const sent = env.recorded.taskSuccesses.filter((s) => s.taskToken === taskToken);
      expect(sent).toHaveLength(1);
      expect(JSON.parse(sent[0]?.output ?? '{}')).toMatchObject({
        decision: 'approved',
        comment: 'Looks right.',
      });
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('shows the code step in Chinese', async () => {
    const { link } = await requestApproval('64000.00');
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
      expect((await page.goto(`${link}&lang=zh-CN`))?.status()).toBe(200);
      expect(await visibleText(page)).toContain('需要一次性验证码');
      expect(await click(page, 'button[name="decision"][value="approve"]')).toBe(200);
      const text = await visibleText(page);
      expect(text).toContain('确认您的批准');
      expect(text).toContain('6 位验证码已发送到');
      expect(await page.locator('button[name="codeAction"][value="confirm"]').textContent()).toBe('确认批准');
    } finally {
      await browser.close();
    }
  }, 60_000);
});

import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { launchChromium } from './browser.ts';

/**
 * Real-browser helpers for the approval flow: read the link out of an emailed `.eml` (a
 * multipart MIME message, parts quoted-printable or base64) and approve in a real headless Chromium.
 */

export interface MimePart {
  readonly contentType: string;
  readonly text: string;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  // Folded header lines continue with whitespace.
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function parameter(headerValue: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}=("([^"]*)"|[^;\\s]+)`, 'i').exec(headerValue);
  return match ? (match[2] ?? match[1]) : undefined;
}

function decodeQuotedPrintable(body: string): Buffer {
  const soft = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i] as string;
    const hex = soft.slice(i + 1, i + 3);
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** The leaf parts of a MIME message, decoded to text. */
export function parseMimeParts(raw: string): MimePart[] {
  const split = /\r?\n\r?\n/.exec(raw);
  const headerBlock = split ? raw.slice(0, split.index) : raw;
  const body = split ? raw.slice(split.index + split[0].length) : '';
  const headers = parseHeaders(headerBlock);
  const contentType = headers.get('content-type') ?? 'text/plain';
  if (/^multipart\//i.test(contentType)) {
    const boundary = parameter(contentType, 'boundary');
    if (!boundary) return [];
    const parts = body.split(
      new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`),
    );
    return parts
      .slice(1)
      .filter((p) => p.trim() !== '')
      .flatMap(parseMimeParts);
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const bytes =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body)
        : Buffer.from(body, 'utf8');
  return [
    {
      contentType: contentType.split(';')[0]?.trim().toLowerCase() ?? 'text/plain',
      text: bytes.toString('utf8'),
    },
  ];
}

const LINK = /https?:\/\/[^\s"'<>]+\/approvals\/[A-Za-z0-9_-]+\?s=[A-Za-z0-9_-]+/;

/** The approval link of an email: from its text part, else from its HTML part. */
export function extractApprovalLink(raw: string): string {
  const parts = parseMimeParts(raw);
  const ordered = [
    ...parts.filter((p) => p.contentType === 'text/plain'),
    ...parts
      .filter((p) => p.contentType === 'text/html')
      .map((p) => ({ ...p, text: p.text.replaceAll('&amp;', '&') })),
  ];
  for (const part of ordered) {
    const match = LINK.exec(part.text);
    if (match) return match[0];
  }
  throw new Error('no approval link in the email');
}

export interface BrowserDecisionOptions {
  /** Path of the `.eml` file the approver received. */
  readonly emlPath: string;
  /** Text the page must show before deciding, e.g. the formatted total "EUR 12,345.60". */
  readonly expectText: string | readonly string[];
  readonly decision?: 'approve' | 'reject';
  readonly comment?: string;
  readonly timeoutMs?: number;
}

/** What an approver sees (rendered text, not hidden markup), whitespace collapsed. */
async function visibleText(page: Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what an approver reads.
  return (await page.locator('body').innerText()).replace(/\s+/g, ' ').trim();
}

export interface BrowserDecisionResult {
  readonly link: string;
  /** HTTP status of the page after the decision. */
  readonly status: number;
  /** Visible text of that page. */
  readonly text: string;
}

/**
 * Opens the approval link from an `.eml` in a real, JavaScript-free page load of chromium, checks
 * that the expected figures are shown, decides (Approve unless told otherwise) and returns the
 * confirmation page. Throws when the page does not open or does not show the figures.
 */
export async function decideInBrowser(options: BrowserDecisionOptions): Promise<BrowserDecisionResult> {
  const link = extractApprovalLink(await readFile(options.emlPath, 'utf8'));
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(options.timeoutMs ?? 15_000);
    const opened = await page.goto(link);
    if (opened?.status() !== 200)
      throw new Error(`the approval page answered ${opened?.status() ?? 'nothing'}`);
    const shown = await visibleText(page);
    for (const expected of typeof options.expectText === 'string'
      ? [options.expectText]
      : options.expectText) {
      if (!shown.includes(expected)) throw new Error(`the approval page does not show "${expected}"`);
    }
    if (options.comment) await page.fill('textarea[name="comment"]', options.comment);
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.click(`button[name="decision"][value="${options.decision ?? 'approve'}"]`),
    ]);
    return {
      link,
      status: response?.status() ?? 0,
      text: await visibleText(page),
    };
  } finally {
    await browser.close();
  }
}

/** Approves from an `.eml` in chromium (see decideInBrowser). */
export function approveInBrowser(
  emlPath: string,
  expectText: string | readonly string[],
  options: Omit<BrowserDecisionOptions, 'emlPath' | 'expectText' | 'decision'> = {},
): Promise<BrowserDecisionResult> {
  return decideInBrowser({ ...options, emlPath, expectText, decision: 'approve' });
}

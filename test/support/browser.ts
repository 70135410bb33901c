import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, used when the machine has it. */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * Where Chromium is: `CHROMIUM_PATH` (set once per test run by the global setup), the system's
 * Chromium when present, or the binary shipped inside the `@sparticuz/chromium` npm package, so a bare
 * machine needs nothing beyond `npm ci`.
 */
export async function chromiumPath(): Promise<string> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  const { default: packaged } = await import('@sparticuz/chromium');
  return packaged.executablePath();
}

/**
 * Flags for a headless run as root on a machine with no network but loopback. Deliberately not the
 * package's own list, which turns off web security: the tests check CSP and network requests.
 */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--font-render-hinting=none',
];

/** A headless Chromium for the browser tests. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: await chromiumPath(), args: CHROMIUM_ARGS });
}

import { chromiumPath } from './browser.ts';

/**
 * Vitest global setup: find (or unpack, once) the Chromium binary before the test forks start, so
 * that parallel test files never unpack the packaged browser at the same time.
 */
export default async function setup() {
  process.env.CHROMIUM_PATH = await chromiumPath();
}

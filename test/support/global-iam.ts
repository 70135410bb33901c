import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LOCAL_REGION } from '#local/emulators.ts';
import { localTenant, synthesizedTemplate } from '#local/iam/policies.ts';

/**
 * Vitest global setup for the IAM-enforcing local runs:
 * - synthesizes each tenant's stack once (cached by source hash) before the test forks start, so
 *   parallel files never synthesize the same template at the same time;
 * - keeps the local KMS stand-in's keys under `.local/test-keys/`;
 * - collects what every principal was allowed to do into `.local/iam-usage/`, which `npm test`'s
 *   grant-coverage step (`npm run test:grants`) reads after the run.
 */
export const USAGE_DIR = join(resolve(import.meta.dirname, '..', '..'), '.local', 'iam-usage');

export default async function setup() {
  for (const tenantId of ['acme', 'globex']) await synthesizedTemplate(localTenant(tenantId, LOCAL_REGION));
  // Local KMS stand-in keys of the test runs: in the project's .local, not the user's ~/.config/settle.
  process.env.SETTLE_KEYS_DIR ??= join(resolve(import.meta.dirname, '..', '..'), '.local', 'test-keys');
  if (!process.env.SETTLEMENT_IAM_USAGE) {
    await rm(USAGE_DIR, { recursive: true, force: true });
    process.env.SETTLEMENT_IAM_USAGE = USAGE_DIR;
  }
}

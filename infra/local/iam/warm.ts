/**
 * Synthesizes the demo tenant's stack once at install (`npm ci` runs `prepare`), so that the first
 * `npm start` finds the IAM policies it enforces already derived from the CDK template instead of
 * spending its first seconds on a synthesis. The template is cached by a hash of its sources
 * (see `synthesizedTemplate`); a change to them synthesizes again on the next run.
 *
 * Usage: node infra/local/iam/warm.ts [tenant…]   (default: acme)
 */
import { LOCAL_REGION } from '../emulators.ts';
import { localTenant, synthesizedTemplate } from './policies.ts';

const tenants = process.argv.slice(2);
for (const tenantId of tenants.length > 0 ? tenants : ['acme']) {
  const started = performance.now();
  await synthesizedTemplate(localTenant(tenantId, LOCAL_REGION));
  process.stdout.write(
    `IAM policies of tenant ${tenantId} ready for local runs (${Math.round(performance.now() - started)} ms)\n`,
  );
}

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { addTenantStacks } from '../../../infra/cdk/settlement-app.ts';
import { PROJECT_ROOT, type TenantSettlementStack } from '../../../infra/cdk/tenant-settlement-stack.ts';
import { loadTenants, type Tenant } from '../../../infra/cdk/tenants.ts';

/** Stand-in handlers: with bundling skipped, NodejsFunction still requires the entry file to exist. */
export const FIXTURE_FUNCTIONS_DIR = resolve(import.meta.dirname, 'fixtures/functions');
export const TENANTS_FILE = resolve(PROJECT_ROOT, 'infra/tenants.json');

/** The feature flags of cdk.json, so tests synthesise what `cdk synth` does. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * Builds the app as infra/app.ts does, from the real tenants file, but without bundling
 * (`aws:cdk:bundling-stacks: []` makes NodejsFunction skip esbuild) so tests stay fast.
 */
export function synthTenants(options: { tenants?: Tenant[]; nag?: boolean } = {}): {
  app: App;
  stacks: TenantSettlementStack[];
} {
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  const stacks = addTenantStacks(app, {
    tenants: options.tenants ?? loadTenants(TENANTS_FILE),
    nag: options.nag ?? false,
    stackProps: { functionsDir: FIXTURE_FUNCTIONS_DIR },
  });
  return { app, stacks };
}

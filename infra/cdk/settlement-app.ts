import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackName } from '../stack-outputs.ts';
import { TenantSettlementStack, type TenantSettlementStackProps } from './tenant-settlement-stack.ts';
import { parseTenants, type Tenant } from './tenants.ts';

export interface SettlementAppOptions {
  readonly tenants: readonly Tenant[];
  /** Run the cdk-nag AwsSolutions checks at synthesis. @default true */
  readonly nag?: boolean;
  /** Passed to every stack (tests point `functionsDir` elsewhere). @default - the project's folders */
  readonly stackProps?: Omit<TenantSettlementStackProps, 'tenant' | 'env'>;
}

export { stackName };

/**
 * Adds one TenantSettlementStack per tenant to the app and the cdk-nag AwsSolutions checks.
 * Stacks are account-agnostic unless the tenant names its account, so synthesis needs no
 * credentials and no network.
 */
export function addTenantStacks(app: App, options: SettlementAppOptions): TenantSettlementStack[] {
  // Tenants built in code (not read through loadTenants) get the same checks: ids that cannot make
  // two tenants' resource names collide, and every other rule of the tenants file.
  parseTenants({ tenants: options.tenants }, 'the tenants given to the CDK app');
  const stacks = options.tenants.map(
    (tenant) =>
      new TenantSettlementStack(app, stackName(tenant.id), {
        ...options.stackProps,
        tenant,
        stackName: stackName(tenant.id),
        // Stack tags propagate to every taggable resource, including ones the constructs do not tag.
        tags: { tenant: tenant.id, application: 'project-settlement' },
        env: { region: tenant.region, ...(tenant.account ? { account: tenant.account } : {}) },
      }),
  );
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stacks;
}

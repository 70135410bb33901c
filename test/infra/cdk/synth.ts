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

/**
 * The tenants a test that looks at one or two stacks synthesizes: acme and globex (every tenant of
 * the file is synthesized by the isolation and cdk-nag tests).
 */
export function acmeAndGlobex(): Tenant[] {
  return loadTenants(TENANTS_FILE).filter((t) => t.id === 'acme' || t.id === 'globex');
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type CfnTemplate = { Resources: Record<string, { Type: string; Properties?: Record<string, Json> }> };

/** One IAM policy statement found in a template, with where it came from. */
export interface FoundStatement {
  readonly logicalId: string;
  readonly resourceType: string;
  /** identity: attached to a role/policy; resource: a bucket/queue/topic/key policy. */
  readonly kind: 'identity' | 'resource';
  readonly statement: Record<string, Json>;
}

function statementsOf(document: Json | undefined): Record<string, Json>[] {
  if (!document || typeof document !== 'object' || Array.isArray(document)) return [];
  const statements = document.Statement;
  if (Array.isArray(statements)) return statements as Record<string, Json>[];
  return statements && typeof statements === 'object' ? [statements as Record<string, Json>] : [];
}

/**
 * Every IAM policy statement of a template: identity policies (AWS::IAM::Policy,
 * AWS::IAM::ManagedPolicy, inline role policies) and resource policies (bucket, queue, topic,
 * key). Trust policies (AssumeRolePolicyDocument) grant no access to resources and are left out.
 */
export function allStatements(template: CfnTemplate): FoundStatement[] {
  const found: FoundStatement[] = [];
  const add = (
    logicalId: string,
    resourceType: string,
    kind: FoundStatement['kind'],
    document: Json | undefined,
  ) => {
    for (const statement of statementsOf(document)) found.push({ logicalId, resourceType, kind, statement });
  };
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const p = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        add(logicalId, resource.Type, 'identity', p.PolicyDocument);
        break;
      case 'AWS::IAM::Role':
        for (const inline of (p.Policies as Json[] | undefined) ?? []) {
          add(logicalId, resource.Type, 'identity', (inline as Record<string, Json>).PolicyDocument);
        }
        break;
      case 'AWS::S3::BucketPolicy':
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::SNS::TopicPolicy':
        add(logicalId, resource.Type, 'resource', p.PolicyDocument);
        break;
      case 'AWS::KMS::Key':
        add(logicalId, resource.Type, 'resource', p.KeyPolicy);
        break;
      default:
        break;
    }
  }
  return found;
}

/** A statement field as a list (Action, Resource may be a single value). */
export function asList(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The identity statements attached to the role of a logical id (via AWS::IAM::Policy.Roles). */
export function statementsOfRole(template: CfnTemplate, roleLogicalId: string): Record<string, Json>[] {
  return Object.values(template.Resources)
    .filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        asList(r.Properties?.Roles).some(
          (ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleLogicalId }),
        ),
    )
    .flatMap((r) => statementsOf(r.Properties?.PolicyDocument));
}

import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fixedResourceNames,
  RESERVED_TENANT_ID_PREFIXES,
  sharedResourceName,
} from '../../../infra/cdk/resource-names.ts';
import { addTenantStacks } from '../../../infra/cdk/settlement-app.ts';
import type { TenantSettlementStack } from '../../../infra/cdk/tenant-settlement-stack.ts';
import { parseTenants, Tenant, TenantsFileError } from '../../../infra/cdk/tenants.ts';

const TenantId = Tenant.shape.id;

import { acmeAndGlobex, type CfnTemplate, FIXTURE_FUNCTIONS_DIR, type Json, synthTenants } from './synth.ts';

let stack: TenantSettlementStack;
let template: CfnTemplate;

beforeAll(() => {
  stack = synthTenants({ tenants: acmeAndGlobex() }).stacks[0] as TenantSettlementStack;
  template = Template.fromStack(stack).toJSON() as CfnTemplate;
});

type Resource = CfnTemplate['Resources'][string] & { DeletionPolicy?: string; UpdateReplacePolicy?: string };

/** The physical name a resource of the template is given, where the stack fixes one (a string or an Fn::Join). */
function nameOf(resource: Resource): Json | undefined {
  const p = resource.Properties ?? {};
  const name =
    {
      'AWS::StepFunctions::StateMachine': p.StateMachineName,
      'AWS::Scheduler::Schedule': p.Name,
      'AWS::ApiGatewayV2::Api': p.Name,
      'AWS::SNS::Topic': p.TopicName,
      'AWS::CloudWatch::Alarm': p.AlarmName,
      'AWS::CloudWatch::Dashboard': p.DashboardName,
      'AWS::SES::ConfigurationSet': p.Name,
      'AWS::Athena::WorkGroup': p.Name,
      'AWS::Glue::Database': (p.DatabaseInput as { Name?: Json } | undefined)?.Name,
      'AWS::KMS::Alias': p.AliasName,
      'AWS::SecretsManager::Secret': p.Name,
      'AWS::Logs::LogGroup': p.LogGroupName,
      'AWS::S3::Bucket': p.BucketName,
      'AWS::DynamoDB::Table': p.TableName,
      'AWS::Lambda::Function': p.FunctionName,
      'AWS::IAM::Role': p.RoleName,
      'AWS::SQS::Queue': p.QueueName,
    }[resource.Type] ?? undefined;
  return name ?? undefined;
}

/** A fixed physical name that is a plain string. */
function fixedNameOf(resource: Resource): string | undefined {
  const name = nameOf(resource);
  return typeof name === 'string' ? name : undefined;
}

describe("a tenant's resource names", () => {
  it('fixes no name the id rule does not know of (every fixed name of the template is listed)', () => {
    const listed = new Set(Object.values(fixedResourceNames('acme', ['quickbooks'])).flat());
    const fixed = Object.values(template.Resources)
      .map((r) => fixedNameOf(r))
      .filter((n): n is string => n !== undefined);
    expect(fixed.length).toBeGreaterThan(20);
    expect(fixed.filter((n) => !listed.has(n))).toEqual([]);
    expect(listed.has(stack.stackName)).toBe(true);
  });

  it('retains every fixed-name resource it retains with RETAIN_ON_UPDATE_OR_DELETE, so a failed first create leaves no name behind', () => {
    const retainedFixed = Object.entries(template.Resources as Record<string, Resource>).filter(
      ([, r]) => r.DeletionPolicy?.startsWith('Retain') && nameOf(r) !== undefined,
    );
    // The state machines' log groups and the rotating OAuth connector's secret.
    expect(retainedFixed.map(([, r]) => r.Type).sort()).toEqual([
      'AWS::Logs::LogGroup',
      'AWS::Logs::LogGroup',
      'AWS::SecretsManager::Secret',
    ]);
    for (const [, r] of retainedFixed) {
      expect(r).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    }
  });

  it("names the state machines' log groups after the stack's id, so a redeploy after a destroy does not meet the kept group", () => {
    const groups = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Logs::LogGroup' && r.Properties?.LogGroupName)
      .map((r) => JSON.stringify(r.Properties?.LogGroupName));
    expect(groups).toHaveLength(2);
    for (const group of groups) {
      expect(group).toContain('/aws/vendedlogs/states/settlement-');
      expect(group).toContain('"Ref":"AWS::StackId"');
    }
  });
});

const tenant = (id: string): Tenant => ({ ...(acmeAndGlobex()[0] as Tenant), id });

describe('tenant ids', () => {
  it.each(Object.keys(RESERVED_TENANT_ID_PREFIXES))(
    'refuses an id starting with %s, naming the field',
    (prefix) => {
      expect(() => parseTenants({ tenants: [tenant(`${prefix}acme`)] })).toThrow(TenantsFileError);
      expect(() => parseTenants({ tenants: [tenant(`${prefix}acme`)] })).toThrow(
        new RegExp(`tenants\\.0\\.id: a tenant id must not start with "${prefix}".*tenant acme's`),
      );
    },
  );

  it('refuses tenant nightly-acme beside acme: its settlement state machine would be acme’s nightly one', () => {
    expect(sharedResourceName({ id: 'nightly-acme' }, { id: 'acme' })).toEqual({
      kind: 'Step Functions state machine',
      name: 'settlement-nightly-acme',
    });
    expect(() => parseTenants({ tenants: [tenant('acme'), tenant('nightly-acme')] })).toThrow(
      /tenants\.1\.id: a tenant id must not start with "nightly-"/,
    );
  });

  it('refuses a double hyphen', () => {
    expect(() => parseTenants({ tenants: [tenant('acme--x')] })).toThrow(/tenants\.0\.id: .*double hyphen/);
  });

  it('refuses colliding tenants in the CDK app too, with the field named', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() =>
      addTenantStacks(app, {
        tenants: [tenant('acme'), tenant('nightly-acme')],
        nag: false,
        stackProps: { functionsDir: FIXTURE_FUNCTIONS_DIR },
      }),
    ).toThrow(
      /the tenants given to the CDK app is invalid: tenants\.1\.id: a tenant id must not start with "nightly-"/,
    );
  });

  it('gives no two valid ids a shared name', () => {
    const id = fc
      .stringMatching(/^[a-z][a-z0-9-]{1,12}[a-z0-9]$/)
      .filter((s) => !s.includes('--'))
      .filter((s) => TenantId.safeParse(s).success);
    // Ids built from another id and the words of the names are where collisions would hide.
    const words = fc.constantFrom(
      'nightly',
      'approvals',
      'alarms',
      'mail',
      'settlement',
      'approval',
      'api',
      'x',
    );
    const derived = fc
      .tuple(id, fc.array(words, { minLength: 1, maxLength: 3 }))
      .map(([a, w]) => [a, `${a}-${w.join('-')}`]);
    fc.assert(
      fc.property(fc.oneof(fc.tuple(id, id), derived), ([a, b]) => {
        fc.pre(a !== b && TenantId.safeParse(b).success);
        expect(sharedResourceName({ id: a as string }, { id: b as string })).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});

import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TenantSettlementStack } from '../../../infra/cdk/tenant-settlement-stack.ts';
import { allStatements, asList, type CfnTemplate, type FoundStatement, synthTenants } from './synth.ts';

/**
 * The only actions that may be granted on `Resource: "*"`, and why: each is an action AWS
 * documents without resource-level permissions. Anything else on `*` fails the test.
 */
const STAR_ALLOW_LIST: Record<string, string> = {
  'xray:PutTraceSegments':
    'X-Ray has no resource-level permissions (Lambda and Step Functions active tracing).',
  'xray:PutTelemetryRecords':
    'X-Ray has no resource-level permissions (Lambda and Step Functions active tracing).',
  'xray:GetSamplingRules': 'X-Ray has no resource-level permissions (Step Functions tracing).',
  'xray:GetSamplingTargets': 'X-Ray has no resource-level permissions (Step Functions tracing).',
  'states:SendTaskSuccess':
    'Task-token actions list no resource type in the service authorization reference (approval API, Approve replay).',
  'ce:GetCostAndUsage':
    'Cost Explorer has no resource-level permissions (query-cloud-costs once a night, collect-source for a settlement started by hand).',
  'cloudwatch:PutMetricData':
    'CloudWatch metrics have no resource-level permissions (not granted today: Powertools writes EMF to logs).',
  'logs:CreateLogDelivery': 'Vended log delivery (Step Functions logging) requires Resource "*".',
  'logs:GetLogDelivery': 'Vended log delivery (Step Functions logging) requires Resource "*".',
  'logs:UpdateLogDelivery': 'Vended log delivery (Step Functions logging) requires Resource "*".',
  'logs:DeleteLogDelivery': 'Vended log delivery (Step Functions logging) requires Resource "*".',
  'logs:ListLogDeliveries': 'Vended log delivery (Step Functions logging) requires Resource "*".',
  'logs:PutResourcePolicy': 'Vended log delivery (Step Functions logging) requires Resource "*".',
  'logs:DescribeResourcePolicies': 'Vended log delivery (Step Functions logging) requires Resource "*".',
  'logs:DescribeLogGroups': 'Vended log delivery (Step Functions logging) requires Resource "*".',
};

/** In a KMS key policy, `Resource: "*"` means "this key" (the policy is attached to it). */
const isKeyPolicy = (found: FoundStatement) => found.resourceType === 'AWS::KMS::Key';

const grantsStar = (found: FoundStatement) => asList(found.statement.Resource).includes('*');

let stacks: TenantSettlementStack[];
let templates: Map<string, CfnTemplate>;

beforeAll(() => {
  stacks = synthTenants().stacks;
  templates = new Map(stacks.map((s) => [s.stackName, Template.fromStack(s).toJSON() as CfnTemplate]));
});

describe('IAM: Resource "*"', () => {
  it('is granted only for actions AWS offers without resource-level permissions', () => {
    const offending: string[] = [];
    for (const [name, template] of templates) {
      for (const found of allStatements(template)) {
        if (!grantsStar(found) || isKeyPolicy(found) || found.statement.Effect === 'Deny') continue;
        const notAllowed = asList(found.statement.Action).filter((a) => !(String(a) in STAR_ALLOW_LIST));
        if (notAllowed.length > 0 || found.statement.NotAction) {
          offending.push(`${name}/${found.logicalId}: ${JSON.stringify(found.statement)}`);
        }
      }
    }
    expect(offending).toEqual([]);
  });

  it('appears where the allow-list says, so the walk really inspects the policies', () => {
    const starActions = new Set(
      [...templates.values()].flatMap((t) =>
        allStatements(t)
          .filter((f) => grantsStar(f) && !isKeyPolicy(f))
          .flatMap((f) => asList(f.statement.Action).map(String)),
      ),
    );
    expect(starActions).toContain('ce:GetCostAndUsage');
    expect(starActions).toContain('xray:PutTraceSegments');
    expect(starActions).toContain('logs:CreateLogDelivery');
  });

  it('is caught when a statement grants anything else on *', () => {
    const template = {
      Resources: {
        Bad: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }] },
          },
        },
      },
    } as CfnTemplate;
    const offending = allStatements(template).filter(
      (f) => grantsStar(f) && asList(f.statement.Action).some((a) => !(String(a) in STAR_ALLOW_LIST)),
    );
    expect(offending).toHaveLength(1);
  });
});

describe('tenant isolation', () => {
  /** Strings that identify a tenant's resources: its id in names, prefixes and aliases, and its region. */
  const markersOf = (stack: TenantSettlementStack): RegExp[] => {
    const id = stack.node.id.replace(/^Settlement-/, '');
    return [new RegExp(`(^|[^a-z0-9])${id}([^a-z0-9]|$)`, 'i'), new RegExp(stack.region)];
  };

  it('no IAM statement in one tenant stack names another tenant or its region', () => {
    expect(stacks.map((s) => s.stackName)).toEqual([
      'Settlement-acme',
      'Settlement-globex',
      'Settlement-huajian',
    ]);
    expect(stacks[0]?.region).not.toBe(stacks[1]?.region);
    for (const own of stacks) {
      const statements = allStatements(templates.get(own.stackName) as CfnTemplate);
      expect(statements.length).toBeGreaterThan(50);
      for (const other of stacks.filter((s) => s !== own)) {
        const leaks = statements.filter((found) =>
          markersOf(other).some((marker) => marker.test(JSON.stringify(found.statement))),
        );
        expect(leaks.map((l) => `${own.stackName}/${l.logicalId}`)).toEqual([]);
      }
    }
  });

  it('every resource a statement references is a resource of the same stack, never an import', () => {
    for (const [name, template] of templates) {
      expect(JSON.stringify(template)).not.toContain('Fn::ImportValue');
      const references = allStatements(template).flatMap((found) =>
        [
          ...JSON.stringify(found.statement.Resource ?? null).matchAll(
            /"(?:Ref|Fn::GetAtt)":\s*\[?"([A-Za-z0-9]+)"/g,
          ),
        ].map((m) => m[1] as string),
      );
      expect(references.length, name).toBeGreaterThan(50);
      const foreign = references.filter((ref) => !ref.startsWith('AWS') && !(ref in template.Resources));
      expect(foreign, name).toEqual([]);
    }
  });

  it('literal ARNs in a tenant stack name only that tenant: secrets prefix and configuration set', () => {
    for (const stack of stacks) {
      const id = stack.node.id.replace(/^Settlement-/, '');
      const text = JSON.stringify(
        allStatements(templates.get(stack.stackName) as CfnTemplate).map((f) => f.statement),
      );
      const secretPrefixes = [...text.matchAll(/:secret:settlement\/([a-z0-9-]+)\//g)].map((m) => m[1]);
      expect(secretPrefixes.length).toBeGreaterThan(0);
      expect(new Set(secretPrefixes)).toEqual(new Set([id]));
    }
  });

  it('each tenant has its own key, table and bucket', () => {
    for (const template of templates.values()) {
      const types = Object.values(template.Resources).map((r) => r.Type);
      expect(types.filter((t) => t === 'AWS::KMS::Key')).toHaveLength(1);
      expect(types.filter((t) => t === 'AWS::DynamoDB::Table')).toHaveLength(1);
    }
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../infra/cdk/tenant-settlement-stack.ts';
import { STEPS } from '../../../infra/step-registry.ts';
import { synthTenants } from './synth.ts';

interface ValidationReport {
  pluginReports: {
    pluginName?: string;
    summary?: { pluginName?: string };
    violations: { ruleName: string }[];
  }[];
}

function readReport(directory: string): ValidationReport {
  const path = join(directory, 'validation-report.json');
  return existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as ValidationReport)
    : { pluginReports: [] };
}

describe('cdk-nag AwsSolutions checks', () => {
  it('pass on every tenant stack: no unacknowledged error or warning', () => {
    const { app, stacks } = synthTenants({ nag: true });
    const assembly = app.synth();
    const violations = readReport(assembly.directory).pluginReports.flatMap((r) =>
      r.violations.map((v) => v.ruleName),
    );
    expect(violations).toEqual([]);
    for (const stack of stacks) {
      Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    }
  });

  it('fail synthesis on a finding nobody acknowledged', () => {
    const { app, stacks } = synthTenants({ nag: true });
    stacks[0]?.steps
      .get('OpenSettlement')
      .role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::dynamodb:\*\]/);
  });

  it('say what is true of the connector secrets and of the Cost Explorer grant', () => {
    const { stacks } = synthTenants({ nag: true });
    const reasons = stacks[0]?.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    const reasonOf = (prefix: string) => reasons?.find(([id]) => id.includes(prefix))?.[1] ?? '';
    // OAuth connectors: the collect step writes the rotated refresh token back; it may lapse unused.
    expect(reasonOf('AwsSolutions-SMG4')).toMatch(/PutSecretValue/);
    expect(reasonOf('AwsSolutions-SMG4')).toMatch(/re-authorised/);
    expect(STEPS.find((s) => s.name === 'CollectSource')?.declaration.access.rotateSecrets).toBe(true);
    const wildcardReasons = reasons?.filter(([id]) => id.includes('AwsSolutions-IAM5[Resource::*]')) ?? [];
    expect(wildcardReasons.some(([, reason]) => /Cost Explorer.*the whole account/s.test(reason))).toBe(true);
  });

  it('run with the CDK CLI telemetry off (cdk.json)', () => {
    const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    expect(cdkJson.context['cli-telemetry']).toBe(false);
  });

  it('carry a specific reason on every acknowledgement', () => {
    const { stacks } = synthTenants({ nag: true });
    const acknowledgements = stacks.flatMap((stack) =>
      stack.node
        .findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
        .flatMap((m) => Object.entries(m.data as Record<string, string>)),
    );
    const ids = new Set(acknowledgements.map(([id]) => id.replace(/^Annotation::/, '').replace(/\[.*$/, '')));
    expect([...ids].sort()).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-IAM5',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
    for (const [id, reason] of acknowledgements) {
      expect(reason.length, id).toBeGreaterThan(80);
    }
  });
});

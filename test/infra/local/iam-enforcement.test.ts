import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSettlement } from '#adapters/settlement-store.ts';
import { LOCAL_REGION } from '#local/emulators.ts';
import { coveredLabels, uncoveredGrants } from '#local/iam/coverage.ts';
import type { AccessDeniedError } from '#local/iam/evaluate.ts';
import {
  type LocalPolicies,
  localTenant,
  resolvePolicies,
  synthesizedTemplate,
} from '#local/iam/policies.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { importProject } from '#local/tenant-files.ts';

/**
 * The local run is no more permissive than the deployed stack: take one grant out of one step's
 * declaration and the settlement fails exactly where AWS would fail it, recorded and notified.
 */

const DEMO = join(resolve(import.meta.dirname, '..', '..', '..'), 'demo', 'acme');
const INPUT = {
  tenantId: 'acme',
  projectId: 'atlas-portal',
  period: '2026-10',
  revision: 0,
  asOf: '2026-10-31',
};

describe('a step without the grant it needs', () => {
  let runtime: LocalRuntime;
  const denials: AccessDeniedError[] = [];

  beforeAll(async () => {
    // Compute writes the draft statement under drafts/; its declaration now says it writes nothing.
    runtime = await startLocalRuntime({
      tenantId: 'acme',
      retryIntervalMs: 0,
      accessOverrides: { ComputeSettlement: { write: [] } },
      onDenied: (denial) => denials.push(denial),
    });
    await importProject(join(DEMO, 'charter.json'), DEMO);
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
  });

  it('fails the settlement with AccessDenied naming the function, the action and the resource', async () => {
    const execution = await runtime.runSettlement(INPUT, 'mutation-compute-write');
    expect(execution.status).toBe('FAILED');
    const failed = execution.history.find((e) => e.type === 'StateFailed' && e.state === 'Compute');
    expect(failed?.error).toBe('AccessDenied');
    expect(failed?.cause).toMatch(
      /assumed-role\/local-acme-ComputeSettlement\/ComputeSettlement is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::settlement-acme-working\/drafts\//,
    );
    expect(denials.map((d) => [d.principal, d.request.action])).toContainEqual([
      'ComputeSettlement',
      's3:PutObject',
    ]);
    // Not retried as if transient: one attempt, then the recorded, notified failure.
    expect(execution.history.filter((e) => e.type === 'StateRetried' && e.state === 'Compute')).toHaveLength(
      0,
    );
    const settlement = await getSettlement('atlas-portal', '2026-10', 0);
    expect(settlement?.status).toBe('failed');
    expect(JSON.stringify(settlement)).toContain('s3:PutObject');
  });
});

describe('grant coverage', () => {
  let policies: LocalPolicies;

  beforeAll(async () => {
    const names = {
      tenantId: 'acme',
      region: LOCAL_REGION,
      tableName: 't',
      bucketName: 'b',
      archiveBucketName: 'a',
    };
    policies = resolvePolicies(await synthesizedTemplate(localTenant('acme', LOCAL_REGION)), names);
  }, 120_000);

  it('finds every enforced grant unused when nothing ran, and labels it without local names', () => {
    const uncovered = uncoveredGrants(policies, {}, {}).map((u) => `${u.principal}: ${u.label}`);
    expect(uncovered).toContain('ComputeSettlement: s3:PutObject drafts');
    expect(uncovered).toContain('ComputeSettlement: dynamodb:UpdateItem table');
    expect(uncovered).toContain('ApprovalApi: states:SendTaskSuccess *');
    // Any published version of the function, never $LATEST (the unqualified ARN).
    expect(uncovered).toContain('settlement-machine: lambda:InvokeFunction function:ComputeSettlement:*');
    expect(uncovered).not.toContain('settlement-machine: lambda:InvokeFunction function:ComputeSettlement');
    expect(uncovered).toContain('nightly-machine: states:StartExecution settlement-machine');
    // Lambda's own logging and tracing are not the product's grants to prove.
    expect(uncovered.some((u) => /logs:|xray:/.test(u))).toBe(false);
  });

  it('counts a grant as covered by a call it allowed, and accepts a declared reason instead', () => {
    const used = new Map([
      [
        'ComputeSettlement',
        new Set([
          's3:PutObject arn:aws:s3:::b/drafts/x_2026-10_r0/statement.json',
          'dynamodb:UpdateItem arn:aws:dynamodb:eu-central-1:000000000000:table/t',
        ]),
      ],
    ]);
    const covered = coveredLabels(policies, used);
    expect(covered.ComputeSettlement).toEqual(
      expect.arrayContaining(['s3:PutObject drafts', 'dynamodb:UpdateItem table']),
    );
    const left = uncoveredGrants(policies, covered, {
      ComputeSettlement: { 'dynamodb:GetItem table': 'a reason' },
    })
      .filter((u) => u.principal === 'ComputeSettlement')
      .map((u) => u.label);
    expect(left).not.toContain('s3:PutObject drafts');
    expect(left).not.toContain('dynamodb:GetItem table');
    expect(left).toContain('dynamodb:Query table');
  });
});

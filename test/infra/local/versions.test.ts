import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettlementState } from '#domain/workflow.ts';
import { approveByLink } from '#local/demo.ts';
import { approvalLinks } from '#local/outbox.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { importProject } from '#local/tenant-files.ts';

const DEMO = join(resolve(import.meta.dirname, '..', '..', '..'), 'demo', 'acme');

let runtime: LocalRuntime;
const links: string[] = [];

beforeAll(async () => {
  runtime = await startLocalRuntime({
    tenantId: 'acme',
    retryIntervalMs: 0,
    onEmail: (email) => links.push(...approvalLinks(email.mime)),
  });
  await importProject(join(DEMO, 'charter.json'), DEMO);
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('versions on the local runtime', () => {
  it('settles through the live alias, every Task invoking a published version under the synthesized grants', async () => {
    const { settlementAlias, functionVersions } = runtime.iam.policies.arns;
    expect(settlementAlias).toBe(`${runtime.settlementArn}:live`);
    expect(runtime.settlementAliasArn).toBe(settlementAlias);
    expect(runtime.nightlyAliasArn).toBe(`${runtime.nightlyArn}:live`);
    const execution = runtime.sfn.startExecution(settlementAlias, {
      tenantId: 'acme',
      projectId: 'atlas-portal',
      period: '2026-10',
      asOf: '2026-11-05',
    });
    while (execution.status === 'RUNNING') {
      const link = links.shift();
      if (link) await approveByLink(link);
      else await new Promise((r) => setTimeout(r, 25));
    }
    expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
    expect((execution.output as SettlementState).outcome).toBe('settled');
    // Executions belong to the machine; the alias they started through is recorded beside it.
    expect(execution.stateMachineArn).toBe(runtime.settlementArn);
    expect(execution.stateMachineAliasArn).toBe(settlementAlias);

    const invoked = [...(runtime.iam.used.get('settlement-machine') ?? [])]
      .filter((u) => u.startsWith('lambda:InvokeFunction '))
      .map((u) => u.slice('lambda:InvokeFunction '.length));
    expect(invoked.length).toBeGreaterThanOrEqual(8);
    for (const arn of invoked) {
      expect(arn).toMatch(/:function:[A-Za-z]+:1$/);
      expect(Object.values(functionVersions)).toContain(arn);
    }
  }, 180_000);

  it('refuses a start through a qualifier the stack does not publish', () => {
    expect(() => runtime.sfn.startExecution(`${runtime.settlementArn}:canary`, {})).toThrow(
      /State machine does not exist/,
    );
  });

  it('denies a Task that invokes the unqualified function ($LATEST): the machine may invoke versions only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'versions-'));
    const latest = join(dir, 'latest.asl.json');
    const unqualified = runtime.iam.policies.arns.functionVersions.OpenSettlement?.replace(/:1$/, '');
    await writeFile(
      latest,
      JSON.stringify({
        StartAt: 'Open',
        States: {
          Open: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: unqualified, 'Payload.$': '$' },
            End: true,
          },
        },
      }),
    );
    // Replaces the settlement machine (same name, same role) with one Task naming $LATEST.
    runtime.sfn.register('settlement-acme', latest, {}, ['live']);
    const execution = runtime.sfn.startExecution(runtime.iam.policies.arns.settlementAlias, {});
    await execution.done;
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Lambda.AWSLambdaException');
    expect(execution.cause).toMatch(
      /not authorized to perform: lambda:InvokeFunction on resource: .*:function:OpenSettlement /,
    );
  });
});

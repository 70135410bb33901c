import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type LambdaInvoker,
  LocalStepFunctions,
  MAX_HISTORY_EVENTS,
  MAX_LAMBDA_RESPONSE_BYTES,
  MAX_STATE_PAYLOAD_BYTES,
} from '../../../infra/local/step-functions.ts';

/** The local Step Functions service refuses what AWS refuses: payload, response and history quotas. */

function aslFile(definition: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'asl-')), 'machine.asl.json');
  writeFileSync(file, JSON.stringify(definition));
  return file;
}

const FN = 'arn:aws:lambda:eu-central-1:000000000000:function:Step';

async function run(definition: unknown, invokeLambda: LambdaInvoker, input: unknown = {}) {
  const sfn = new LocalStepFunctions({ region: 'eu-central-1', retryIntervalMs: 0, invokeLambda });
  const execution = sfn.startExecution(sfn.register('limits', aslFile(definition), {}), input);
  await execution.done;
  return execution;
}

/** A string of `bytes` ASCII characters (one byte each in UTF-8). */
const text = (bytes: number) => 'x'.repeat(bytes);

const invoke = (catches: unknown[] = [], retries: unknown[] = []) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: FN, 'Payload.$': '$' },
  ...(retries.length > 0 ? { Retry: retries } : {}),
  ...(catches.length > 0 ? { Catch: catches } : {}),
  End: true,
});

const caughtBy = (name: string) => ({ ErrorEquals: [name], ResultPath: '$.error', Next: 'Caught' });
const CAUGHT = { Type: 'Pass', End: true };

describe('service limits in the local runtime', () => {
  it('fails a Task whose Lambda result exceeds 256 KiB with States.DataLimitExceeded', async () => {
    const execution = await run({ StartAt: 'Big', States: { Big: invoke() } }, async () => ({
      blob: text(MAX_STATE_PAYLOAD_BYTES),
    }));
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.DataLimitExceeded');
  });

  it('runs a Task whose result is just inside the quota', async () => {
    // The lambda:invoke result wraps the payload: {"ExecutedVersion":"$LATEST","Payload":…,"StatusCode":200}.
    const wrapper = JSON.stringify({ ExecutedVersion: '$LATEST', Payload: { blob: '' }, StatusCode: 200 });
    const execution = await run({ StartAt: 'Big', States: { Big: invoke() } }, async () => ({
      blob: text(MAX_STATE_PAYLOAD_BYTES - wrapper.length),
    }));
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('does not let States.ALL or States.TaskFailed catch or retry States.DataLimitExceeded', async () => {
    let calls = 0;
    const execution = await run(
      {
        StartAt: 'Big',
        States: {
          Big: invoke(
            [caughtBy('States.TaskFailed'), caughtBy('States.ALL')],
            [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }],
          ),
          Caught: CAUGHT,
        },
      },
      async () => {
        calls += 1;
        return { blob: text(MAX_STATE_PAYLOAD_BYTES) };
      },
    );
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.DataLimitExceeded');
    expect(calls).toBe(1);
  });

  it('lets a catcher that names States.DataLimitExceeded catch it, after a States.ALL one', async () => {
    const execution = await run(
      {
        StartAt: 'Big',
        States: {
          Big: invoke([{ ErrorEquals: ['States.ALL'], Next: 'Other' }, caughtBy('States.DataLimitExceeded')]),
          Other: { Type: 'Fail', Error: 'Wrong' },
          Caught: CAUGHT,
        },
      },
      async () => ({ blob: text(MAX_STATE_PAYLOAD_BYTES) }),
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as { error: { Error: string } }).error.Error).toBe('States.DataLimitExceeded');
  });

  it('propagates it through a Parallel state to the catcher there that names it', async () => {
    const execution = await run(
      {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              {
                StartAt: 'Big',
                States: {
                  Big: invoke([{ ErrorEquals: ['States.ALL'], Next: 'Inner' }]),
                  Inner: { Type: 'Fail', Error: 'Wrong' },
                },
              },
            ],
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Other' }, caughtBy('States.DataLimitExceeded')],
            End: true,
          },
          Other: { Type: 'Fail', Error: 'Wrong' },
          Caught: CAUGHT,
        },
      },
      async () => ({ blob: text(MAX_STATE_PAYLOAD_BYTES) }),
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as { error: { Error: string } }).error.Error).toBe('States.DataLimitExceeded');
  });

  it('fails a Task whose input after Parameters exceeds 256 KiB, before invoking anything', async () => {
    let calls = 0;
    const execution = await run(
      {
        StartAt: 'Big',
        States: {
          Big: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            // The state input is half the quota; Parameters doubles it.
            Parameters: { FunctionName: FN, Payload: { 'a.$': '$.half', 'b.$': '$.half' } },
            End: true,
          },
        },
      },
      async () => {
        calls += 1;
        return {};
      },
      { half: text(MAX_STATE_PAYLOAD_BYTES / 2) },
    );
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.DataLimitExceeded');
    expect(calls).toBe(0);
  });

  it('fails a Pass state whose output exceeds 256 KiB', async () => {
    const execution = await run(
      {
        StartAt: 'Grow',
        States: {
          Grow: { Type: 'Pass', Parameters: { 'a.$': '$.half', 'b.$': '$.half' }, Next: 'Done' },
          Done: { Type: 'Succeed' },
        },
      },
      async () => ({}),
      { half: text(MAX_STATE_PAYLOAD_BYTES / 2) },
    );
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.DataLimitExceeded');
  });

  it('refuses an execution input over 256 KiB', () => {
    const sfn = new LocalStepFunctions({ region: 'eu-central-1', invokeLambda: async () => ({}) });
    const arn = sfn.register('limits', aslFile({ StartAt: 'A', States: { A: { Type: 'Succeed' } } }), {});
    expect(() => sfn.startExecution(arn, { blob: text(MAX_STATE_PAYLOAD_BYTES) })).toThrow(
      expect.objectContaining({ name: 'InvalidExecutionInput' }),
    );
  });

  it('fails a Lambda response over 6 MB as Lambda does (Function.ResponseSizeTooLarge)', async () => {
    const execution = await run(
      { StartAt: 'Huge', States: { Huge: invoke([caughtBy('States.TaskFailed')]), Caught: CAUGHT } },
      async () => ({ blob: text(MAX_LAMBDA_RESPONSE_BYTES) }),
    );
    // A function error like any other: the Task's catcher for States.TaskFailed takes it.
    expect(execution.status).toBe('SUCCEEDED');
    const caught = (execution.output as { error: { Error: string; Cause: string } }).error;
    expect(caught.Error).toBe('Function.ResponseSizeTooLarge');
    expect(caught.Cause).toContain(`maximum allowed payload size (${MAX_LAMBDA_RESPONSE_BYTES} bytes)`);
  });

  it('fails an execution whose history exceeds 25,000 events', async () => {
    // A loop of one Task: 5 AWS events per round (entered, scheduled, started, succeeded, exited)
    // plus the Choice's 2; stopped by the quota long before the counter runs out.
    let calls = 0;
    const execution = await run(
      {
        StartAt: 'Step',
        States: {
          Step: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: FN, 'Payload.$': '$' },
            OutputPath: '$.Payload',
            Next: 'More',
          },
          More: {
            Type: 'Choice',
            Choices: [{ Variable: '$.n', NumericLessThan: MAX_HISTORY_EVENTS, Next: 'Step' }],
            Default: 'Done',
          },
          Done: { Type: 'Succeed' },
        },
      },
      async (_arn, payload) => {
        calls += 1;
        return { n: ((payload as { n?: number }).n ?? 0) + 1 };
      },
      { n: 0 },
    );
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.Runtime');
    expect(execution.cause).toContain(`${MAX_HISTORY_EVENTS} events`);
    // About 25,000 / 7 rounds, never the 25,000 the loop would run to.
    expect(calls).toBeLessThan(MAX_HISTORY_EVENTS / 5);
  }, 60_000);
});

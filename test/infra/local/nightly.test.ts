import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from '#adapters/objects.ts';
import { putCharter } from '#adapters/settlement-store.ts';
import { settlementExecutionName } from '#domain/due.ts';
import type { NightlyItem } from '#functions/list-due-settlements.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import {
  LOCAL_DISTRIBUTED_MAP_RESOURCE,
  LOCAL_DISTRIBUTED_MAP_TIMEOUT_SECONDS,
  LocalStepFunctions,
  rewriteDistributedMaps,
} from '#local/step-functions.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const NIGHTLY_FILE = join(ROOT, 'statemachines', 'nightly.asl.json');
const PROJECTS = 1000;
const AS_OF = '2026-11-05';
/**
 * By default the settlement machine is replaced, under its own name and ARN, by a stand-in that
 * succeeds at once: this test is about the fan-out, and 1,000 real settlements (each to
 * needs-attention) keep both cores busy for ~20 s, starving test files that run alongside.
 * NIGHTLY_REAL_SETTLEMENTS=1 runs the real settlement.asl.json instead.
 */
const REAL_SETTLEMENTS = process.env.NIGHTLY_REAL_SETTLEMENTS === '1';

type States = Record<string, Record<string, unknown>>;
const nightly = () => JSON.parse(readFileSync(NIGHTLY_FILE, 'utf8')) as { States: States };

describe('the Distributed Map compat shim', () => {
  it('changes exactly the documented fields of StartEach and nothing else', () => {
    const original = nightly();
    const { definition, distributedMaps } = rewriteDistributedMaps(
      original as unknown as StateMachineDefinition,
    );
    const rewritten = definition as unknown as { States: States };
    const { StartEach: before, ...otherBefore } = original.States;
    const { StartEach: after, ...otherAfter } = rewritten.States;
    // Every other state, and every top-level field, as in the file.
    expect(otherAfter).toEqual(otherBefore);
    expect({ ...rewritten, States: {} }).toEqual({ ...original, States: {} });

    const map = before as Record<string, unknown>;
    const removed = [
      'ItemReader',
      'ItemBatcher',
      'ItemProcessor',
      'MaxConcurrency',
      'ToleratedFailurePercentage',
      'Label',
    ];
    const kept = Object.fromEntries(
      Object.entries(map).filter(([k]) => k !== 'Type' && !removed.includes(k)),
    );
    expect(Object.keys(kept).sort()).toEqual(['Catch', 'Comment', 'Next', 'ResultPath']);
    expect(after).toEqual({
      ...kept,
      Type: 'Task',
      Resource: LOCAL_DISTRIBUTED_MAP_RESOURCE,
      TimeoutSeconds: LOCAL_DISTRIBUTED_MAP_TIMEOUT_SECONDS,
      Parameters: {
        ItemReader: { 'Bucket.$': '$.itemList.bucket', 'Key.$': '$.itemList.key' },
        BatchInput: { 'tenantId.$': '$.tenantId', 'asOf.$': '$.asOf' },
      },
    });

    const shim = distributedMaps.get('StartEach');
    const { ProcessorConfig, ...processor } = map.ItemProcessor as Record<string, unknown>;
    expect(ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' });
    expect(shim?.processor).toEqual(processor);
    expect(shim).toMatchObject({
      maxItemsPerBatch: 100,
      maxConcurrency: map.MaxConcurrency,
      toleratedFailurePercentage: map.ToleratedFailurePercentage,
    });
    expect([...distributedMaps.keys()]).toEqual(['StartEach']);
  });

  it('refuses Distributed Map fields it does not implement instead of running them differently', () => {
    const definition = nightly();
    (definition.States.StartEach as Record<string, unknown>).ResultWriter = {
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: 'b', Prefix: 'p' },
    };
    expect(() => rewriteDistributedMaps(definition as unknown as StateMachineDefinition)).toThrow(
      /does not support ResultWriter/,
    );
  });

  it('gives each child the AWS batch shape and fails past the tolerated percentage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmap-'));
    const asl = join(dir, 'map.asl.json');
    writeFileSync(
      asl,
      JSON.stringify({
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemReader: {
              Resource: 'arn:aws:states:::s3:getObject',
              ReaderConfig: { InputType: 'JSON' },
              Parameters: { 'Bucket.$': '$.bucket', 'Key.$': '$.key' },
            },
            ItemBatcher: { MaxItemsPerBatch: 4, BatchInput: { 'run.$': '$.run' } },
            MaxConcurrency: 2,
            ToleratedFailurePercentage: 40,
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
              StartAt: 'Batch',
              States: {
                Batch: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke',
                  Parameters: { FunctionName: 'fn', 'Payload.$': '$' },
                  OutputPath: '$.Payload',
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      }),
    );
    const payloads: unknown[] = [];
    let failFrom = Number.POSITIVE_INFINITY;
    const sfn = new LocalStepFunctions({
      region: 'eu-central-1',
      retryIntervalMs: 0,
      readObject: async (bucket, key) => {
        expect([bucket, key]).toEqual(['b', 'items.json']);
        return JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ n: i })));
      },
      invokeLambda: async (_arn, payload) => {
        payloads.push(payload);
        const first = (payload as { Items: Array<{ n: number }> }).Items[0]?.n ?? 0;
        if (first >= failFrom) throw Object.assign(new Error('boom'), { name: 'Boom' });
        return { got: (payload as { Items: unknown[] }).Items.length };
      },
    });
    const arn = sfn.register('map', asl, {});
    const input = { bucket: 'b', key: 'items.json', run: 'r1' };

    const ok = sfn.startExecution(arn, input);
    await ok.done;
    expect(ok.status, `${ok.error}: ${ok.cause}`).toBe('SUCCEEDED');
    expect(ok.output).toEqual([{ got: 4 }, { got: 4 }, { got: 2 }]);
    expect(payloads).toContainEqual({
      Items: [{ n: 8 }, { n: 9 }],
      BatchInput: { run: 'r1' },
    });

    failFrom = 8; // the last batch: 2 of 10 items (20 %) fail, tolerated
    const tolerated = sfn.startExecution(arn, input);
    await tolerated.done;
    expect(tolerated.status).toBe('SUCCEEDED');
    expect((tolerated.output as unknown[])[2]).toMatchObject({ Error: 'Boom' });

    failFrom = 4; // 6 of 10 items (60 %) fail
    const failed = sfn.startExecution(arn, input);
    await failed.done;
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('States.ExceedToleratedFailureThreshold');
  });
});

describe(`the nightly run, locally, over ${PROJECTS} due projects`, () => {
  let runtime: LocalRuntime;

  beforeAll(async () => {
    runtime = await startLocalRuntime({ tenantId: 'acme', retryIntervalMs: 0 });
    if (!REAL_SETTLEMENTS) {
      const standIn = join(mkdtempSync(join(tmpdir(), 'nightly-')), 'settlement-stand-in.asl.json');
      writeFileSync(
        standIn,
        JSON.stringify({
          Comment: 'Stand-in for settlement.asl.json: ends at once',
          StartAt: 'Started',
          States: { Started: { Type: 'Succeed' } },
        }),
      );
      // Startable through the same alias as the real machine: the nightly run starts settlements through it.
      expect(runtime.sfn.register('settlement-acme', standIn, {}, ['live'])).toBe(runtime.settlementArn);
    }
    const template = JSON.parse(readFileSync(join(ROOT, 'demo', 'acme', 'charter.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    // Small periodic charters from the demo's (schedule from 2026-10-01): one due period (2026-10)
    // each on 2026-11-05. Without sources, a real settlement ends quickly as needs-attention.
    const ids = Array.from({ length: PROJECTS }, (_, i) => `proj-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(
        ids
          .slice(i, i + 25)
          .map((projectId) =>
            putCharter(projectId, { ...template, projectId, name: `Project ${projectId}`, sources: [] }),
          ),
      );
    }
  }, 120_000);

  afterAll(async () => {
    // Ends whatever still runs (a settlement waiting for approval would otherwise hold timers).
    await runtime?.sfn.stopAll();
    await runtime?.stop();
  });

  it('starts each due settlement exactly once, and a second run with the same asOf starts none', async () => {
    const settlements = () => runtime.sfn.listExecutions(runtime.settlementArn);
    const started = performance.now();
    const first = runtime.sfn.startExecution(runtime.nightlyArn, { tenantId: 'acme', asOf: AS_OF });
    await first.done;
    const nightlyMs = performance.now() - started;
    expect(first.status, `${first.error}: ${first.cause}`).toBe('SUCCEEDED');
    expect(first.output).toMatchObject({
      tenantId: 'acme',
      asOf: AS_OF,
      count: PROJECTS,
      skippedProjects: 0,
      itemList: { bucket: runtime.bucketName, key: `nightly/acme/${AS_OF}/items.json` },
    });
    const items = await getJson<NightlyItem[]>(`nightly/acme/${AS_OF}/items.json`);
    expect(items).toHaveLength(PROJECTS);

    const names = settlements().map((e) => e.name);
    expect(names).toHaveLength(PROJECTS);
    expect(new Set(names).size).toBe(PROJECTS);
    const expected = Array.from({ length: PROJECTS }, (_, i) =>
      settlementExecutionName(`proj-${String(i).padStart(4, '0')}`, '2026-10', 0),
    );
    expect([...names].sort()).toEqual([...expected].sort());

    await Promise.all(settlements().map((e) => e.done));
    const allEndedMs = performance.now() - started;
    const statuses = new Set(settlements().map((e) => e.status));
    expect([...statuses]).toEqual(['SUCCEEDED']);

    const second = runtime.sfn.startExecution(runtime.nightlyArn, { tenantId: 'acme', asOf: AS_OF });
    await second.done;
    expect(second.status, `${second.error}: ${second.cause}`).toBe('SUCCEEDED');
    expect(settlements()).toHaveLength(PROJECTS);
    const alreadyStarted = second.history.filter(
      (h) => h.type === 'StateEntered' && h.state === 'AlreadyStarted',
    );
    expect(alreadyStarted).toHaveLength(PROJECTS);

    console.log(
      `nightly run over ${PROJECTS} projects (${REAL_SETTLEMENTS ? 'real' : 'stand-in'} settlement machine): ` +
        `${(nightlyMs / 1000).toFixed(1)} s to start all settlements ` +
        `(${(allEndedMs / 1000).toFixed(1)} s until all ${PROJECTS} settlements ended), ` +
        `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
    );
  }, 180_000);
});

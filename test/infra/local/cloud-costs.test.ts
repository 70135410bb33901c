import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, putObject } from '#adapters/objects.ts';
import { putCharter, readRecords } from '#adapters/settlement-store.ts';
import { CloudCostSnapshot } from '#connectors/cloud-costs.ts';
import { normalizeFile } from '#connectors/index.ts';
import type { SettlementRecord } from '#domain/records.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import type { ExecutionRecord } from '#local/step-functions.ts';

/**
 * One cloud-cost query per tenant and night: the nightly run asks Cost Explorer once (grouped by the
 * project tag) for every due settlement, each settlement reads its project's slice from the
 * snapshot, and a settlement started by hand (no snapshot) asks for itself — with the same records
 * and the same statement. Cost Explorer is the local runtime's stand-in, reached through the same
 * IAM checks as every other AWS call.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const AS_OF = '2026-11-05';
const PROJECTS = ['atlas', 'borealis', 'cirrus'] as const;

/** A GetCostAndUsage answer shaped as AWS documents it: every tag value of the account in one response. */
function costAndUsage(input: Record<string, unknown>) {
  const period = input.TimePeriod as { Start: string; End: string };
  const group = (tag: string, amount: string) => ({
    Keys: [`project$${tag}`],
    Metrics: { NetAmortizedCost: { Amount: amount, Unit: 'USD' } },
  });
  return {
    GroupDefinitions: [{ Type: 'TAG', Key: 'project' }],
    ResultsByTime: [
      {
        TimePeriod: { Start: period.Start, End: period.End },
        Total: {},
        Groups: [
          group('', '212.4471889123'),
          group('atlas', '1843.2176543219'),
          group('borealis', '-12.0000000001'),
          group('cirrus', '0.0000004201'),
          group('dormant', '99.99'),
        ],
        Estimated: false,
      },
    ],
    DimensionValueAttributes: [],
  };
}

// UTC days: the queried windows asserted below are the period's UTC dates (a project in a time zone
// is asked a day more on each side).
const { timeZone: _demoZone, ...template } = JSON.parse(
  readFileSync(join(ROOT, 'demo', 'acme', 'charter.json'), 'utf8'),
) as Record<string, unknown>;
const charterOf = (projectId: string, projectRef: string) => ({
  ...template,
  projectId,
  projectRef,
  name: `Project ${projectId}`,
  sources: [{ id: 'cloud', connector: 'aws-cost-explorer', mode: 'live', options: { tagKey: 'project' } }],
});

async function recordsOf(projectId: string): Promise<SettlementRecord[]> {
  const out: SettlementRecord[] = [];
  for await (const r of readRecords(projectId)) out.push(r);
  return out.sort((a, b) => a.sourceId.localeCompare(b.sourceId));
}

/** The Collect step's output of an execution (its notes name where the figures came from). */
function collectNotes(execution: ExecutionRecord): string[] {
  const output = JSON.stringify(execution.output ?? {});
  return [...output.matchAll(/"(cloud: [^"]*)"/g)].map((m) => m[1] ?? '');
}

describe('one cloud-cost query per tenant and night', { timeout: 240_000 }, () => {
  let runtime: LocalRuntime;
  const calls: Record<string, unknown>[] = [];

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      tenantId: 'acme',
      retryIntervalMs: 0,
      costExplorer: (input) => {
        calls.push(input);
        return costAndUsage(input);
      },
    });
    for (const ref of PROJECTS) await putCharter(`p-${ref}`, charterOf(`p-${ref}`, ref));
  }, 120_000);

  afterAll(async () => {
    await runtime?.sfn.stopAll();
    await runtime?.stop();
  });

  it('asks Cost Explorer once for all three due projects and hands each settlement the snapshot', async () => {
    const nightly = runtime.sfn.startExecution(runtime.nightlyArn, { tenantId: 'acme', asOf: AS_OF });
    await nightly.done;
    expect(nightly.status, `${nightly.error}: ${nightly.cause}`).toBe('SUCCEEDED');
    const settlements = runtime.sfn.listExecutions(runtime.settlementArn);
    await Promise.all(settlements.map((e) => e.done));
    expect(settlements).toHaveLength(3);

    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
      GroupBy: [{ Type: 'TAG', Key: 'project' }],
      Metrics: ['NetAmortizedCost'],
    });

    const key = `cloud-costs/acme/${AS_OF}.json`;
    const snapshot = CloudCostSnapshot.parse(await getJson(key));
    expect(snapshot.queries).toHaveLength(1);
    expect(snapshot.queries[0]?.tagValues).toEqual(['atlas', 'borealis', 'cirrus']);
    expect(snapshot.queries[0]?.projects.atlas).toEqual([
      expect.objectContaining({ amount: '1843.2176543219', unit: 'USD', keys: ['project$atlas'] }),
    ]);
    expect(snapshot.queries[0]?.final).toBe(true);
    for (const execution of settlements) {
      expect(execution.input).toMatchObject({ cloudCosts: key });
      expect(collectNotes(execution).join('\n')).toContain(
        `read from the nightly cloud-cost snapshot ${key}`,
      );
    }
  });

  it('keeps the project’s cost and the untagged cost, exactly, and nothing of the other projects', async () => {
    const records = await recordsOf('p-atlas');
    expect(records.map((r) => [r.projectRef, r.kind === 'cost' ? r.amount : ''])).toEqual([
      ['unallocated', '212.4471889123'],
      ['atlas', '1843.2176543219'],
    ]);
    expect((await recordsOf('p-borealis')).map((r) => (r.kind === 'cost' ? r.amount : ''))).toContain(
      '-12.0000000001',
    );
  });

  it('falls back to a query of its own without a snapshot, with the same records and statement', async () => {
    // The same project under another id, settled by hand: no nightly run, so no snapshot.
    await putCharter('p-atlas-manual', charterOf('p-atlas-manual', 'atlas'));
    const manual = await runtime.runSettlement({
      tenantId: 'acme',
      projectId: 'p-atlas-manual',
      period: '2026-10',
      asOf: AS_OF,
    });
    expect(calls).toHaveLength(2);
    expect(collectNotes(manual).join('\n')).toContain(
      'queried for this settlement alone (no nightly cloud-cost snapshot answers for it)',
    );
    const strip = (records: SettlementRecord[]) =>
      records.map(({ ...r }) => {
        for (const field of ['storedAt', 'updatedAt', 'collectedAt'] as const)
          delete (r as Record<string, unknown>)[field];
        return r;
      });
    expect(strip(await recordsOf('p-atlas-manual'))).toEqual(strip(await recordsOf('p-atlas')));

    const nightly = runtime.sfn
      .listExecutions(runtime.settlementArn)
      .find((e) => (e.input as { projectId?: string }).projectId === 'p-atlas');
    const statementOf = async (execution: ExecutionRecord | undefined, projectId: string) => {
      const key = (execution?.output as { computed?: { statementKey?: string } } | undefined)?.computed
        ?.statementKey;
      expect(key, `${projectId} computed a statement`).toBeDefined();
      const { inputsHash, ...statement } = await getJson<Record<string, unknown>>(key ?? '');
      return {
        inputs: Object.keys(inputsHash as object),
        statement: JSON.stringify(statement).replaceAll(projectId, '<project>'),
      };
    };
    const byHand = await statementOf(manual, 'p-atlas-manual');
    const byNight = await statementOf(nightly, 'p-atlas');
    expect(byHand.statement).toBe(byNight.statement);
    // The evidence differs by design: the response page of its own query, or the snapshot slice.
    expect(byHand.inputs).toEqual(['raw/p-atlas-manual_2026-10_r0/cloud/page-0001.json']);
    expect(byNight.inputs).toEqual(['raw/p-atlas_2026-10_r0/cloud/snapshot-slice.json']);
  });
});

describe('the nightly cloud-cost query without its grant', { timeout: 240_000 }, () => {
  let runtime: LocalRuntime;
  const denied: string[] = [];
  let called = 0;

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      tenantId: 'acme',
      retryIntervalMs: 0,
      accessOverrides: { QueryCloudCosts: { costExplorer: false } },
      onDenied: (denial) => denied.push(`${denial.principal} ${denial.request.action}`),
      costExplorer: (input) => {
        called += 1;
        return costAndUsage(input);
      },
    });
    await putCharter('p-atlas', charterOf('p-atlas', 'atlas'));
  }, 180_000);

  afterAll(async () => {
    await runtime?.sfn.stopAll();
    await runtime?.stop();
  });

  it('is denied locally as AWS would deny it, and the night ends in its failure state', async () => {
    const nightly = runtime.sfn.startExecution(runtime.nightlyArn, { tenantId: 'acme', asOf: AS_OF });
    await nightly.done;
    expect(nightly.status).toBe('FAILED');
    expect(nightly.error).toBe('NightlyRunFailed');
    expect(denied).toContain('QueryCloudCosts ce:GetCostAndUsage');
    expect(called).toBe(0);
    expect(runtime.sfn.listExecutions(runtime.settlementArn)).toHaveLength(0);
  });
});

describe('one Athena query per tenant and night over the FOCUS export', { timeout: 240_000 }, () => {
  let runtime: LocalRuntime;
  const SAMPLE = join(ROOT, 'test', 'fixtures', 'focus', 'focus-1.0-sample.csv');
  const focusCharter = (projectId: string, projectRef: string, tagValue: string) => ({
    ...charterOf(projectId, projectRef),
    sources: [
      {
        id: 'cloud',
        connector: 'focus',
        mode: 'live',
        options: { tagKey: 'application', tagValue, shared: 'proportional' },
      },
    ],
  });

  beforeAll(async () => {
    runtime = await startLocalRuntime({ tenantId: 'acme', retryIntervalMs: 0 });
    // The export as AWS Data Exports (or an operator copying Azure's) lays it out.
    await putObject(
      'exports/focus/BILLING_PERIOD=2026-10/focus-1.0-sample.csv',
      new Uint8Array(readFileSync(SAMPLE)),
      'text/csv',
    );
    await putCharter('p-path', focusCharter('p-path', 'bright-path', 'BrightPathMatrix'));
    await putCharter('p-lens', focusCharter('p-lens', 'bright-lens', 'BrightLensMatrix'));
  }, 180_000);

  afterAll(async () => {
    await runtime?.sfn.stopAll();
    await runtime?.stop();
  });

  it('runs the SQL once on DuckDB for both projects, and each gets the records of the export file', async () => {
    const nightly = runtime.sfn.startExecution(runtime.nightlyArn, { tenantId: 'acme', asOf: AS_OF });
    await nightly.done;
    expect(nightly.status, `${nightly.error}: ${nightly.cause}`).toBe('SUCCEEDED');
    const settlements = runtime.sfn.listExecutions(runtime.settlementArn);
    await Promise.all(settlements.map((e) => e.done));
    expect(settlements).toHaveLength(2);
    expect(runtime.athena.started).toHaveLength(1);
    expect(runtime.athena.started[0]).toMatchObject({
      principal: 'QueryCloudCosts',
      parameters: ['application', 'application', '2026-10', '2026-10'],
    });
    const snapshot = CloudCostSnapshot.parse(await getJson(`cloud-costs/acme/${AS_OF}.json`));
    expect(snapshot.queries.map((q) => q.kind)).toEqual(['focus']);

    const csv = new Uint8Array(readFileSync(SAMPLE));
    const strip = (records: SettlementRecord[]) =>
      records
        .map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>)
        .sort((a, b) => String(a.sourceId).localeCompare(String(b.sourceId)));
    for (const [projectId, projectRef, tagValue] of [
      ['p-path', 'bright-path', 'BrightPathMatrix'],
      ['p-lens', 'bright-lens', 'BrightLensMatrix'],
    ] as const) {
      const file = await normalizeFile('focus', csv, {
        tagKey: 'application',
        tagValue,
        projectRef,
        shared: 'proportional',
      });
      expect(file.records.length).toBeGreaterThan(0);
      expect(strip(await recordsOf(projectId)), projectId).toEqual(strip(file.records));
    }
  });

  it('runs a query of its own, as the collecting function, for a settlement started by hand', async () => {
    // The sample's rows are of September 2024, in USD: a rate for them lets the settlement finish.
    const charter = focusCharter('p-path-manual', 'bright-path', 'BrightPathMatrix');
    await putCharter('p-path-manual', {
      ...charter,
      fxRates: [
        { from: 'USD', to: 'EUR', rate: '0.9000', date: '2024-09-01' },
        ...((charter as { fxRates?: unknown[] }).fxRates ?? []),
      ],
    });
    const before = runtime.athena.started.length;
    const manual = await runtime.runSettlement({
      tenantId: 'acme',
      projectId: 'p-path-manual',
      period: '2026-10',
      asOf: AS_OF,
    });
    expect(manual.status, `${manual.error}: ${manual.cause}`).toBe('SUCCEEDED');
    expect(runtime.athena.started.slice(before)).toEqual([
      expect.objectContaining({
        principal: 'CollectSource',
        parameters: ['application', 'application', '2026-10', '2026-10'],
      }),
    ]);
    expect(collectNotes(manual).join('\n')).toContain(
      "queried the tenant's FOCUS export for this settlement alone",
    );
    const strip = (records: SettlementRecord[]) =>
      records.map((r) => {
        const copy = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
        for (const field of ['storedAt', 'updatedAt', 'collectedAt'] as const) delete copy[field];
        return copy;
      });
    expect(strip(await recordsOf('p-path-manual'))).toEqual(strip(await recordsOf('p-path')));
    const { inputsHash } = await getJson<{ inputsHash: Record<string, string> }>(
      (manual.output as { computed: { statementKey: string } }).computed.statementKey,
    );
    expect(Object.keys(inputsHash)).toEqual(['raw/p-path-manual_2026-10_r0/cloud/focus-query.json']);
  });
});

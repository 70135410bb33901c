import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, getObject } from '#adapters/objects.ts';
import { getPeriodLock, listLateEditLedger } from '#adapters/settlement-store.ts';
import type { Statement } from '#domain/statement.ts';
import type { SettlementState } from '#domain/workflow.ts';
import { approveByLink } from '#local/demo.ts';
import { approvalLinks } from '#local/outbox.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { importProject } from '#local/tenant-files.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const DEMO = join(ROOT, 'demo', 'acme');
const TOGGL = 'toggl-detailed-2026-10.csv';
/** One billable October row: Chloe Martin (designer, 110.00 EUR/h billed, 65.00 EUR/h cost), 1 h. */
const ROW =
  'Chloe Martin,chloe.martin@acme.example,Northwind Retail,Atlas customer portal,Discovery workshops,Discovery workshops,Yes,2026-10-01,08:45:00,2026-10-01,09:45:00,01:00:00,';
/** The same row corrected at the source after October was settled: 2 h. */
const EDITED = ROW.replace('09:45:00,01:00:00', '10:45:00,02:00:00');

let runtime: LocalRuntime;
const links: string[] = [];

/** Approves every approval email until the execution ends. */
async function approveUntilDone(execution: { status: string; done: Promise<unknown> }): Promise<void> {
  while (execution.status === 'RUNNING') {
    const link = links.shift();
    if (link) await approveByLink(link);
    else await new Promise((r) => setTimeout(r, 25));
  }
  await execution.done;
}

/** A copy of the demo project under another id and late-edit rule, its files in a directory of its own. */
async function projectFiles(projectId: string, lateEdits: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${projectId}-`));
  for (const name of await readdir(DEMO)) {
    if (name !== 'charter.json') await copyFile(join(DEMO, name), join(dir, name));
  }
  const charter = JSON.parse(await readFile(join(DEMO, 'charter.json'), 'utf8'));
  await writeFile(join(dir, 'charter.json'), JSON.stringify({ ...charter, projectId, lateEdits }));
  await importProject(join(dir, 'charter.json'), dir);
  return dir;
}

/** Corrects the October row in the project's Toggl export and imports it again. */
async function editOctoberRow(dir: string): Promise<void> {
  const csv = await readFile(join(dir, TOGGL), 'utf8');
  expect(csv).toContain(ROW);
  await writeFile(join(dir, TOGGL), csv.replace(ROW, EDITED));
  await importProject(join(dir, 'charter.json'), dir);
}

async function settle(projectId: string, period: string, asOf: string): Promise<SettlementState> {
  const input = { tenantId: 'acme', projectId, period, revision: 0, asOf };
  const execution = runtime.sfn.startExecution(runtime.settlementArn, input, `${projectId}-${period}-r0`);
  await approveUntilDone(execution);
  expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
  const state = execution.output as SettlementState;
  expect(state.outcome).toBe('settled');
  return state;
}

const finalStatement = (state: SettlementState) =>
  getJson<Statement>(`final/${state.settlement.settlementId}/statement.json`);

beforeAll(async () => {
  runtime = await startLocalRuntime({
    tenantId: 'acme',
    tenantName: 'ACME Software GmbH',
    retryIntervalMs: 0,
    onEmail: (email) => links.push(...approvalLinks(email.mime)),
  });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('a timesheet row of a settled month edited at the source', { timeout: 300_000 }, () => {
  it('is carried into the next month as a late-edit adjustment, and not again the month after', async () => {
    const dir = await projectFiles('atlas-carry', { mode: 'carryForward' });
    const october = await settle('atlas-carry', '2026-10', '2026-11-05');
    expect((await finalStatement(october)).lateEdits).toBeUndefined();
    expect((await getPeriodLock('atlas-carry', '2026-10'))?.recordsAt).toBeDefined();

    await editOctoberRow(dir);
    const november = await settle('atlas-carry', '2026-11', '2026-12-02');
    // The CSV row has no id of its own: its old content is gone, the new content is a new record.
    const collected = (november.collected ?? []) as Array<{ sourceId: string; removed: number }>;
    expect(collected.find((c) => c.sourceId === 'toggl')?.removed).toBe(1);
    const statement = await finalStatement(november);
    expect(statement.lateEdits).toHaveLength(1);
    const late = statement.lateEdits?.[0];
    expect(late).toMatchObject({
      period: '2026-10',
      lockedRevision: 0,
      action: 'carried',
      billingDifference: { amount: '110.00', currency: 'EUR' },
      costDifference: { amount: '65.00', currency: 'EUR' },
    });
    expect(late?.records.map((r) => [r.change, r.before?.amount ?? null, r.after?.amount ?? null])).toEqual(
      expect.arrayContaining([
        ['removed', '1.00', null],
        ['new', null, '2.00'],
      ]),
    );
    const lines = statement.billing.lines.filter((l) => l.kind === 'late-edit');
    expect(lines.map((l) => l.amount.amount)).toEqual(['110.00']);
    expect(lines[0]?.description).toContain('2026-10');
    expect(statement.billing.adjustments.amount).toBe('110.00');
    const html = new TextDecoder().decode(
      await getObject(`final/${november.settlement.settlementId}/statement.html`),
    );
    expect(html).toContain('Late edits');
    expect(html).toContain('2026-10');
    const ledger = await listLateEditLedger('atlas-carry');
    expect(ledger).toEqual([
      expect.objectContaining({
        period: '2026-10',
        carry: expect.objectContaining({ by: november.settlement.settlementId, status: 'carried' }),
      }),
    ]);

    // December: the edit is already carried; nothing is carried twice.
    const december = await settle('atlas-carry', '2026-12', '2026-12-31');
    const next = await finalStatement(december);
    expect(next.lateEdits).toBeUndefined();
    expect(next.billing.lines.filter((l) => l.kind === 'late-edit')).toEqual([]);
  });

  it('proposes a revision of the settled month that the nightly run settles with a debit note', async () => {
    const dir = await projectFiles('atlas-revise', { mode: 'revise' });
    await settle('atlas-revise', '2026-10', '2026-11-05');
    await editOctoberRow(dir);
    const november = await settle('atlas-revise', '2026-11', '2026-12-02');
    const statement = await finalStatement(november);
    expect(statement.lateEdits?.[0]).toMatchObject({ period: '2026-10', action: 'revision-proposed' });
    // Proposed, not carried: November bills nothing for October.
    expect(statement.billing.lines.filter((l) => l.kind === 'late-edit')).toEqual([]);

    // The nightly run lists the proposed revision (and nothing else is due for this project).
    const nightly = runtime.sfn.startExecution(
      runtime.nightlyArn,
      { tenantId: 'acme', asOf: '2026-12-03' },
      'nightly-2026-12-03',
    );
    await approveUntilDone(nightly);
    expect(nightly.status, `${nightly.error}: ${nightly.cause}`).toBe('SUCCEEDED');
    // The nightly run only starts settlements; the revision runs on as its own execution.
    const started = runtime.sfn
      .listExecutions(runtime.settlementArn)
      .filter((e) => (e.input as { projectId?: string }).projectId === 'atlas-revise');
    const revision = started.filter((e) => (e.input as { revision?: number }).revision === 1);
    expect(revision).toHaveLength(1);
    expect(started).toHaveLength(3);
    for (const execution of revision) await approveUntilDone(execution);
    expect(revision[0]?.status).toBe('SUCCEEDED');
    const lock = await getPeriodLock('atlas-revise', '2026-10');
    expect(lock?.revision).toBe(1);
    const note = await getJson<{ kind: string; billingDifference: { amount: string }; reason: string }>(
      `final/${String(lock?.settlementId)}/debit-note.json`,
    );
    expect(note.kind).toBe('debit-note');
    expect(note.billingDifference.amount).toBe('110.00');
    expect(note.reason).toContain('late edits');
    // The revision absorbed the edit: the ledger's proposal is spent and nothing is left to carry.
    const ledger = await listLateEditLedger('atlas-revise');
    expect(ledger[0]?.lockSettlementId).not.toBe(lock?.settlementId);
  });
});

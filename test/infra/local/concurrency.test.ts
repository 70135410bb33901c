import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSettlement } from '#adapters/settlement-store.ts';
import { acquireSlot, slotHolders } from '#adapters/slots.ts';
import { approveByLink } from '#local/demo.ts';
import { approvalLinks } from '#local/outbox.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import type { ExecutionRecord } from '#local/step-functions.ts';
import { importProject } from '#local/tenant-files.ts';
import { verifyLocalArchive } from '#local/verify.ts';

/**
 * Month-end load: five projects due the same night, at most two settlements of the tenant collect,
 * compute and draft at once. The bound is read from the executions' histories (each one's Collect to
 * Draft lies inside the time it held a slot), not from the code that enforces it; a slot left by an
 * execution that no longer runs is taken back, and every slot is given back in the end.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const DEMO = join(ROOT, 'demo', 'acme');
const BOUND = 2;
const PROJECTS = ['load-1', 'load-2', 'load-3', 'load-4', 'load-5'];
const GHOST = 'arn:aws:states:eu-central-1:000000000000:execution:settlement-acme:gone-long-ago';

let runtime: LocalRuntime;
const links: string[] = [];
const dirs: string[] = [];

/** The timestamps at which `state` was entered or exited in an execution's history. */
function at(execution: ExecutionRecord, type: 'StateEntered' | 'StateExited', state: string): number[] {
  return execution.history.filter((e) => e.type === type && e.state === state).map((e) => e.timestamp);
}

/** The largest number of intervals that overlap at one instant. */
function maxOverlap(intervals: ReadonlyArray<readonly [number, number]>): number {
  const edges = intervals.flatMap(([from, to]) => [
    [from, 1],
    [to, -1],
  ]);
  // An interval that ends at the instant another starts does not overlap it.
  edges.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  let open = 0;
  let most = 0;
  for (const [, step] of edges) {
    open += step as number;
    most = Math.max(most, open);
  }
  return most;
}

describe('month-end load: a bound on concurrent settlements per tenant', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    runtime = await startLocalRuntime({
      tenantId: 'acme',
      // The ASL's own retry intervals: Archive waits its turn on the chain as it does in AWS.
      waitMs: 50,
      env: { MAX_CONCURRENT_SETTLEMENTS: String(BOUND) },
      onEmail: (email) => links.push(...approvalLinks(email.mime)),
    });
    const charter = JSON.parse(await readFile(join(DEMO, 'charter.json'), 'utf8'));
    for (const projectId of PROJECTS) {
      const dir = await mkdtemp(join(tmpdir(), `${projectId}-`));
      dirs.push(dir);
      for (const name of await readdir(DEMO)) {
        if (name !== 'charter.json') await copyFile(join(DEMO, name), join(dir, name));
      }
      await writeFile(join(dir, 'charter.json'), JSON.stringify({ ...charter, projectId }));
      await importProject(join(dir, 'charter.json'), dir);
    }
    // A slot held by an execution that ended without giving it back (aborted, timed out).
    expect(await acquireSlot(GHOST, BOUND, '2026-11-04T00:00:00Z', async () => true)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await runtime?.sfn.stopAll();
    await runtime?.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('settles all five, never more than two between Collect and Draft at once, and gives every slot back', async () => {
    const nightly = runtime.sfn.startExecution(runtime.nightlyArn, { tenantId: 'acme', asOf: '2026-11-05' });
    await nightly.done;
    expect(nightly.status, `${nightly.error}: ${nightly.cause}`).toBe('SUCCEEDED');
    const executions = runtime.sfn.listExecutions(runtime.settlementArn);
    expect(executions).toHaveLength(PROJECTS.length);
    for (const execution of executions) {
      while (execution.status === 'RUNNING') {
        const link = links.shift();
        if (link) await approveByLink(link);
        else await new Promise((r) => setTimeout(r, 25));
      }
      expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
    }
    for (const projectId of PROJECTS) {
      expect((await getSettlement(projectId, '2026-10', 0))?.status).toBe('settled');
    }

    const held = executions.map((e) => {
      const [from] = at(e, 'StateEntered', 'Collect');
      const [to] = at(e, 'StateExited', 'Draft');
      expect(from, e.name).toBeDefined();
      expect(to, e.name).toBeDefined();
      return [from as number, to as number] as const;
    });
    expect(maxOverlap(held)).toBeLessThanOrEqual(BOUND);
    // The bound was reached: some settlements waited for a slot.
    const waited = executions.filter((e) => at(e, 'StateEntered', 'WaitForSlot').length > 0);
    expect(waited.length).toBeGreaterThanOrEqual(PROJECTS.length - BOUND);
    // The ghost's slot was taken back, and every settlement gave its own back once drafted.
    expect(await slotHolders()).toEqual({});
    // Five settlements approved close together appended to the archive chain one at a time.
    const verification = await verifyLocalArchive('acme');
    expect(verification.status).toBe('ok');
    expect(verification.settlements.map((s) => s.sequence).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await slotHolders('ARCHIVE')).toEqual({});
  });
});

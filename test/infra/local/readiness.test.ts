import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSettlement } from '#adapters/settlement-store.ts';
import { settlementExecutionName } from '#domain/due.ts';
import { approveByLink } from '#local/demo.ts';
import { approvalLinks, mimeHeader, mimeTextParts } from '#local/outbox.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import type { OutboxEmail } from '#local/server.ts';
import { importProject } from '#local/tenant-files.ts';

/**
 * Readiness and cut-off over several nights with the real nightly and settlement machines: October
 * is not due before its cut-off (3 days after it ends); then it waits — a Clockify entry not
 * approved, Cost Explorer still estimated, the overheads file not imported — and each night tries
 * again under a new attempt name, past the retry policy's maximum (waiting is not failing); from
 * the deadline the operations address is told what is missing; once the data is final the next
 * night settles it.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const DEMO = join(ROOT, 'demo', 'acme');
const PROJECT = 'ready';
const CLOCKIFY = 'clockify-2026-10.json';
const COST = 'cost-explorer-2026-10.json';
const OVERHEADS = 'overheads-2026-10.csv';

/** A Clockify Reports API detailed report (the shape of its `/reports/detailed` answer): two October entries. */
function clockifyReport(secondApproved: boolean) {
  const entry = (
    id: string,
    start: string,
    end: string,
    seconds: number,
    approvalRequestId: string | null,
  ) => ({
    _id: id,
    description: 'Accessibility review',
    userId: '5f1e0c',
    billable: true,
    taskId: null,
    projectId: '65aa01',
    timeInterval: { start, end, duration: seconds },
    approvalRequestId,
    tags: [],
    isLocked: approvalRequestId !== null,
    userName: 'Chloe Martin',
    userEmail: 'chloe.martin@acme.example',
    projectName: 'Atlas customer portal',
    clientName: 'Northwind Retail',
  });
  return {
    totals: [{ _id: '', totalTime: 10_800, totalBillableTime: 10_800, entriesCount: 2, totalAmount: null }],
    timeentries: [
      entry(
        '66f1b0c2e4b0a1b2c3d4e601',
        '2026-10-20T09:00:00+02:00',
        '2026-10-20T10:00:00+02:00',
        3600,
        '6720a1',
      ),
      entry(
        '66f1b0c2e4b0a1b2c3d4e602',
        '2026-10-21T09:00:00+02:00',
        '2026-10-21T11:00:00+02:00',
        7200,
        secondApproved ? '6720a1' : null,
      ),
    ],
  };
}

let runtime: LocalRuntime;
let dir: string;
const emails: OutboxEmail[] = [];

const name = (attempt: number) => settlementExecutionName(PROJECT, '2026-10', 0, attempt);
const settlementNames = () => runtime.sfn.listExecutions(runtime.settlementArn).map((e) => e.name);
const subject = (e: OutboxEmail) => mimeHeader(e.mime, 'Subject') ?? '';
const text = (e: OutboxEmail | undefined) => mimeTextParts(e?.mime ?? '')[0] ?? '';
const summary = (asOf: string) =>
  emails.find((e) => subject(e).startsWith(`Settlements not settled on ${asOf}`));
const overdueMails = () => emails.filter((e) => subject(e).startsWith('Overdue:'));

/** One night: the nightly run, then every settlement it started, approving what asks for approval. */
async function night(asOf: string) {
  const nightly = runtime.sfn.startExecution(runtime.nightlyArn, { tenantId: 'acme', asOf });
  await nightly.done;
  expect(nightly.status, `${nightly.error}: ${nightly.cause}`).toBe('SUCCEEDED');
  for (const execution of runtime.sfn.listExecutions(runtime.settlementArn)) {
    while (execution.status === 'RUNNING') {
      const link = emails.flatMap((e) => approvalLinks(e.mime)).find((l) => !used.has(l));
      if (link) {
        used.add(link);
        await approveByLink(link);
      } else await new Promise((r) => setTimeout(r, 25));
    }
    await execution.done;
    expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
  }
  return nightly;
}
const used = new Set<string>();

/** The Cost Explorer groups of the demo's October answer: each one a cost figure. */
async function costGroups(): Promise<number> {
  const answer = JSON.parse(await readFile(join(DEMO, COST), 'utf8')) as {
    ResultsByTime: Array<{ Groups?: unknown[] }>;
  };
  return answer.ResultsByTime.reduce((n, p) => n + (p.Groups?.length ?? 0), 0);
}

async function writeCost(estimated: boolean): Promise<void> {
  const cost = await readFile(join(DEMO, COST), 'utf8');
  expect(cost).toContain('"Estimated": false');
  await writeFile(
    join(dir, COST),
    estimated ? cost.replaceAll('"Estimated": false', '"Estimated": true') : cost,
  );
}

describe('readiness and cut-off in the nightly run', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    runtime = await startLocalRuntime({
      tenantId: 'acme',
      tenantName: 'ACME Software GmbH',
      retryIntervalMs: 0,
      // Two attempts at most: waiting nights must not use them up.
      env: { RETRY_MAX_ATTEMPTS: '2', RETRY_OUTCOMES: 'failed,needs-attention' },
      onEmail: (email) => emails.push(email),
    });
    dir = await mkdtemp(join(tmpdir(), 'readiness-'));
    for (const file of await readdir(DEMO)) {
      if (file !== 'charter.json' && file !== OVERHEADS) await copyFile(join(DEMO, file), join(dir, file));
    }
    await writeFile(join(dir, CLOCKIFY), JSON.stringify(clockifyReport(false)));
    await writeCost(true);
    const charter = JSON.parse(await readFile(join(DEMO, 'charter.json'), 'utf8'));
    await writeFile(
      join(dir, 'charter.json'),
      JSON.stringify({
        ...charter,
        projectId: PROJECT,
        readiness: { settleAfterDays: 3, approvedTime: true, finalCloudCost: true, deadlineDays: 6 },
        sources: [
          ...charter.sources,
          {
            id: 'clockify',
            connector: 'clockify',
            mode: 'file',
            path: CLOCKIFY,
            options: { projectRef: charter.projectRef },
          },
        ],
      }),
    );
    const imported = await importProject(join(dir, 'charter.json'), dir);
    expect(imported.missing).toEqual([`overheads: ${OVERHEADS}`]);
  }, 120_000);

  afterAll(async () => {
    await runtime?.sfn.stopAll();
    await runtime?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('does not settle October before its cut-off', async () => {
    const first = await night('2026-11-03');
    expect(first.output).toMatchObject({ count: 0, left: 0 });
    expect(settlementNames()).toEqual([]);
  });

  it('waits on the first night after the cut-off, saying what is missing, without telling operations yet', async () => {
    const fourth = await night('2026-11-04');
    expect(fourth.output).toMatchObject({ count: 1 });
    expect(settlementNames()).toEqual([name(1)]);
    const [execution] = runtime.sfn.listExecutions(runtime.settlementArn);
    expect(execution?.output).toMatchObject({ outcome: 'waiting' });
    const item = await getSettlement(PROJECT, '2026-10', 0);
    expect(item).toMatchObject({ status: 'waiting', attempt: 1, waits: 1, deadline: '2026-11-06' });
    expect(item?.missing).toEqual([
      `cloud: ${await costGroups()} cost figure(s) still estimated at the source`,
      `overheads: file ${OVERHEADS} is not imported yet`,
      'clockify: 1 of 2 time entries not approved (chloe.martin@acme.example)',
    ]);
    // Nothing was computed, drafted or sent for approval.
    expect(emails.flatMap((e) => approvalLinks(e.mime))).toEqual([]);
    expect(overdueMails()).toEqual([]);
  });

  it('tries again each night past the policy’s maximum, and from the deadline tells operations', async () => {
    await night('2026-11-05');
    await night('2026-11-06');
    expect(settlementNames()).toEqual([name(1), name(2), name(3)]);
    const item = await getSettlement(PROJECT, '2026-10', 0);
    expect(item).toMatchObject({ status: 'waiting', attempt: 3, waits: 3 });
    const overdue = overdueMails();
    expect(overdue).toHaveLength(1);
    expect(overdue[0]?.to).toEqual(['platform@acme.example']);
    expect(subject(overdue[0] as OutboxEmail)).toBe(
      'Overdue: ready 2026-10 is waiting for its data (ACME Software GmbH)',
    );
    expect(text(overdue[0])).toContain(
      '- clockify: 1 of 2 time entries not approved (chloe.martin@acme.example)',
    );
    expect(text(summary('2026-11-06'))).toContain(
      `- ready 2026-10 r0: attempt 3 started tonight; attempt 2 waiting for its data (overdue from 2026-11-06): cloud: ${await costGroups()} cost figure(s) still estimated at the source; overheads: file ${OVERHEADS} is not imported yet; clockify: 1 of 2 time entries not approved (chloe.martin@acme.example)`,
    );
  });

  it('settles on the first night its data is final', async () => {
    await writeFile(join(dir, CLOCKIFY), JSON.stringify(clockifyReport(true)));
    await writeCost(false);
    await copyFile(join(DEMO, OVERHEADS), join(dir, OVERHEADS));
    expect((await importProject(join(dir, 'charter.json'), dir)).missing).toEqual([]);
    await night('2026-11-07');
    expect(settlementNames()).toEqual([name(1), name(2), name(3), name(4)]);
    const item = await getSettlement(PROJECT, '2026-10', 0);
    expect(item).toMatchObject({ status: 'settled', attempt: 4 });
    // Settled periods are not due any more.
    const next = await night('2026-11-08');
    expect(next.output).toMatchObject({ count: 0 });
  });
});

import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, listKeys } from '#adapters/objects.ts';
import { getPeriodLock, getSettlement, readRecords } from '#adapters/settlement-store.ts';
import type { Statement } from '#domain/statement.ts';
import type { SettlementState } from '#domain/workflow.ts';
import { approveByLink } from '#local/demo.ts';
import { approvalLinks } from '#local/outbox.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { importProject } from '#local/tenant-files.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const DEMO = join(ROOT, 'demo', 'acme');

let runtime: LocalRuntime;
const links: string[] = [];

async function nextLink(): Promise<string> {
  for (let i = 0; i < 400; i += 1) {
    const link = links.shift();
    if (link) return link;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no approval email arrived');
}

beforeAll(async () => {
  runtime = await startLocalRuntime({
    tenantId: 'acme',
    retryIntervalMs: 0,
    onEmail: (email) => links.push(...approvalLinks(email.mime)),
  });
  await importProject(join(DEMO, 'charter.json'), DEMO);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the settlement state machine, run locally from its ASL file', () => {
  it('ends as rejected when the approver rejects, with nothing finalised or locked', async () => {
    const input = {
      tenantId: 'acme',
      projectId: 'atlas-portal',
      period: '2026-10',
      revision: 0,
      asOf: '2026-11-05',
    };
    const execution = runtime.sfn.startExecution(runtime.settlementArn, input, 'atlas-2026-10-r0');
    await approveByLink(await nextLink(), 'reject', 'Design hours are not agreed with the client');
    await execution.done;
    expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
    const state = execution.output as SettlementState;
    expect(state.outcome).toBe('rejected');
    expect((await getSettlement('atlas-portal', '2026-10', 0))?.status).toBe('rejected');
    expect(await getPeriodLock('atlas-portal', '2026-10')).toBeUndefined();
    expect(await listKeys(`final/${state.settlement.settlementId}/`)).toEqual([]);
    expect(await listKeys('archive/')).toEqual([]);
  });

  it('settles a revision through approval, numbers it, locks the period and archives it', async () => {
    const input = {
      tenantId: 'acme',
      projectId: 'atlas-portal',
      period: '2026-10',
      revision: 1,
      asOf: '2026-11-05',
      reason: 'Design hours agreed with the client on 2026-11-06',
    };
    const execution = runtime.sfn.startExecution(runtime.settlementArn, input, 'atlas-2026-10-r1');
    while (execution.status === 'RUNNING') {
      const link = await Promise.race([nextLink(), execution.done.then(() => undefined)]);
      if (link) await approveByLink(link);
    }
    expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
    const state = execution.output as SettlementState;
    expect(state.outcome).toBe('settled');
    expect(state.final?.statementNumber).toBe('ST-ACME-2026-000001');
    expect((await getSettlement('atlas-portal', '2026-10', 1))?.status).toBe('settled');
    expect((await getPeriodLock('atlas-portal', '2026-10'))?.settlementId).toBe(
      state.settlement.settlementId,
    );
    let records = 0;
    for await (const _ of readRecords('atlas-portal')) records += 1;
    expect(records).toBeGreaterThan(150);
    const statement = await getJson<Statement>(`final/${state.settlement.settlementId}/statement.json`);
    expect(statement.totals.cost.currency).toBe('EUR');
    expect(statement.revision).toBe(1);
    const archived = await listKeys(`archive/${state.settlement.settlementId}/`);
    expect(archived).toContain(`archive/${state.settlement.settlementId}/manifest.json`);
    expect(archived.some((k) => k.endsWith('statement.pdf'))).toBe(true);
    expect(archived.some((k) => k.includes('/raw/'))).toBe(true);
  });

  it('ends an identical re-run as already settled, archiving nothing twice', async () => {
    const before = await listKeys('archive/');
    const input = {
      tenantId: 'acme',
      projectId: 'atlas-portal',
      period: '2026-10',
      revision: 1,
      asOf: '2026-11-05',
      reason: 'again',
    };
    const execution = await runtime.runSettlement(input, 'atlas-2026-10-r1-again');
    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as SettlementState).outcome).toBe('already-settled');
    expect(await listKeys('archive/')).toEqual(before);
  });
});

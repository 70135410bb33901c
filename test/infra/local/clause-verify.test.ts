import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSettlement } from '#adapters/settlement-store.ts';
import type { SettlementState } from '#domain/workflow.ts';
import { mimeHeader, mimeTextParts } from '#local/outbox.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { importProject } from '#local/tenant-files.ts';

const DEMO = resolve(import.meta.dirname, '..', '..', '..', 'demo', 'acme');

let runtime: LocalRuntime;
const mails: Array<{ subject: string; text: string }> = [];

beforeAll(async () => {
  runtime = await startLocalRuntime({
    tenantId: 'acme',
    tenantName: 'ACME Software GmbH',
    retryIntervalMs: 0,
    onEmail: (email) =>
      mails.push({
        subject: mimeHeader(email.mime, 'Subject') ?? '',
        text: mimeTextParts(email.mime).join('\n'),
      }),
  });
  // The demo project, with the steering-committee clause (no confirmed evidence, due 2026-10-31) made blocking.
  const dir = await mkdtemp(join(tmpdir(), 'clause-verify-'));
  await cp(DEMO, dir, { recursive: true });
  const charter = JSON.parse(await readFile(join(dir, 'charter.json'), 'utf8'));
  for (const clause of charter.clauses.items) if (clause.id === '5.2') clause.blocking = true;
  await writeFile(join(dir, 'charter.json'), JSON.stringify(charter));
  await importProject(join(dir, 'charter.json'), dir);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('a blocking contract clause at Verify', { timeout: 180_000 }, () => {
  it('stops the settlement as needs-attention with a message naming the clause', async () => {
    const input = {
      tenantId: 'acme',
      projectId: 'atlas-portal',
      period: '2026-10',
      revision: 0,
      asOf: '2026-11-05',
    };
    const execution = runtime.sfn.startExecution(runtime.settlementArn, input, 'atlas-2026-10-clause');
    await execution.done;
    expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
    const state = execution.output as SettlementState;
    expect(state.outcome).toBe('needs-attention');
    expect(state.approval).toBeUndefined();
    expect(state.computed?.blockingFailures).toEqual([
      'Contract clause 5.2 Steering committee fulfilled — no confirmed evidence (suggestions do not count: confirm a mapping in the charter)',
    ]);
    const record = await getSettlement('atlas-portal', '2026-10', 0);
    expect(record?.status).toBe('needs-attention');
    expect(record?.checks).toContainEqual({ id: 'clause:5.2', status: 'fail', severity: 'blocking' });
    const outcome = mails.find((m) => m.subject.includes('needs-attention'));
    expect(outcome, mails.map((m) => m.subject).join(' | ')).toBeDefined();
    expect(outcome?.text).toContain(
      '- Contract clause 5.2 Steering committee fulfilled — no confirmed evidence',
    );
  });
});

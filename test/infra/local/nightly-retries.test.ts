import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSettlement, putCharter } from '#adapters/settlement-store.ts';
import { settlementExecutionName } from '#domain/due.ts';
import { mimeHeader, mimeTextParts } from '#local/outbox.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import type { OutboxEmail } from '#local/server.ts';

/**
 * The nightly run over several nights with the real settlement machine: a period that ended
 * needs-attention and one that failed are tried again on the next night under a new attempt name,
 * until the tenant's policy (here 2 attempts) stops; the daily summary names every settlement not
 * settled with its reason, once per night.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const name = (projectId: string, attempt: number) =>
  settlementExecutionName(projectId, '2026-10', 0, attempt);

describe('nightly retries and the daily summary', { timeout: 240_000 }, () => {
  let runtime: LocalRuntime;
  const emails: OutboxEmail[] = [];

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      tenantId: 'acme',
      retryIntervalMs: 0,
      env: { RETRY_MAX_ATTEMPTS: '2', RETRY_OUTCOMES: 'failed,needs-attention' },
      onEmail: (email) => emails.push(email),
    });
    const template = JSON.parse(readFileSync(join(ROOT, 'demo', 'acme', 'charter.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    // No sources: the settlement ends needs-attention (no evidence for the blocking checks).
    await putCharter('proj-a', { ...template, projectId: 'proj-a', name: 'Project A', sources: [] });
    // The demo's file sources without their files in the inbox: Collect fails.
    await putCharter('proj-b', { ...template, projectId: 'proj-b', name: 'Project B' });
  }, 120_000);

  afterAll(async () => {
    await runtime?.sfn.stopAll();
    await runtime?.stop();
  });

  const settlementNames = () => runtime.sfn.listExecutions(runtime.settlementArn).map((e) => e.name);

  async function night(asOf: string) {
    const nightly = runtime.sfn.startExecution(runtime.nightlyArn, { tenantId: 'acme', asOf });
    await nightly.done;
    expect(nightly.status, `${nightly.error}: ${nightly.cause}`).toBe('SUCCEEDED');
    await Promise.all(runtime.sfn.listExecutions(runtime.settlementArn).map((e) => e.done));
    return nightly;
  }

  const summaries = (asOf: string) =>
    emails.filter((e) => mimeHeader(e.mime, 'Subject')?.startsWith(`Settlements not settled on ${asOf}`));
  const summaryText = (asOf: string) => mimeTextParts(summaries(asOf)[0]?.mime ?? '')[0] ?? '';

  it('starts the first attempts, and a repeated night starts nothing and sends no second summary', async () => {
    const first = await night('2026-11-05');
    expect(first.output).toMatchObject({ count: 2, left: 0 });
    expect(settlementNames().sort()).toEqual([name('proj-a', 1), name('proj-b', 1)].sort());
    expect((await getSettlement('proj-a', '2026-10', 0))?.status).toBe('needs-attention');
    expect((await getSettlement('proj-b', '2026-10', 0))?.status).toBe('failed');
    expect(summaryText('2026-11-05')).toContain('proj-a 2026-10 r0: first attempt started tonight');

    const again = await night('2026-11-05');
    expect(again.output).toMatchObject({ count: 0, left: 2 });
    expect(settlementNames()).toHaveLength(2);
    expect(summaries('2026-11-05')).toHaveLength(1);
  });

  it('starts attempt 2 of a needs-attention and of a failed period on the next night, under new names', async () => {
    const second = await night('2026-11-06');
    expect(second.output).toMatchObject({ count: 2, left: 0 });
    expect(settlementNames().sort()).toEqual(
      [name('proj-a', 1), name('proj-b', 1), name('proj-a', 2), name('proj-b', 2)].sort(),
    );
    expect(name('proj-a', 2)).toMatch(/^proj-a-2026-10-r0-a2-[0-9a-f]{12}$/);
    const a = await getSettlement('proj-a', '2026-10', 0);
    const b = await getSettlement('proj-b', '2026-10', 0);
    expect(a).toMatchObject({ status: 'needs-attention', attempt: 2, asOf: '2026-11-06' });
    expect(b).toMatchObject({ status: 'failed', attempt: 2, asOf: '2026-11-06' });
    const text = summaryText('2026-11-06');
    expect(text).toContain('proj-a 2026-10 r0: attempt 2 started tonight; attempt 1 needs attention:');
    expect(text).toMatch(/proj-b 2026-10 r0: attempt 2 started tonight; attempt 1 failed: \w+Error/);
  });

  it('stops after the policy’s maximum and says so in the daily summary', async () => {
    const third = await night('2026-11-07');
    expect(third.output).toMatchObject({ count: 0, left: 2 });
    expect(settlementNames()).toHaveLength(4);
    const mail = summaries('2026-11-07');
    expect(mail).toHaveLength(1);
    expect(mail[0]?.to).toEqual(['platform@acme.example']);
    expect(mimeHeader(mail[0]?.mime ?? '', 'Subject')).toBe(
      'Settlements not settled on 2026-11-07: 2 (acme)',
    );
    const text = summaryText('2026-11-07');
    const checks = ((await getSettlement('proj-a', '2026-10', 0))?.failedChecks as string[]) ?? [];
    expect(checks.length).toBeGreaterThan(0);
    expect(text).toContain(
      `proj-a 2026-10 r0: attempt 2 needs attention: ${checks.join('; ')}; not retried: 2 attempts made (the policy's maximum)`,
    );
    expect(text).toMatch(
      /proj-b 2026-10 r0: attempt 2 failed: \w+Error \(.+\); not retried: 2 attempts made \(the policy's maximum\)/,
    );
  });
});

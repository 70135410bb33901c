import { join, resolve } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getClients } from '#adapters/clients.ts';
import { loadConfig } from '#adapters/config.ts';
import { getObject, listKeys } from '#adapters/objects.ts';
import { createApprovalStore } from '#approval/store.ts';
import type { SettlementState } from '#domain/workflow.ts';
import { ApprovalLinkError, approveByLink } from '#local/approval-link.ts';
import { approvalLinks, mimeTextParts, oneTimeCode } from '#local/outbox.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { importProject } from '#local/tenant-files.ts';

/**
 * A whole settlement on the local runtime (the ASL interpreter, dynalite, s3rver, IAM enforced from
 * the synthesized stack) for a tenant whose one-time code threshold (EUR 10,000.00) is below the
 * demo's amount: every approver confirms with the code emailed after Approve.
 */

const DEMO = join(resolve(import.meta.dirname, '..', '..', '..'), 'demo', 'acme');

let runtime: LocalRuntime;
const links: string[] = [];
const codes: string[] = [];

beforeAll(async () => {
  runtime = await startLocalRuntime({
    tenantId: 'acme',
    tenantName: 'ACME Software GmbH',
    retryIntervalMs: 0,
    env: { APPROVAL_CODE_FROM: '10000.00 EUR', APPROVAL_CODE_MINUTES: '10', APPROVAL_CODE_ATTEMPTS: '5' },
    onEmail: (email) => {
      links.push(...approvalLinks(email.mime));
      const code = oneTimeCode(email.mime);
      if (code) codes.push(code);
    },
  });
  await importProject(join(DEMO, 'charter.json'), DEMO);
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

async function waitFor<T>(take: () => T | undefined, what: string): Promise<T> {
  for (let waited = 0; waited < 90_000; waited += 25) {
    const value = take();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not arrive`);
}

describe('a settlement above the code threshold on the local runtime', { timeout: 180_000 }, () => {
  it('is approved at each step only with the emailed code, and keeps no code at rest', async () => {
    const execution = runtime.sfn.startExecution(
      runtime.settlementArn,
      { tenantId: 'acme', projectId: 'atlas-portal', period: '2026-10', revision: 0, asOf: '2026-11-05' },
      'atlas-code-2026-10-r0',
    );

    // The link alone does not approve: Approve emails a code and the page asks for it.
    const first = await waitFor(() => links.shift(), 'the first approval link');
    const before = codes.length;
    await expect(approveByLink(first)).rejects.toThrow(ApprovalLinkError);
    await expect(approveByLink(first)).rejects.toThrow(/--code <code>/);
    expect(codes.length).toBe(before + 2);

    const latestCode = (after: number) => () => waitFor(() => codes.at(after), 'a one-time code');
    await approveByLink(first, 'approve', '', latestCode(codes.length));
    let steps = 1;
    while (execution.status === 'RUNNING') {
      const link = links.shift();
      if (!link) {
        await new Promise((r) => setTimeout(r, 25));
        continue;
      }
      await approveByLink(link, 'approve', '', latestCode(codes.length));
      steps += 1;
    }
    await execution.done;
    expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
    const state = execution.output as SettlementState;
    expect(state.outcome).toBe('settled');

    const log = await createApprovalStore(getClients().ddb, loadConfig().tableName).readLog(
      state.settlement.settlementId,
    );
    const decided = log.filter((e) => e.type === 'decided');
    expect(decided).toHaveLength(steps);
    for (const event of decided)
      expect(event.detail).toMatchObject({ decision: 'approved', confirmedWith: 'one-time code' });
    expect(log.filter((e) => e.type === 'code-sent').length).toBe(steps + 2);

    // No code in any kept email (their copies are archived) or any approval item of the table.
    const emails: string[] = [];
    for (const key of await listKeys('emails/'))
      emails.push(Buffer.from((await getObject(key)) ?? []).toString('utf8'));
    const items: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await getClients().ddb.send(
        new ScanCommand({ TableName: loadConfig().tableName, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? [])
        if (String(item.pk).startsWith('APPROVAL')) items.push(JSON.stringify(item));
      start = page.LastEvaluatedKey;
    } while (start);
    expect(
      items.some((i) => i.includes('"otp"') || i.includes('codeAttempts') || i.includes('code-sent')),
    ).toBe(true);
    expect(codes.length).toBe(steps + 2);
    for (const code of codes) {
      expect(
        emails.filter((b) => b.includes(code) || mimeTextParts(b).some((t) => t.includes(code))),
      ).toEqual([]);
      expect(items.filter((i) => i.includes(code))).toEqual([]);
    }
    const kept = emails.filter((b) => /^X-Kept-Copy: one-time approval code removed/m.test(b));
    expect(kept.length).toBe(steps + 2);
    for (const copy of kept) expect(oneTimeCode(copy)).toBeUndefined();
  });
});

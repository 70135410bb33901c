import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getObject } from '#adapters/objects.ts';
import { getSettlement } from '#adapters/settlement-store.ts';
import type { ExecutionRecord } from '#local/step-functions.ts';
import {
  DEMO_INPUT,
  describeExecution,
  FINAL_FILES,
  type Harness,
  importDemo,
  incompletePrefixes,
  type MAIN_PATH,
  outboxOf,
  outcomeOf,
  type Snapshot,
  sdkErrors,
  snapshot,
  startHarness,
  toLine,
} from './harness.ts';
import type { Tally } from './summary.ts';
import { startVendor, TEMPO_SECRET_ENV, type Vendor, withLiveTempo } from './vendor.ts';

/**
 * Faults: DynamoDB and S3 throttling / 5xx injected in the SDK clients while one step runs, and a
 * live vendor API that fails, hangs, pages forever or answers garbage. Transient faults are
 * retried by the state machine (TransientStoreError, SourceUnavailableError); the rest end in the
 * recorded, notified failure. Every case ends with the same invariants: no partial archive, no
 * half-locked period, every record stored once, and — when settled — the totals of a clean run.
 */

const { projectId, period } = DEMO_INPUT;
type Totals = unknown;

export interface FaultSuiteOptions {
  /** Transient faults per step: how many calls fail before the step gets through. */
  readonly transientCalls: number;
  readonly steps: readonly (typeof MAIN_PATH)[number][];
  /** Also inject DynamoDB 500s at every step (the chaos run). */
  readonly serverErrors?: boolean;
}

export function defineFaultSuite(tally: Tally, options: FaultSuiteOptions): void {
  let h: Harness;
  let vendor: Vendor;
  let revision = 0;
  let cleanRecords = 0;
  let cleanTotals: Totals;

  const totalsOf = (s: Snapshot) =>
    s.statementJson ? (JSON.parse(s.statementJson) as { totals: Totals }).totals : undefined;

  async function run(): Promise<{ execution: ExecutionRecord; end: Snapshot; rev: number }> {
    revision += 1;
    const rev = revision;
    const execution = await h.settle(
      { ...DEMO_INPUT, revision: rev, ...(rev > 0 ? { reason: `reliability case ${rev}` } : {}) },
      `fault-${rev}`,
    );
    h.faults.clear();
    vendor.mode = 'ok';
    return { execution, end: await snapshot(projectId, period, rev), rev };
  }

  /** Settles the same revision again (a re-run after a failure); it must succeed and keep the invariants. */
  async function rerun(rev: number, label: string): Promise<void> {
    const again = await h.settle(
      { ...DEMO_INPUT, revision: rev, reason: `reliability case ${rev}` },
      `fault-${rev}-rerun`,
    );
    expect(again.status, describeExecution(again)).toBe('SUCCEEDED');
    checkInvariants(label, again, await snapshot(projectId, period, rev), rev);
  }

  /** The recipient groups Finalise planned for Distribute, in send order. */
  async function distributionGroups(
    settlementId: string,
  ): Promise<Array<{ audience: string; locale: string; to: string[] }>> {
    const body = await getObject(`final/${settlementId}/distribution.json`);
    const plan = JSON.parse(Buffer.from(body ?? []).toString('utf8')) as Array<{
      group: { audience: string; locale: string; to: string[] };
    }>;
    return plan.map((p) => p.group);
  }

  /** The invariants every fault case must keep, whatever its outcome. */
  function checkInvariants(label: string, execution: ExecutionRecord, end: Snapshot, rev: number): void {
    const id = `${projectId}_${period}_r${rev}`;
    const doubled = end.records - end.recordKeys + end.recordChanges;
    tally.doubled('faults', doubled);
    expect(doubled, `${label}: records stored twice`).toBe(0);
    expect(incompletePrefixes(end.archiveKeys), `${label}: partial archive`).toEqual([]);
    expect(end.verification.status, `${label}: ${JSON.stringify(end.verification.issues)}`).toBe('ok');
    if (execution.status === 'SUCCEEDED') {
      expect(outcomeOf(execution)).toBe('settled');
      tally.lost('faults', cleanRecords - end.records);
      expect(end.records, `${label}: records lost`).toBe(cleanRecords);
      expect(totalsOf(end), `${label}: totals differ from a clean run`).toEqual(cleanTotals);
      expect(end.lockSettlementId).toBe(id);
      expect(end.finalFiles).toEqual(FINAL_FILES);
    } else {
      expect(end.status, `${label}: failure not recorded`).toBe('failed');
      expect(
        end.emails.some((k) => k.includes('failure')),
        `${label}: failure not notified`,
      ).toBe(true);
      // Never half-locked: a lock by this settlement only with its complete final statement.
      if (end.lockSettlementId === id) expect(end.finalFiles).toEqual(FINAL_FILES);
      expect(end.archiveKeys.some((k) => k.startsWith(`archive/${id}/`))).toBe(false);
    }
  }

  async function faultCase(label: string, body: () => Promise<void>): Promise<void> {
    let counted = false;
    try {
      await body();
      counted = true;
      tally.check('faults', true, label);
    } catch (error) {
      if (!counted) tally.check('faults', false, `${label}: ${error}`);
      throw error;
    }
  }

  beforeAll(async () => {
    vendor = await startVendor();
    h = await startHarness('acme', { env: TEMPO_SECRET_ENV });
    await importDemo(withLiveTempo(vendor.baseUrl));
    revision = -1;
    const { execution, end } = await run();
    expect(execution.status, describeExecution(execution)).toBe('SUCCEEDED');
    cleanRecords = end.records;
    cleanTotals = totalsOf(end);
    expect(cleanRecords).toBeGreaterThan(100);
  });

  afterAll(async () => {
    await h?.stop();
    await vendor?.close();
    tally.flush();
  });

  describe('DynamoDB and S3 faults injected while one step runs', () => {
    const faults = [
      { name: 'DynamoDB throttling', client: 'ddb' as const, error: sdkErrors.throttling },
      { name: 'S3 503 SlowDown', client: 's3' as const, error: sdkErrors.s3SlowDown },
      ...(options.serverErrors
        ? [{ name: 'DynamoDB 500', client: 'ddb' as const, error: sdkErrors.serverError }]
        : []),
    ];
    for (const fault of faults) {
      it.each(options.steps)(
        `${fault.name} at $state is retried and the settlement completes`,
        async ({ state, fn }) => {
          await faultCase(`${fault.name} at ${state}`, async () => {
            const injected = h.faults.failSdk(fn, fault.client, fault.error, options.transientCalls);
            const { execution, end, rev } = await run();
            expect(execution.status, describeExecution(execution)).toBe('SUCCEEDED');
            if (injected.fired > 0) {
              expect(execution.history.some((e) => e.type === 'StateRetried')).toBe(true);
            }
            checkInvariants(`${fault.name} at ${state}`, execution, end, rev);
          });
        },
      );
    }

    it('persistent DynamoDB throttling in Compute ends in the recorded, notified failure', async () => {
      await faultCase('persistent throttling at Compute', async () => {
        h.faults.failSdk('ComputeSettlement', 'ddb', sdkErrors.throttling, 1_000);
        const { execution, end, rev } = await run();
        expect(execution.status).toBe('FAILED');
        expect(end.errorName).toBe('TransientStoreError');
        // Retried by the state machine before giving up: 1 + 3 attempts.
        const computeRuns = execution.history.filter(
          (e) => e.type === 'StateRetried' && e.state === 'Compute',
        ).length;
        expect(computeRuns).toBe(3);
        expect(end.locked && end.lockSettlementId === `${projectId}_${period}_r${rev}`).toBe(false);
        checkInvariants('persistent throttling at Compute', execution, end, rev);
      });
    });

    it('S3 access denied while Finalise writes the final statement fails without locking the period', async () => {
      await faultCase('access denied at Finalise', async () => {
        h.faults.failSdk('FinaliseSettlement', 's3', sdkErrors.accessDenied, 1_000, {
          command: /PutObject/,
          skip: 2,
        });
        const { execution, end, rev } = await run();
        expect(execution.status).toBe('FAILED');
        expect(end.errorName).toBe('AccessDeniedException');
        expect(end.lockSettlementId).not.toBe(`${projectId}_${period}_r${rev}`);
        checkInvariants('access denied at Finalise', execution, end, rev);
      });
    });

    it('a statement email SES accepted whose outcome was not recorded is not sent again by the re-run', async () => {
      await faultCase('distribution outcome lost', async () => {
        // Distribute's first UpdateItem records SES's message id for the first recipient group.
        h.faults.failSdk('DistributeStatement', 'ddb', sdkErrors.accessDenied, 1, { command: /Update/ });
        const first = await run();
        expect(first.execution.status).toBe('FAILED');
        const id = `${projectId}_${period}_r${first.rev}`;
        await rerun(first.rev, 'distribution outcome lost (re-run)');
        const [uncertain, ...others] = await distributionGroups(id);
        if (!uncertain) throw new Error('no recipient group planned');
        const sentTo = async (address: string) =>
          (await outboxOf(h, id)).filter((mime) => toLine(mime).includes(address)).length;
        // At most once: the group whose outcome was lost got one email, not two; the others one each.
        expect(await sentTo(uncertain.to[0] ?? '')).toBe(1);
        for (const group of others) expect(await sentTo(group.to[0] ?? '')).toBe(1);
        const settlement = await getSettlement(projectId, period, first.rev);
        expect(settlement?.deliveryUncertain).toEqual([
          { group: `${uncertain.audience}-${uncertain.locale}`, to: uncertain.to, since: expect.any(String) },
        ]);
      });
    });

    it('a statement email SES refused is sent again by the re-run', async () => {
      await faultCase('distribution refused', async () => {
        h.faults.failSdk('DistributeStatement', 'ses', sdkErrors.messageRejected, 1);
        const first = await run();
        expect(first.execution.status).toBe('FAILED');
        const id = `${projectId}_${period}_r${first.rev}`;
        await rerun(first.rev, 'distribution refused (re-run)');
        const settlement = await getSettlement(projectId, period, first.rev);
        expect(settlement?.deliveryUncertain).toBeUndefined();
        const mimes = await outboxOf(h, id);
        // Every group got its email exactly once: the refused one on the re-run.
        for (const group of await distributionGroups(id)) {
          expect(mimes.filter((mime) => toLine(mime).includes(group.to[0] ?? '?')).length).toBe(1);
        }
      });
    });

    it('DynamoDB access denied while Finalise updates the settlement leaves a recoverable lock', async () => {
      await faultCase('access denied after the lock', async () => {
        h.faults.failSdk('FinaliseSettlement', 'ddb', sdkErrors.accessDenied, 1, {
          command: /Update/,
        });
        const first = await run();
        expect(first.execution.status).toBe('FAILED');
        checkInvariants('access denied after the lock', first.execution, first.end, first.rev);
        // The same settlement, re-run, completes with the same number.
        await rerun(first.rev, 'access denied after the lock (re-run)');
      });
    });
  });

  describe('a live vendor API that misbehaves', () => {
    it('answers 502 twice per request: the connector retries, the settlement completes', async () => {
      await faultCase('vendor flaky', async () => {
        vendor.mode = 'flaky-then-ok';
        const { execution, end, rev } = await run();
        expect(execution.status, describeExecution(execution)).toBe('SUCCEEDED');
        checkInvariants('vendor flaky', execution, end, rev);
      });
    });

    it.each([
      { mode: 'fail-5xx' as const, error: 'SourceUnavailableError', retried: true },
      { mode: 'hang' as const, error: 'SourceUnavailableError', retried: true },
      { mode: 'page-forever' as const, error: 'SourcePayloadError', retried: false },
      { mode: 'garbage' as const, error: 'SourcePayloadError', retried: false },
    ])('that is $mode ends in the recorded $error', async ({ mode, error, retried }) => {
      await faultCase(`vendor ${mode}`, async () => {
        const before = vendor.requests;
        vendor.mode = mode;
        const { execution, end, rev } = await run();
        expect(execution.status).toBe('FAILED');
        expect(end.errorName).toBe(error);
        const retries = execution.history.filter(
          (e) => e.type === 'StateRetried' && e.state === 'CollectSource',
        ).length;
        expect(retries > 0).toBe(retried);
        expect(vendor.requests - before).toBeLessThan(200);
        checkInvariants(`vendor ${mode}`, execution, end, rev);
      });
    });
  });
}

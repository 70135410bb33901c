import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_INPUT,
  describeExecution,
  type Harness,
  importDemo,
  incompletePrefixes,
  MAIN_PATH,
  outcomeOf,
  type Snapshot,
  snapshot,
  startHarness,
} from './harness.ts';
import type { Tally } from './summary.ts';

/**
 * Crash and re-run: each step of the settlement's main path crashes once, and the settlement is
 * brought to its end — by the state machine's own Retry (a Lambda service error) or by a re-run of
 * the same input under a new execution name after the execution failed (a handler error). The end
 * state must equal an uninterrupted run's: the same statement bytes, every record stored once,
 * statement number 1 (not skipped, not reused), and an archive that verifies.
 */

export type CrashKind = 'fail-after' | 'fail-before' | 'retry-after' | 'retry-before';

const { projectId, period, revision } = DEMO_INPUT;

/** The statement emails kept under emails/<id>/ (one per recipient group that was sent). */
const deliveries = (s: Snapshot) => s.emails.filter((k) => /\/(internal|client)-[^/]*\.eml$/.test(k)).length;
const ID = `${projectId}_${period}_r${revision}`;

export function defineCrashSuite(tally: Tally, kinds: readonly CrashKind[]): void {
  let baseline: Snapshot;

  beforeAll(async () => {
    const h = await startHarness('acme');
    try {
      await importDemo();
      const execution = await h.settle({ ...DEMO_INPUT }, 'baseline');
      expect(execution.status, describeExecution(execution)).toBe('SUCCEEDED');
      baseline = await snapshot(projectId, period, revision);
    } finally {
      await h.stop();
    }
    expect(baseline.statementNumber).toBe('ST-ACME-2026-000001');
    expect(baseline.records).toBeGreaterThan(100);
    expect(deliveries(baseline)).toBeGreaterThan(0);
  });

  afterAll(() => {
    tally.flush();
  });

  describe.each(kinds)('a %s crash', (kind) => {
    it.each(MAIN_PATH)('at $state ends with the statement of an uninterrupted run', async ({ state, fn }) => {
      const h: Harness = await startHarness('acme');
      let counted = false;
      try {
        await importDemo();
        const retried = kind.startsWith('retry');
        h.faults.crash(
          fn,
          kind.endsWith('after') ? 'after' : 'before',
          retried ? 'Lambda.ServiceException' : 'Error',
        );
        const first = await h.settle({ ...DEMO_INPUT }, `crash-${state}`);
        const firstCrashed = h.faults.invocations.some((i) => i.outcome === 'crashed');
        expect(firstCrashed, `${fn} never ran`).toBe(true);
        if (retried) {
          expect(first.status, describeExecution(first)).toBe('SUCCEEDED');
          expect(first.history.some((e) => e.type === 'StateRetried')).toBe(true);
        } else {
          expect(first.status, describeExecution(first)).toBe('FAILED');
          const failed = await snapshot(projectId, period, revision);
          if (state !== 'Open' || kind === 'fail-after') {
            // The failure is recorded on the settlement and notified.
            expect(failed.status).toBe('failed');
            expect(failed.errorName).toBe('Error');
            expect(failed.emails.some((k) => k.includes('failure'))).toBe(true);
          }
          // Never a partial archive.
          expect(incompletePrefixes(failed.archiveKeys)).toEqual([]);
          // A locked period always has its complete final statement.
          if (failed.locked) expect(failed.finalFiles).toEqual(expect.arrayContaining(['statement.json']));
          const again = await h.settle({ ...DEMO_INPUT }, `rerun-${state}`);
          expect(again.status, describeExecution(again)).toBe('SUCCEEDED');
          expect(outcomeOf(again)).toBe('settled');
        }
        const end = await snapshot(projectId, period, revision);
        const lost = baseline.records - end.records + (baseline.quarantine - end.quarantine);
        const doubled = end.records - end.recordKeys + end.recordChanges;
        tally.lost('crash-and-rerun', lost);
        tally.doubled('crash-and-rerun', doubled);
        const ok =
          end.status === 'settled' &&
          end.statementJson === baseline.statementJson &&
          end.records === baseline.records &&
          end.quarantine === baseline.quarantine &&
          end.statementNumber === baseline.statementNumber &&
          end.counter === 1 &&
          end.verification.status === 'ok' &&
          end.archiveKeys.filter((k) => k.endsWith('/manifest.json')).length === 1 &&
          deliveries(end) === deliveries(baseline) &&
          lost === 0 &&
          doubled === 0;
        counted = tally.check('crash-and-rerun', ok, `${kind} crash at ${state}`) || true;
        expect(end.status).toBe('settled');
        expect(end.statementJson).toBe(baseline.statementJson);
        expect(end.records).toBe(baseline.records);
        expect(end.recordKeys).toBe(end.records);
        expect(end.recordChanges).toBe(0);
        expect(end.quarantine).toBe(baseline.quarantine);
        expect(end.statementNumber).toBe(baseline.statementNumber);
        expect(end.counter).toBe(1);
        // Each recipient group got its statement email once, however often Notify ran.
        expect(deliveries(end)).toBe(deliveries(baseline));
        expect(end.lockSettlementId).toBe(ID);
        expect(end.verification.status, JSON.stringify(end.verification.issues)).toBe('ok');
        expect(end.archiveKeys.filter((k) => k.endsWith('/manifest.json'))).toEqual([
          `archive/${ID}/manifest.json`,
        ]);
      } catch (error) {
        if (!counted) tally.check('crash-and-rerun', false, `${kind} crash at ${state}: ${error}`);
        throw error;
      } finally {
        await h.stop();
      }
    });
  });
}

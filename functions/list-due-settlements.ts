import { z } from 'zod';
import { loadConfig } from '#adapters/config.ts';
import { objectKeys, putJson } from '#adapters/objects.ts';
import {
  getEffectiveCharter,
  listLocksAndLedger,
  listProjects,
  queryAll,
} from '#adapters/settlement-store.ts';
import { decideAttempt, type PreviousAttempt, type SummaryEntry } from '#domain/attempts.ts';
import { parseCharter } from '#domain/charters.ts';
import { dueRevisions, dueSettlements, settlementExecutionName } from '#domain/due.ts';
import { mapConcurrently } from '#steps/concurrency.ts';
import { declareStep } from '#steps/declaration.ts';
import { logger, stepHandler } from '#steps/step-handler.ts';

const NightlyInput = z.object({
  tenantId: z.string().min(1),
  /** Run date (YYYY-MM-DD); the scheduler passes none and the run uses today in UTC. */
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
});

/** One item of the Distributed Map: the settlement execution to start. */
export interface NightlyItem {
  /** Deterministic per (project, period, revision, attempt): a repeated night starts nothing twice. */
  readonly executionName: string;
  readonly input: {
    readonly tenantId: string;
    readonly projectId: string;
    readonly period: string;
    readonly revision: number;
    readonly asOf: string;
    /** A revision's reason (a revision proposed for late edits). */
    readonly reason?: string;
    readonly attempt: number;
    /** Added by QueryCloudCosts: the night's cloud-cost snapshot. */
    readonly cloudCosts?: string;
  };
}

/** What ListDue returns: small whatever the tenant's size (the items themselves are in S3). */
export interface NightlyList {
  readonly tenantId: string;
  readonly asOf: string;
  readonly itemList: { readonly bucket: string; readonly key: string };
  readonly count: number;
  readonly skippedProjects: number;
  /** Due settlements not started tonight (in progress, or left by the retry policy). */
  readonly left: number;
  /** Every due settlement not settled, with its reason: the daily summary's content. */
  readonly summary: { readonly bucket: string; readonly key: string };
}

/** The last attempt of a settlement as the store holds it. */
function previousAttempt(item: Record<string, unknown>): PreviousAttempt {
  return {
    status: String(item.status),
    attempt: Number(item.attempt ?? 1),
    asOf: String(item.asOf ?? ''),
    ...(item.updatedAt ? { updatedAt: String(item.updatedAt) } : {}),
    ...(item.error ? { error: item.error as PreviousAttempt['error'] & object } : {}),
    ...(Array.isArray(item.failedChecks) ? { checks: item.failedChecks.map(String) } : {}),
    ...(item.rejection ? { rejection: item.rejection as PreviousAttempt['rejection'] & object } : {}),
    ...(item.waits ? { waits: Number(item.waits) } : {}),
    ...(Array.isArray(item.missing) ? { missing: item.missing.map(String) } : {}),
    ...(item.deadline ? { deadline: String(item.deadline) } : {}),
  };
}

/** Projects read at once (two DynamoDB queries each): thousands of projects in well under the timeout. */
const PROJECT_CONCURRENCY = 16;

/** The S3 key of a night's item list: `nightly/<tenant>/<runDate>/items.json` (a re-run overwrites it). */
export function nightlyItemsKey(tenantId: string, asOf: string): string {
  return objectKeys.nightlyItems(`${tenantId}/${asOf}`);
}

/** The S3 key of a night's summary: `nightly/<tenant>/<runDate>/summary.json`. */
export function nightlySummaryKey(tenantId: string, asOf: string): string {
  return objectKeys.nightlySummary(`${tenantId}/${asOf}`);
}

/**
 * The nightly run's first step: every project's due settlements that are not settled yet. Each one's
 * last attempt decides (the tenant's retry policy): nothing tried → attempt 1; a retried outcome
 * from an earlier night with attempts left → the next attempt, under its own execution name; in
 * progress or left by the policy → not started, and named in the daily summary with its reason.
 * Revisions proposed for late edits of locked periods (charter rule `lateEdits.mode: revise`)
 * start as attempt 1 with their reason.
 * The items go as a JSON array to S3 for the Distributed Map's ItemReader (a state's payload is
 * limited to 256 KiB; 10,000 items are about 2 MB), the summary next to them.
 */
export const step = declareStep({
  states: { nightly: ['ListDue'] },
  input: NightlyInput,
  timeoutSeconds: 240,
  access: { table: ['Query'], write: ['nightly'] },
});

export const handler = stepHandler(step, async (input): Promise<NightlyList> => {
  // The run date is the tenant's calendar day (the schedule fires at night in its time zone).
  const asOf =
    input.asOf ?? new Intl.DateTimeFormat('en-CA', { timeZone: loadConfig().timeZone }).format(new Date());
  const policy = loadConfig().retryPolicy;
  let invalid = 0;
  const skipped: Array<{ projectId: string; error: string }> = [];
  const perProject = await mapConcurrently(await listProjects(), PROJECT_CONCURRENCY, async (projectId) => {
    const items: NightlyItem[] = [];
    const summary: SummaryEntry[] = [];
    try {
      const charter = parseCharter((await getEffectiveCharter(projectId)).charter, `charter of ${projectId}`);
      const { locks, ledger } = await listLocksAndLedger(projectId);
      const settled = new Set(locks.map((l) => l.period));
      const attempts = new Map<string, PreviousAttempt>();
      for await (const item of queryAll(`PROJECT#${projectId}`, 'SETTLEMENT#')) {
        if (Number(item.revision) === 0) attempts.set(String(item.period), previousAttempt(item));
      }
      for (const due of dueSettlements(charter, asOf, settled)) {
        const decision = decideAttempt(attempts.get(due.period), asOf, policy);
        summary.push({ projectId, period: due.period, revision: due.revision, reason: decision.reason });
        if (!decision.start) continue;
        items.push({
          executionName: settlementExecutionName(projectId, due.period, due.revision, decision.attempt),
          input: {
            tenantId: input.tenantId,
            projectId,
            period: due.period,
            revision: due.revision,
            asOf,
            attempt: decision.attempt,
          },
        });
      }
      for (const due of dueRevisions(projectId, locks, ledger)) {
        items.push({
          executionName: due.executionName,
          input: {
            tenantId: input.tenantId,
            projectId,
            period: due.period,
            revision: due.revision,
            asOf,
            attempt: 1,
            ...(due.reason ? { reason: due.reason } : {}),
          },
        });
      }
    } catch (error) {
      // One broken charter must not stop the tenant's other settlements; it is logged and counted.
      invalid += 1;
      skipped.push({
        projectId,
        error: `${(error as Error).name}: ${(error as Error).message.slice(0, 300)}`,
      });
      logger.error('project skipped in nightly run', { projectId, error: error as Error });
    }
    return { items, summary };
  });
  // In project order, whatever order the reads finished in: the same night writes the same list.
  const items: NightlyItem[] = perProject.flatMap((p) => p.items);
  const summary: SummaryEntry[] = perProject.flatMap((p) => p.summary);
  const key = nightlyItemsKey(input.tenantId, asOf);
  const summaryKey = nightlySummaryKey(input.tenantId, asOf);
  await putJson(key, items);
  await putJson(summaryKey, {
    asOf,
    entries: summary,
    skipped: skipped.sort((a, b) => a.projectId.localeCompare(b.projectId)),
  });
  const bucket = loadConfig().bucketName;
  return {
    tenantId: input.tenantId,
    asOf,
    itemList: { bucket, key },
    count: items.length,
    skippedProjects: invalid,
    left: summary.length - items.length,
    summary: { bucket, key: summaryKey },
  };
});

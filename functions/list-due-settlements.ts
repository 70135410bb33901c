import { z } from 'zod';
import { loadConfig } from '#adapters/config.ts';
import { objectKeys, putJson } from '#adapters/objects.ts';
import { getEffectiveCharter, listLocksAndLedger, listProjects } from '#adapters/settlement-store.ts';
import { parseCharter } from '#domain/charters.ts';
import { dueRevisions, dueSettlements } from '#domain/due.ts';
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
  /** Deterministic per (project, period, revision): a repeated night starts nothing twice. */
  readonly executionName: string;
  readonly input: {
    readonly tenantId: string;
    readonly projectId: string;
    readonly period: string;
    readonly revision: number;
    readonly asOf: string;
    /** A revision's reason (a revision proposed for late edits). */
    readonly reason?: string;
  };
}

/** What ListDue returns: small whatever the tenant's size (the items themselves are in S3). */
export interface NightlyList {
  readonly tenantId: string;
  readonly asOf: string;
  readonly itemList: { readonly bucket: string; readonly key: string };
  readonly count: number;
  readonly skippedProjects: number;
}

/** Projects read at once (two DynamoDB queries each): thousands of projects in well under the timeout. */
const PROJECT_CONCURRENCY = 16;

/** The S3 key of a night's item list: `nightly/<tenant>/<runDate>/items.json` (a re-run overwrites it). */
export function nightlyItemsKey(tenantId: string, asOf: string): string {
  return objectKeys.nightlyItems(`${tenantId}/${asOf}`);
}

/**
 * The nightly run's first step: every project's due settlements that are not settled yet and the
 * revisions proposed for late edits of locked periods (charter rule `lateEdits.mode: revise`), each with
 * a deterministic execution name, written as a JSON array to S3 for the Distributed Map's
 * ItemReader (a state's payload is limited to 256 KiB; 10,000 items are about 2 MB).
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
  let invalid = 0;
  const perProject = await mapConcurrently(await listProjects(), PROJECT_CONCURRENCY, async (projectId) => {
    try {
      const charter = parseCharter((await getEffectiveCharter(projectId)).charter, `charter of ${projectId}`);
      const { locks, ledger } = await listLocksAndLedger(projectId);
      const settled = new Set(locks.map((l) => l.period));
      const revisions = dueRevisions(projectId, locks, ledger);
      return [...dueSettlements(charter, asOf, settled), ...revisions].map((due) => ({
        executionName: due.executionName,
        input: {
          tenantId: input.tenantId,
          projectId,
          period: due.period,
          revision: due.revision,
          asOf,
          ...(due.reason ? { reason: due.reason } : {}),
        },
      }));
    } catch (error) {
      // One broken charter must not stop the tenant's other settlements; it is logged and counted.
      invalid += 1;
      logger.error('project skipped in nightly run', { projectId, error: error as Error });
      return [];
    }
  });
  // In project order, whatever order the reads finished in: the same night writes the same list.
  const items: NightlyItem[] = perProject.flat();
  const key = nightlyItemsKey(input.tenantId, asOf);
  await putJson(key, items);
  return {
    tenantId: input.tenantId,
    asOf,
    itemList: { bucket: loadConfig().bucketName, key },
    count: items.length,
    skippedProjects: invalid,
  };
});

import { z } from 'zod';
import { getLatestCharter, listLocks, listProjects } from '#adapters/settlement-store.ts';
import { dueSettlements } from '#domain/due.ts';
import { parseCharter } from '#lib/charters.ts';
import { logger, stepHandler } from '#lib/step-handler.ts';

const NightlyInput = z.object({
  tenantId: z.string().min(1),
  /** Run date (YYYY-MM-DD); the scheduler passes none and the run uses today in UTC. */
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
});

/**
 * The nightly run's first step: every project's due settlements that are not settled yet, each with
 * a deterministic execution name, as the Map's items.
 */
export const handler = stepHandler(NightlyInput, async (input) => {
  const asOf = input.asOf ?? new Date().toISOString().slice(0, 10);
  const items = [];
  let invalid = 0;
  for (const projectId of await listProjects()) {
    try {
      const stored = await getLatestCharter(projectId);
      const charter = parseCharter(stored.charter, `charter of ${projectId}`);
      const settled = new Set((await listLocks(projectId)).map((l) => l.period));
      for (const due of dueSettlements(charter, asOf, settled)) {
        items.push({
          executionName: due.executionName,
          input: { tenantId: input.tenantId, projectId, period: due.period, revision: due.revision, asOf },
        });
      }
    } catch (error) {
      // One broken charter must not stop the tenant's other settlements; it is logged and counted.
      invalid += 1;
      logger.error('project skipped in nightly run', { projectId, error: error as Error });
    }
  }
  return { tenantId: input.tenantId, asOf, items, skippedProjects: invalid };
});

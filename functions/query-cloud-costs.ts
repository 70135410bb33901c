import { z } from 'zod';
import { getClients } from '#adapters/clients.ts';
import { queryFocusExport } from '#adapters/focus-export-query.ts';
import { getJson, putJson } from '#adapters/objects.ts';
import { getEffectiveCharter } from '#adapters/settlement-store.ts';
import { queryCostExplorer } from '#connectors/aws-cost-explorer.ts';
import {
  type CloudCostQuery,
  costExplorerQuery,
  ownTagValue,
  sharedQueryKey,
} from '#connectors/cloud-costs.ts';
import { parseCharter } from '#domain/charters.ts';
import { collectWindow, OPEN_START, resolvePeriod } from '#domain/periods.ts';
import type { DataSourceBinding } from '#domain/sources.ts';
import { mapConcurrently } from '#steps/concurrency.ts';
import { declareStep } from '#steps/declaration.ts';
import { logger, stepHandler } from '#steps/step-handler.ts';
import { objectKeys } from '#storage/layout.ts';

/** What ListDue returned (the rest of its output passes through the state untouched). */
const CloudCostsInput = z.object({
  tenantId: z.string().min(1),
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  itemList: z.object({ bucket: z.string().min(1), key: z.string().min(1) }),
});

/** The items ListDue wrote (only the fields read here are checked; the rest is kept as it is). */
const Items = z.array(
  z.looseObject({
    executionName: z.string(),
    input: z.looseObject({ projectId: z.string().min(1), period: z.string().min(1) }),
  }),
);

/** One planned query: the binding that asks it and the projects' tag values it answers for. */
interface Planned {
  readonly binding: DataSourceBinding;
  readonly window: { from: string; to: string };
  readonly tagValues: Set<string>;
}

const CHARTER_CONCURRENCY = 16;

/**
 * The night's cloud cost, once for the tenant: for the due settlements' windows and the charters'
 * account-wide live sources (Cost Explorer by the project tag; the tenant's FOCUS export through Athena,
 * analytics/cloud-costs/focus-costs.sql), one query per source kind and window
 * — whatever the number of projects — written as a snapshot to `cloud-costs/<tenant>/<runDate>.json`.
 * Each item of the night's list gets the snapshot's key, so its settlement reads its project's slice
 * there instead of paying a query of its own ($0.01 per GetCostAndUsage request).
 */
export const step = declareStep({
  states: { nightly: ['QueryCloudCosts'] },
  input: CloudCostsInput,
  timeoutSeconds: 240,
  access: {
    table: ['Query'],
    read: ['nightly', 'exports', 'query-results'],
    list: ['exports'],
    write: ['nightly', 'costs', 'query-results'],
    costExplorer: true,
    athena: true,
  },
});

export const handler = stepHandler(step, async (input) => {
  const items = Items.parse(await getJson(input.itemList.key));
  const projects = [...new Set(items.map((i) => i.input.projectId))];
  const plan = new Map<string, Planned>();
  const served = new Set<string>();
  await mapConcurrently(projects, CHARTER_CONCURRENCY, async (projectId) => {
    let charter: ReturnType<typeof parseCharter>;
    try {
      charter = parseCharter((await getEffectiveCharter(projectId)).charter, `charter of ${projectId}`);
    } catch (error) {
      // ListDue already skipped (and reported) what it could not read; its settlement queries alone.
      logger.warn('charter not read for the cloud-cost query', { projectId, error: error as Error });
      return;
    }
    for (const item of items.filter((i) => i.input.projectId === projectId)) {
      for (const binding of charter.sources) {
        const window = collectWindow(charter, resolvePeriod(charter, item.input.period), binding.mode);
        // Milestone and final windows open at the start of time: no cost query covers those.
        if (window.from === OPEN_START) continue;
        const key = sharedQueryKey(binding, window);
        if (key === undefined) continue;
        const planned = plan.get(key) ?? { binding, window, tagValues: new Set<string>() };
        planned.tagValues.add(ownTagValue(binding.options, charter.projectRef));
        plan.set(key, planned);
        served.add(projectId);
      }
    }
  });
  if (plan.size === 0) return { key: null, queries: 0, projects: 0 };

  const queries: CloudCostQuery[] = [];
  for (const [key, planned] of [...plan].sort(([a], [b]) => a.localeCompare(b))) {
    if (planned.binding.connector === 'focus') {
      queries.push(await queryFocusExport(key, planned.binding, planned.window, [...planned.tagValues]));
      continue;
    }
    const pages = await queryCostExplorer(
      getClients().costExplorer,
      { id: 'nightly-cloud-costs', options: planned.binding.options },
      planned.window,
    );
    queries.push(
      costExplorerQuery(
        pages.map((p) => p.json),
        {
          key,
          window: planned.window,
          queryId: `GetCostAndUsage ${planned.window.from}..${planned.window.to} (${pages.length} page(s))`,
          tagValues: [...planned.tagValues],
        },
      ),
    );
  }
  const snapshotKey = objectKeys.cloudCosts(`${input.tenantId}/${input.asOf}`);
  await putJson(snapshotKey, { tenantId: input.tenantId, asOf: input.asOf, queries });
  // Each settlement of a project the snapshot serves is started with its key.
  await putJson(
    input.itemList.key,
    items.map((item) =>
      served.has(item.input.projectId)
        ? { ...item, input: { ...item.input, cloudCosts: snapshotKey } }
        : item,
    ),
  );
  return { key: snapshotKey, queries: queries.length, projects: served.size };
});

import { runAthenaQuery } from '#adapters/athena.ts';
import { loadFocusCostsSql } from '#analytics/focus-costs-sql.ts';
import { type CloudCostQuery, focusQuery } from '#connectors/cloud-costs.ts';
import type { CollectWindow } from '#connectors/types.ts';
import { addDays } from '#domain/periods.ts';
import type { DataSourceBinding } from '#domain/sources.ts';

/** The window's billing periods (`YYYY-MM`, first and last; the window's end is exclusive). */
export function billingPeriods(window: { from: string; to: string }): [string, string] {
  return [window.from.slice(0, 7), addDays(window.to, -1).slice(0, 7)];
}

/**
 * One Athena query over the tenant's FOCUS export (analytics/cloud-costs/focus-costs.sql, in the
 * tenant's cost workgroup) for the project tag values of a window, as a cloud-cost snapshot entry:
 * the nightly run asks it once for every due project, a settlement started by hand for its own.
 */
export async function queryFocusExport(
  key: string,
  binding: DataSourceBinding,
  window: CollectWindow,
  tagValues: readonly string[],
): Promise<CloudCostQuery> {
  const tagKey = String(binding.options.tagKey);
  const [first, last] = billingPeriods(window);
  const answer = await runAthenaQuery(await loadFocusCostsSql(), [tagKey, tagKey, first, last]);
  return focusQuery(answer.rows, {
    key,
    window,
    queryId: answer.queryId,
    tagValues: [...tagValues],
    metric: binding.options.metric === 'BilledCost' ? 'BilledCost' : 'EffectiveCost',
  });
}

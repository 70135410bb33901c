import { Decimal as Dec } from 'decimal.js';
import { minorDigits } from '#domain/money.ts';
import { computeNps, type ProjectReview, percent, ProjectReview as Review } from '#statement/review.ts';
import type { FactsDatabase } from './duckdb.ts';
import { loadQuery } from './queries.ts';

/**
 * The portfolio review's rows from the settled facts: analytics/queries/portfolio.sql and
 * approver-comments.sql on the local engine (the same SQL an Athena named query runs).
 */

const hours = (seconds: unknown) => new Dec(String(seconds ?? 0)).div(3600).toDecimalPlaces(2).toFixed();
/** DuckDB prints DECIMAL(18,4) with all four decimals; the review shows the ratio as the statement does. */
const ratio = (value: unknown) =>
  value === null || value === undefined ? null : new Dec(String(value)).toFixed(4);

/** Reviews of every settled period (latest revision) whose period overlaps [from, to] (inclusive dates). */
export async function loadPortfolioReviews(
  db: FactsDatabase,
  from: string,
  to: string,
): Promise<ProjectReview[]> {
  const settled = await db.query((await loadQuery('portfolio')).sql);
  const comments = await db.query((await loadQuery('approver-comments')).sql);
  const bySettlement = new Map<string, ProjectReview['approverComments']>();
  for (const c of comments.rows) {
    const id = String(c.settlement_id);
    bySettlement.set(id, [
      ...(bySettlement.get(id) ?? []),
      {
        who: String(c.approver ?? ''),
        decision: c.decision === 'rejected' ? 'rejected' : 'approved',
        at: String(c.decided_at ?? ''),
        comment: String(c.comment),
      },
    ]);
  }
  return settled.rows
    .filter((r) => String(r.period_to) > from && String(r.period_from) <= to)
    .map((r) => {
      const nps = {
        promoters: Number(r.nps_promoters ?? 0),
        passives: Number(r.nps_passives ?? 0),
        detractors: Number(r.nps_detractors ?? 0),
      };
      const answers = nps.promoters + nps.passives + nps.detractors;
      // DuckDB prints DECIMAL(18,4) with four decimals; amounts are exact at the currency's minor unit.
      const currency = String(r.currency);
      const revenue = new Dec(String(r.revenue)).toFixed(minorDigits(currency));
      const cost = new Dec(String(r.cost)).toFixed(minorDigits(currency));
      const billableHours = hours(r.billable_seconds);
      const capacityHours = hours(r.capacity_seconds);
      return Review.parse({
        projectId: String(r.project_id),
        projectName: String(r.project_name),
        statementNumber: String(r.statement_number),
        period: { label: String(r.period), from: String(r.period_from), to: String(r.period_to) },
        currency,
        revenue,
        cost,
        roiPercent: percent(new Dec(revenue).minus(cost), cost),
        nps: answers > 0 ? computeNps(nps) : null,
        npsResponses: answers,
        billableHours,
        capacityHours,
        utilisationPercent: percent(billableHours, capacityHours),
        cpi: ratio(r.cpi),
        spi: ratio(r.spi),
        approverComments: bySettlement.get(String(r.settlement_id)) ?? [],
      });
    });
}

import { Decimal as Dec } from 'decimal.js';
import { z } from 'zod';
import { ApprovalDecision, CalendarDate, Currency, Decimal, type StatementView } from './view.ts';

/**
 * The post-settlement review of a project: return on investment, NPS, resource utilisation,
 * cost and schedule performance, and what the approvers said. Pure: built from the statement view
 * plus the facts the statement does not hold (NPS survey counts, billable and capacity hours).
 *
 * Ratios are decimal strings rounded half-up: ROI and utilisation to 0.1 %, NPS to 0.1 point.
 */

export const NpsResponses = z.object({
  promoters: z.number().int().nonnegative(),
  passives: z.number().int().nonnegative(),
  detractors: z.number().int().nonnegative(),
});
export type NpsResponses = z.infer<typeof NpsResponses>;

export const ProjectReview = z.object({
  projectId: z.string().min(1),
  projectName: z.string().min(1),
  statementNumber: z.string().min(1),
  period: z.object({ label: z.string().min(1), from: CalendarDate, to: CalendarDate }),
  currency: Currency,
  /** What was billed for the period. */
  revenue: Decimal,
  /** What the period cost. */
  cost: Decimal,
  /** (revenue − cost) / cost × 100; null when the cost is zero. */
  roiPercent: Decimal.nullable(),
  /** Net promoter score (−100…100); null without responses. */
  nps: Decimal.nullable(),
  npsResponses: z.number().int().nonnegative(),
  billableHours: Decimal,
  capacityHours: Decimal,
  /** billable / capacity × 100; null when the capacity is zero. */
  utilisationPercent: Decimal.nullable(),
  cpi: Decimal.nullable(),
  spi: Decimal.nullable(),
  approverComments: z.array(
    z.object({ who: z.string(), decision: ApprovalDecision, at: z.string(), comment: z.string() }),
  ),
});
export type ProjectReview = z.infer<typeof ProjectReview>;

export interface ReviewFacts {
  /** The NPS survey answers for the project (imported); omitted when there was no survey. */
  readonly nps?: NpsResponses;
  /** Hours billed to the client in the period. */
  readonly billableHours: string;
  /** Hours the assigned people had available in the period. */
  readonly capacityHours: string;
}

/** numerator / denominator × 100 to 0.1 (half-up); null when the denominator is zero. */
export const percent = (numerator: Dec.Value, denominator: Dec.Value): string | null => {
  const d = new Dec(denominator);
  return d.isZero()
    ? null
    : new Dec(numerator).div(d).times(100).toDecimalPlaces(1, Dec.ROUND_HALF_UP).toFixed(1);
};

/** NPS = % promoters − % detractors, to 0.1 point; null without responses. */
export function computeNps(responses: NpsResponses): string | null {
  const total = responses.promoters + responses.passives + responses.detractors;
  return total === 0 ? null : percent(responses.promoters - responses.detractors, total);
}

/** Builds the review of one settled period from its statement and the review facts. */
export function buildProjectReview(view: StatementView, facts: ReviewFacts): ProjectReview {
  const revenue = view.totals.billing;
  const cost = view.totals.totalCost;
  return ProjectReview.parse({
    projectId: view.project.id,
    projectName: view.project.name,
    statementNumber: view.number,
    period: view.period,
    currency: view.currency,
    revenue,
    cost,
    roiPercent: percent(new Dec(revenue).minus(cost), cost),
    nps: facts.nps ? computeNps(facts.nps) : null,
    npsResponses: facts.nps ? facts.nps.promoters + facts.nps.passives + facts.nps.detractors : 0,
    billableHours: facts.billableHours,
    capacityHours: facts.capacityHours,
    utilisationPercent: percent(facts.billableHours, facts.capacityHours),
    cpi: view.evm.cpi,
    spi: view.evm.spi,
    approverComments: view.approvals
      .filter((a) => a.comment !== undefined && a.comment.trim() !== '')
      .map((a) => ({ who: a.who, decision: a.decision, at: a.at, comment: a.comment ?? '' })),
  });
}

export interface PortfolioTotals {
  readonly currency: string;
  readonly projects: number;
  readonly revenue: string;
  readonly cost: string;
  readonly roiPercent: string | null;
  readonly billableHours: string;
  readonly capacityHours: string;
  readonly utilisationPercent: string | null;
}

/**
 * Portfolio totals per currency (amounts in different currencies are never added): revenue, cost,
 * ROI of the sums, and utilisation of the summed hours.
 */
export function summarisePortfolio(reviews: readonly ProjectReview[]): PortfolioTotals[] {
  const byCurrency = new Map<string, ProjectReview[]>();
  for (const review of reviews)
    byCurrency.set(review.currency, [...(byCurrency.get(review.currency) ?? []), review]);
  return [...byCurrency.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, group]) => {
      const sum = (pick: (r: ProjectReview) => string) => group.reduce((s, r) => s.plus(pick(r)), new Dec(0));
      const revenue = sum((r) => r.revenue);
      const cost = sum((r) => r.cost);
      const billable = sum((r) => r.billableHours);
      const capacity = sum((r) => r.capacityHours);
      return {
        currency,
        projects: new Set(group.map((r) => r.projectId)).size,
        revenue: revenue.toFixed(),
        cost: cost.toFixed(),
        roiPercent: percent(revenue.minus(cost), cost),
        billableHours: billable.toFixed(),
        capacityHours: capacity.toFixed(),
        utilisationPercent: percent(billable, capacity),
      };
    });
}

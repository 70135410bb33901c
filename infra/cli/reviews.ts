import { getClients } from '#adapters/clients.ts';
import { issuer, loadConfig } from '#adapters/config.ts';
import { getJson, objectKeys } from '#adapters/objects.ts';
import { getCharter, listProjects, queryAll, readRecords } from '#adapters/settlement-store.ts';
import { createApprovalStore } from '#approval/store.ts';
import type { Charter } from '#domain/charter.ts';
import { parseCharter } from '#domain/charters.ts';
import type { Statement } from '#domain/statement.ts';
import { buildProjectReview, type NpsResponses, type ProjectReview } from '#statement/review.ts';
import { toStatementView } from '#statement/view-of.ts';

/** Working days (Mon–Fri) in [from, to). */
function weekdays(from: string, to: string): number {
  let days = 0;
  for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const day = new Date(t).getUTCDay();
    if (day !== 0 && day !== 6) days += 1;
  }
  return days;
}

/** Capacity: every person of the charter, 8 hours a working day of the period. */
function capacityHours(charter: Charter, from: string, to: string): string {
  return String(charter.people.length * weekdays(from, to) * 8);
}

/** NPS answers imported as evidence records (`type: nps`, score 0–10) dated in the period. */
async function npsOf(projectId: string, from: string, to: string): Promise<NpsResponses | undefined> {
  const answers = { promoters: 0, passives: 0, detractors: 0 };
  let any = false;
  for await (const r of readRecords(projectId)) {
    if (r.kind !== 'evidence' || r.type !== 'nps' || r.score === undefined || r.date < from || r.date >= to)
      continue;
    any = true;
    if (r.score >= 9) answers.promoters += 1;
    else if (r.score >= 7) answers.passives += 1;
    else answers.detractors += 1;
  }
  return any ? answers : undefined;
}

/**
 * Post-settlement reviews (ROI, NPS, utilisation, CPI/SPI, approver comments) of every settled
 * settlement of the tenant whose period overlaps [from, to] — the portfolio report's input.
 */
export async function loadReviews(_tenantId: string, from: string, to: string): Promise<ProjectReview[]> {
  const approvals = createApprovalStore(getClients().ddb, loadConfig().tableName);
  const reviews: ProjectReview[] = [];
  for (const projectId of await listProjects()) {
    for await (const item of queryAll(`PROJECT#${projectId}`, 'SETTLEMENT#')) {
      if (item.status !== 'settled' || !item.statementNumber) continue;
      const settlementId = String(item.settlementId);
      const statement = await getJson<Statement>(objectKeys.final(settlementId, 'statement.json'));
      if (statement.period.to <= from || statement.period.from > to) continue;
      const charter = parseCharter(
        (await getCharter(projectId, Number(item.charterVersion))).charter,
        `charter of ${projectId}`,
      );
      const log = await approvals.readLog(settlementId);
      const view = toStatementView(statement, charter, {
        number: String(item.statementNumber),
        issuer: issuer(),
        approvalLog: log,
      });
      const withComments = {
        ...view,
        approvals: view.approvals.filter((a) => a.decision === 'approved' || a.decision === 'rejected'),
      };
      const nps = await npsOf(projectId, statement.period.from, statement.period.to);
      reviews.push(
        buildProjectReview(withComments, {
          ...(nps ? { nps } : {}),
          billableHours: (statement.hours.billableSeconds / 3600).toFixed(2),
          capacityHours: capacityHours(charter, statement.period.from, statement.period.to),
        }),
      );
    }
  }
  return reviews;
}

import { findLateEdits, keepPeriodRecords, recordLateEdits } from '#adapters/late-edits.ts';
import { objectKeys, putObject } from '#adapters/objects.ts';
import { getCharter, readQuarantine, readRecords, updateSettlement } from '#adapters/settlement-store.ts';
import { parseCharter } from '#domain/charters.ts';
import { countQuarantine, inputsHashOf } from '#domain/collected.ts';
import { createStatementBuilder } from '#domain/compute.ts';
import { applyLateEdits, isDatedIn } from '#domain/late-edits.ts';
import { periodWindow, resolvePeriod } from '#domain/periods.ts';
import type { SettlementRecord } from '#domain/records.ts';
import { serializeStatement } from '#domain/statement.ts';
import { SettlementState } from '#domain/workflow.ts';
import { declareStep } from '#steps/declaration.ts';
import { nowIso, stepHandler } from '#steps/step-handler.ts';

/**
 * Compute: stream the project's stored records through the settlement engine and write the
 * canonical statement JSON to S3. Everything it uses (charter, records, quarantine counts, run date,
 * revision) is archived, so the statement can be reproduced with `settle compute`. It also keeps the
 * period's records (the baseline of its late edits) and reports the late edits of locked periods,
 * carrying their difference into this statement or proposing a revision, by the charter's rule.
 */
export const step = declareStep({
  states: { settlement: ['Compute'] },
  input: SettlementState,
  timeoutSeconds: 840,
  memoryMb: 1769,
  access: { table: ['GetItem', 'Query', 'UpdateItem', 'PutItem'], read: ['drafts'], write: ['drafts'] },
});

export const handler = stepHandler(step, async (state): Promise<SettlementState> => {
  const { settlement } = state;
  const stored = await getCharter(settlement.projectId, settlement.charterVersion);
  const charter = parseCharter(stored.charter, `charter of ${settlement.projectId}`);
  const builder = createStatementBuilder(charter, {
    period: settlement.period,
    asOf: settlement.asOf,
    revision: settlement.revision,
  });
  const takenAt = nowIso();
  // Only the period's own records are kept in memory (the baseline of its late edits).
  const window = periodWindow(charter, resolvePeriod(charter, settlement.period));
  const records: SettlementRecord[] = [];
  for await (const record of readRecords(settlement.projectId)) {
    builder.add(record);
    if (isDatedIn(record, window, charter.timeZone)) records.push(record);
  }
  await keepPeriodRecords(charter, settlement, records, takenAt);
  const lateEdits = await findLateEdits(charter, settlement, takenAt);
  const quarantine = countQuarantine(await readQuarantine(settlement.settlementId));
  const statement = applyLateEdits(
    builder.finish({ quarantine, inputsHash: inputsHashOf(state.collected ?? []) }),
    lateEdits.periods,
  );
  await recordLateEdits(settlement, lateEdits);
  const statementKey = objectKeys.draft(settlement.settlementId, 'statement.json');
  await putObject(statementKey, serializeStatement(statement), 'application/json');
  const computed = {
    statementKey,
    total: statement.totals.cost,
    blockingChecks: statement.checks.filter((c) => c.severity === 'blocking' && c.status === 'fail').length,
    blockingFailures: statement.checks
      .filter((c) => c.severity === 'blocking' && c.status === 'fail')
      .map((c) => `${c.title} — ${c.detail}`),
    quarantined: quarantine.reduce((n, q) => n + q.count, 0),
  };
  await updateSettlement(settlement.projectId, settlement.period, settlement.revision, {
    status: 'computed',
    totalCost: computed.total,
    updatedAt: nowIso(),
  });
  return { ...state, computed };
});

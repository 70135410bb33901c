import { getClients } from '#adapters/clients.ts';
import { loadConfig } from '#adapters/config.ts';
import { putObject } from '#adapters/objects.ts';
import { getSettlement, readRecords } from '#adapters/settlement-store.ts';
import { createApprovalStore } from '#approval/store.ts';
import type { SettlementRecord } from '#domain/records.ts';
import type { Statement } from '#domain/statement.ts';
import type { SettlementRef } from '#domain/workflow.ts';
import { buildSettlementFacts } from './facts.ts';
import { encodeFacts } from './parquet.ts';
import { FACT_TABLES, factObjectKey } from './tables.ts';

/**
 * Writes the settled facts of a finalised settlement revision to `facts/` as Parquet, one object
 * per table with rows (a table with no rows for this settlement gets no object). The keys depend
 * only on the settlement revision, so a re-run of Finalise writes the same objects again; a
 * revision writes new objects beside the ones it supersedes.
 */
export async function writeSettlementFacts(
  settlement: SettlementRef,
  statement: Statement,
  final: { statementNumber: string; finalisedAt: string; people: number; timeZone?: string | undefined },
): Promise<string[]> {
  const approvals = createApprovalStore(getClients().ddb, loadConfig().tableName);
  const item = await getSettlement(settlement.projectId, settlement.period, settlement.revision);
  const records: SettlementRecord[] = [];
  for await (const record of readRecords(settlement.projectId)) records.push(record);
  const facts = buildSettlementFacts({
    tenantId: settlement.tenantId,
    settlementId: settlement.settlementId,
    statement,
    statementNumber: final.statementNumber,
    dataReadyAt: typeof item?.createdAt === 'string' ? item.createdAt : final.finalisedAt,
    finalisedAt: final.finalisedAt,
    ...(typeof item?.reason === 'string' ? { revisionReason: item.reason } : {}),
    people: final.people,
    timeZone: final.timeZone,
    approvalLog: await approvals.readLog(settlement.settlementId),
    records,
  });
  const written: string[] = [];
  for (const table of FACT_TABLES) {
    const rows = facts.tables[table.name];
    if (rows.length === 0) continue;
    const key = factObjectKey(table.name, facts.partition, settlement.settlementId);
    await putObject(key, encodeFacts(table, rows), 'application/vnd.apache.parquet');
    written.push(key);
  }
  return written;
}

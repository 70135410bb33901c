import { z } from 'zod';
import { getClients } from '#adapters/clients.ts';
import { queryFocusExport } from '#adapters/focus-export-query.ts';
import { markRemovedAtSource } from '#adapters/late-edits.ts';
import { getJson } from '#adapters/objects.ts';
import { getCharter, storeQuarantine, storeRecords } from '#adapters/settlement-store.ts';
import {
  archiveRawPayloads,
  credentialsFor,
  InboxFileMissingError,
  inboxReader,
} from '#adapters/source-files.ts';
import {
  CloudCostSnapshot,
  ownTagValue,
  projectPagesOf,
  sharedQueryKey,
  sliceOf,
} from '#connectors/cloud-costs.ts';
import { createCollector } from '#connectors/index.ts';
import type { SharedSlice } from '#connectors/types.ts';
import { parseCharter } from '#domain/charters.ts';
import { coveredPeriods, recordDay } from '#domain/late-edits.ts';
import { collectWindow, OPEN_START, resolvePeriod } from '#domain/periods.ts';
import { readinessFacts } from '#domain/readiness.ts';
import { DataSourceBinding } from '#domain/sources.ts';
import { SettlementRef } from '#domain/workflow.ts';
import { declareStep } from '#steps/declaration.ts';
import { nowIso, stepHandler } from '#steps/step-handler.ts';

const CollectInput = z.object({ settlement: SettlementRef, source: DataSourceBinding });

/**
 * Collect one data source: run its connector (live or file mode), store the records idempotently
 * (source + sourceId), quarantine bad ones with their reason, archive every raw payload under raw/.
 */
export const step = declareStep({
  states: { settlement: ['CollectSource'] },
  input: CollectInput,
  timeoutSeconds: 840,
  memoryMb: 1769,
  access: {
    table: ['GetItem', 'BatchGetItem', 'BatchWriteItem', 'Query'],
    // A settlement started by hand has no nightly snapshot: a live FOCUS source queries the
    // tenant's export through Athena for its own project (Athena reads and writes S3 as the caller).
    read: ['inbox', 'costs', 'exports', 'query-results'],
    list: ['exports'],
    write: ['raw', 'query-results'],
    readSecrets: true,
    rotateSecrets: true,
    costExplorer: true,
    athena: true,
  },
  untested: {
    'secretsmanager:GetSecretValue':
      'A rotating OAuth secret (QuickBooks), or the per-connector secret of a tenant deployed before the ' +
      'credentials parameter, is read in AWS only; locally there is no Secrets Manager: rotation is tested ' +
      'against an in-memory store (test/shared/connectors/oauth.test.ts), the fallback against the local ' +
      'parameter store (test/infra/local/credentials.test.ts).',
    'secretsmanager:PutSecretValue':
      'An OAuth refresh token the vendor rotates on use (QuickBooks) is stored back in AWS; locally the ' +
      'rotation is tested against an in-memory store (test/shared/connectors/oauth.test.ts).',
    'secretsmanager:UpdateSecretVersionStage':
      'The compare-and-swap of the same rotation (AWSCURRENT moves).',
  },
});

/**
 * The slice of a live FOCUS source in a settlement started by hand (no nightly snapshot): the same
 * Athena query the nightly run asks, for this project's tag value alone. Undefined for every other
 * source, and for a window open at the start of time (the nightly run asks no query for those either).
 */
async function ownFocusSlice(
  binding: DataSourceBinding,
  projectRef: string,
  window: { from: string; to: string },
): Promise<SharedSlice | undefined> {
  const key = binding.connector === 'focus' ? sharedQueryKey(binding, window) : undefined;
  if (key === undefined || window.from === OPEN_START) return undefined;
  const query = await queryFocusExport(key, binding, window, [ownTagValue(binding.options, projectRef)]);
  const pages = projectPagesOf(query, binding, projectRef);
  return (
    pages && {
      pages,
      note: `${binding.id}: queried the tenant's FOCUS export for this settlement alone (Athena query ${query.queryId}; no nightly cloud-cost snapshot answers for it)`,
      raw: {
        name: `${binding.id}/focus-query.json`,
        contentType: 'application/json',
        body: new TextEncoder().encode(JSON.stringify({ queryId: query.queryId, pages })),
      },
    }
  );
}

export const handler = stepHandler(step, async ({ settlement, source }) => {
  const stored = await getCharter(settlement.projectId, settlement.charterVersion);
  const charter = parseCharter(stored.charter, `charter of ${settlement.projectId}`);
  const window = collectWindow(charter, resolvePeriod(charter, settlement.period), source.mode);
  // The night's one account-wide cloud-cost query (a manual run has none: the source queries alone).
  const snapshotKey = settlement.cloudCosts;
  const snapshot = snapshotKey
    ? CloudCostSnapshot.parse(await getJson(snapshotKey), { reportInput: false })
    : undefined;
  const credentials = credentialsFor(source.connector);
  const collect = () =>
    createCollector({ costExplorer: getClients().costExplorer })(source, {
      projectRef: charter.projectRef,
      timeZone: charter.timeZone,
      window: { from: window.from, to: window.to },
      readFile: inboxReader(settlement.projectId, source.id),
      getSecret: async (name) => (await credentials.read(name)).value,
      secrets: credentials,
      fetch: globalThis.fetch,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      sharedSlice: async (binding) =>
        snapshot && snapshotKey
          ? sliceOf(snapshot, snapshotKey, binding, charter.projectRef, window)
          : ownFocusSlice(binding, charter.projectRef, window),
    });
  let result: Awaited<ReturnType<typeof collect>>;
  try {
    result = await collect();
  } catch (error) {
    // Under a readiness rule a file not imported yet makes the period wait (CheckReadiness decides);
    // nothing is stored, so nothing is marked removed at the source.
    const missing =
      error instanceof InboxFileMissingError || (error as Error).cause instanceof InboxFileMissingError;
    if (!missing || !charter.readiness?.files) throw error;
    return {
      sourceId: source.id,
      connector: source.connector,
      records: 0,
      quarantined: 0,
      readiness: {
        ...readinessFacts(source.id, source.connector, []),
        missingFile: source.path ?? source.id,
      },
    };
  }
  const now = nowIso();
  const raw = await archiveRawPayloads(settlement.settlementId, source.id, result.raw);
  const stats = await storeRecords(settlement.projectId, result.records, now, source.id);
  // A live query asked for its window; a file answers for the periods it still holds.
  const asked = source.mode === 'file' ? undefined : { from: window.from, to: window.to };
  const days = result.records.flatMap((r) => recordDay(r, charter.timeZone) ?? []);
  const removed = await markRemovedAtSource(
    charter,
    settlement.projectId,
    source.id,
    (locked) => coveredPeriods(locked, asked, days),
    result.records,
    now,
  );
  await storeQuarantine(settlement.settlementId, source.id, result.quarantined, now);
  return {
    sourceId: source.id,
    connector: source.connector,
    records: result.records.length,
    ...stats,
    removed,
    quarantined: result.quarantined.length,
    raw,
    notes: result.notes.slice(0, 20),
    readiness: readinessFacts(source.id, source.connector, result.records),
  };
});

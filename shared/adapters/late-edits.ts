import { z } from 'zod';
import type { Charter } from '#domain/charter.ts';
import {
  measureLateEdits,
  PeriodRecords,
  periodRecordsOf,
  recordDay,
  recordKey,
  removedAtSource,
} from '#domain/late-edits.ts';
import { type PeriodWindow, periodWindow, resolvePeriod } from '#domain/periods.ts';
import { SettlementRecord } from '#domain/records.ts';
import { LateEditPeriod } from '#domain/statement.ts';
import type { SettlementRef } from '#domain/workflow.ts';
import { getObject, objectKeys, putJson } from './objects.ts';
import {
  getSettlement,
  type LateEditLedger,
  listLateEditLedger,
  listLocksAndLedger,
  markRecordsRemoved,
  putLateEditLedger,
  readStoredRecords,
  type StoredRecord,
} from './settlement-store.ts';

/**
 * Where late edits are kept and found. Compute keeps the records of the period it settles
 * (`drafts/<settlement>/period-records.json`; archived with the settlement, and the lock remembers
 * when they were read) and, when it finds late edits of other locked periods, what it did with them
 * (`drafts/<settlement>/late-edits.json`: the records each carried period is now measured against).
 * The ledger (DynamoDB) says per locked period which settlement carries its edits or which revision
 * is proposed; Finalise confirms a carry, the nightly run settles a proposal.
 */

const PERIOD_RECORDS = 'period-records.json';
const LATE_EDITS = 'late-edits.json';

const LateEditsFile = z.object({
  kind: z.literal('late-edits'),
  settlementId: z.string(),
  takenAt: z.string(),
  periods: z.array(
    z.object({
      period: z.string(),
      lockSettlementId: z.string(),
      lockRevision: z.number().int().nonnegative(),
      asOf: z.string(),
      action: z.enum(['carried', 'revision-proposed', 'reported']),
      records: z.array(SettlementRecord),
    }),
  ),
});
type LateEditsFile = z.infer<typeof LateEditsFile>;

async function readJson<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
  const body = await getObject(key);
  if (!body) return undefined;
  return schema.parse(JSON.parse(new TextDecoder().decode(body)));
}

/** Keeps the records of the settled period (the baseline its late edits will be measured against). */
export async function keepPeriodRecords(
  charter: Charter,
  settlement: SettlementRef,
  records: readonly SettlementRecord[],
  takenAt: string,
): Promise<void> {
  const window = periodWindow(charter, resolvePeriod(charter, settlement.period));
  const snapshot: PeriodRecords = {
    kind: 'period-records',
    projectId: settlement.projectId,
    period: settlement.period,
    revision: settlement.revision,
    settlementId: settlement.settlementId,
    asOf: settlement.asOf,
    takenAt,
    records: periodRecordsOf(records, window, charter.timeZone),
  };
  await putJson(objectKeys.draft(settlement.settlementId, PERIOD_RECORDS), snapshot);
}

/** When the settlement's period records were read (what Finalise writes on the lock). */
export async function periodRecordsTakenAt(settlementId: string): Promise<string | undefined> {
  return (await readJson(objectKeys.draft(settlementId, PERIOD_RECORDS), PeriodRecords))?.takenAt;
}

interface LockedPeriodState {
  readonly period: string;
  readonly revision: number;
  readonly settlementId: string;
  readonly window: PeriodWindow;
  /** Records stored after this are late-edit candidates. */
  readonly since: string;
  readonly ledger?: LateEditLedger;
}

/** The locked periods of a project other than `exclude`, with the ledger entry that holds for each lock. */
async function lockedPeriods(
  charter: Charter,
  projectId: string,
  exclude?: string,
): Promise<LockedPeriodState[]> {
  const { locks, ledger: entries } = await listLocksAndLedger(projectId);
  const ledger = new Map(entries.map((e) => [e.period, e]));
  const states: LockedPeriodState[] = [];
  for (const lock of locks) {
    // A lock from before late edits were tracked has no snapshot to measure against.
    if (lock.period === exclude || lock.recordsAt === undefined) continue;
    let window: PeriodWindow;
    try {
      window = periodWindow(charter, resolvePeriod(charter, lock.period));
    } catch {
      continue; // the charter no longer settles this kind of period
    }
    const entry = ledger.get(lock.period);
    const current = entry?.lockSettlementId === lock.settlementId ? entry : undefined;
    states.push({
      period: lock.period,
      revision: lock.revision,
      settlementId: lock.settlementId,
      window,
      since: current?.carry?.status === 'carried' ? current.carry.at : lock.recordsAt,
      ...(current ? { ledger: current } : {}),
    });
  }
  return states;
}

const periodOf = (locked: readonly LockedPeriodState[], day: string | undefined) =>
  day === undefined ? undefined : locked.find((l) => day >= l.window.from && day < l.window.to);

/** Settlements that ended without settling: a carry they held is void. */
const ENDED_UNSETTLED = new Set(['rejected', 'failed', 'expired', 'needs-attention']);

/** What the charter's rule did with the late edits of every locked period, and the records carried. */
export interface FoundLateEdits {
  readonly periods: LateEditPeriod[];
  readonly file: LateEditsFile;
}

/**
 * Finds the late edits of the project's locked periods (other than the one being settled): a period
 * is looked at only when a record dated in it was stored (or marked removed) after its baseline was
 * read, then its records now are measured against the baseline. A period whose edits another
 * settlement is carrying right now is reported, not carried again.
 */
export async function findLateEdits(
  charter: Charter,
  settlement: SettlementRef,
  takenAt: string,
): Promise<FoundLateEdits> {
  const locked = await lockedPeriods(charter, settlement.projectId, settlement.period);
  const file: LateEditsFile = {
    kind: 'late-edits',
    settlementId: settlement.settlementId,
    takenAt,
    periods: [],
  };
  if (locked.length === 0) return { periods: [], file };
  const touched = new Set<string>();
  const current = new Map<string, SettlementRecord[]>();
  for await (const stored of readStoredRecords(settlement.projectId)) {
    const p = periodOf(locked, recordDay(stored.record, charter.timeZone));
    if (!p) continue;
    if (stored.storedAt > p.since) touched.add(p.period);
    if (!stored.removed) current.set(p.period, [...(current.get(p.period) ?? []), stored.record]);
  }
  const periods: LateEditPeriod[] = [];
  for (const p of locked.filter((l) => touched.has(l.period))) {
    const carried = p.ledger?.carry?.status === 'carried' ? p.ledger.carry : undefined;
    const snapshot = await readJson(objectKeys.draft(p.settlementId, PERIOD_RECORDS), PeriodRecords);
    if (!snapshot) continue;
    const baseline = carried
      ? (await readJson(carried.recordsKey, LateEditsFile))?.periods.find((x) => x.period === p.period)
          ?.records
      : snapshot.records;
    if (!baseline) continue;
    const records = periodRecordsOf(current.get(p.period) ?? [], p.window, charter.timeZone);
    const measured = measureLateEdits(
      charter,
      { period: p.period, revision: p.revision, asOf: snapshot.asOf },
      baseline,
      records,
    );
    if (!measured) continue;
    let action = measured.action;
    const pending = p.ledger?.carry?.status === 'pending' ? p.ledger.carry : undefined;
    if (action === 'carried' && pending && pending.by !== settlement.settlementId) {
      const holder = await getSettlement(settlement.projectId, pending.byPeriod, pending.byRevision);
      if (holder && !ENDED_UNSETTLED.has(holder.status)) action = 'reported';
    }
    periods.push({ ...measured, action });
    file.periods.push({
      period: p.period,
      lockSettlementId: p.settlementId,
      lockRevision: p.revision,
      asOf: snapshot.asOf,
      action,
      records,
    });
  }
  return { periods, file };
}

/**
 * Records what Compute did: the late-edits file, a pending carry for each carried period (Finalise
 * confirms it), a proposed revision for each period the rule revises.
 */
export async function recordLateEdits(settlement: SettlementRef, found: FoundLateEdits): Promise<void> {
  if (found.file.periods.length === 0) return;
  const key = objectKeys.draft(settlement.settlementId, LATE_EDITS);
  await putJson(key, found.file);
  const ledger = new Map((await listLateEditLedger(settlement.projectId)).map((e) => [e.period, e]));
  for (const p of found.file.periods) {
    const previous = ledger.get(p.period);
    const kept = previous?.lockSettlementId === p.lockSettlementId ? previous : undefined;
    const measured = found.periods.find((x) => x.period === p.period);
    if (p.action === 'carried') {
      await putLateEditLedger(settlement.projectId, {
        ...kept,
        period: p.period,
        lockSettlementId: p.lockSettlementId,
        carry: {
          by: settlement.settlementId,
          byPeriod: settlement.period,
          byRevision: settlement.revision,
          status: 'pending',
          recordsKey: key,
          at: found.file.takenAt,
        },
      });
    } else if (p.action === 'revision-proposed') {
      const changed = measured?.records.length ?? 0;
      await putLateEditLedger(settlement.projectId, {
        ...kept,
        period: p.period,
        lockSettlementId: p.lockSettlementId,
        proposal: {
          revision: p.lockRevision + 1,
          reason: `late edits: ${changed} record(s) of ${p.period} changed at the source after revision ${p.lockRevision} was settled (found by ${settlement.settlementId})`,
        },
      });
    }
  }
}

/** Finalise: the carries this settlement holds become carried (the next runs measure from the records carried). */
export async function confirmCarriedLateEdits(settlement: SettlementRef): Promise<number> {
  const file = await readJson(objectKeys.draft(settlement.settlementId, LATE_EDITS), LateEditsFile);
  if (!file) return 0;
  const by = settlement.settlementId;
  const ledger = new Map((await listLateEditLedger(settlement.projectId)).map((e) => [e.period, e]));
  let confirmed = 0;
  for (const p of file.periods.filter((x) => x.action === 'carried')) {
    const entry = ledger.get(p.period);
    if (entry?.carry?.by !== by) continue;
    if (entry.carry.status === 'carried') {
      confirmed += 1;
      continue;
    }
    const carriedBy = [...new Set([...(entry.carriedBy ?? []), by])];
    await putLateEditLedger(
      settlement.projectId,
      { ...entry, carry: { ...entry.carry, status: 'carried' }, carriedBy },
      by,
    );
    confirmed += 1;
  }
  return confirmed;
}

/**
 * Collect: marks the stored records of this binding that are gone at the source — dated in a locked
 * period the collection covered (see `coveredPeriods`), not returned this time. A file that no longer
 * holds a period tells nothing, so its records stay.
 */
export async function markRemovedAtSource(
  charter: Charter,
  projectId: string,
  binding: string,
  covered: (locked: ReadonlyArray<{ period: string; window: PeriodWindow }>) => Set<string>,
  returned: readonly SettlementRecord[],
  now: string,
): Promise<number> {
  const locked = await lockedPeriods(charter, projectId);
  if (locked.length === 0) return 0;
  const periods = covered(locked);
  if (periods.size === 0) return 0;
  const stored = new Map<string, StoredRecord>();
  for await (const s of readStoredRecords(projectId)) {
    if (s.binding === binding && recordDay(s.record, charter.timeZone) !== undefined)
      stored.set(recordKey(s.record), s);
  }
  const gone = removedAtSource({
    stored: [...stored].map(([key, s]) => ({
      key,
      day: recordDay(s.record, charter.timeZone) ?? '',
      removed: s.removed,
    })),
    returned: new Set(returned.map(recordKey)),
    covered: locked.filter((l) => periods.has(l.period)).map((l) => l.window),
  });
  return markRecordsRemoved(
    projectId,
    gone.map((key) => stored.get(key) as StoredRecord),
    now,
  );
}

const CarryingStatement = z.object({ lateEdits: z.array(LateEditPeriod).optional() });

/** What finalised statements already carried of a period's late edits, for the lock `lockSettlementId`. */
export async function carriedLateEdits(
  projectId: string,
  period: string,
  lockSettlementId: string,
): Promise<LateEditPeriod[]> {
  const entry = (await listLateEditLedger(projectId)).find(
    (e) => e.period === period && e.lockSettlementId === lockSettlementId,
  );
  const carried: LateEditPeriod[] = [];
  for (const by of entry?.carriedBy ?? []) {
    const statement = await readJson(objectKeys.final(by, 'statement.json'), CarryingStatement);
    carried.push(
      ...(statement?.lateEdits ?? []).filter((p) => p.period === period && p.action === 'carried'),
    );
  }
  return carried;
}

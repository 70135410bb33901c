import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Charter, LateEditRule } from './charter.ts';
import { computeStatement } from './compute.ts';
import { Dec, moneyFromMinor, toMinor } from './money.ts';
import { type PeriodWindow, type RevisionNote, reviseStatement } from './periods.ts';
import { type CostCategory, SettlementRecord } from './records.ts';
import {
  type BillingLine,
  type CostLine,
  compareStrings,
  type LateEditPeriod,
  type LateEditRecord,
  type Statement,
  sortBy,
} from './statement.ts';
import { dayOfIn } from './time-zone.ts';

/**
 * Late edits: records of a settled (locked) period that are new, changed or removed at the source
 * after the lock. A period's settled records are kept as a snapshot (identity `source#sourceId` and
 * content); at every later collection the records now stored for that period are compared with it.
 * The money effect is measured by recomputing the locked period with the snapshot and with the
 * current records (same charter, same as-of) and taking the difference line by line, exactly as a
 * revision's credit or debit note would; the charter's `lateEdits` rule then says whether the
 * difference is carried into the statement being settled or a revision of the period is proposed.
 *
 * Only time entries and cost records are compared: they are what a period's figures are made of
 * (tasks are progress to date, evidence is dated proof, neither is a period amount).
 */

/** A record's identity: the idempotent storage key. */
export function recordKey(record: Pick<SettlementRecord, 'source' | 'sourceId'>): string {
  return `${record.source}#${record.sourceId}`;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(compareStrings)) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/** SHA-256 of a record's canonical JSON (keys sorted): equal content, equal hash, whatever the key order. */
export function recordHash(record: SettlementRecord): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(record)))
    .digest('hex');
}

/**
 * The date a record counts on in a period (a time entry's local start date in the project's time
 * zone, UTC when none); none for tasks and evidence.
 */
export function recordDay(record: SettlementRecord, timeZone?: string): string | undefined {
  if (record.kind === 'time') return dayOfIn(timeZone)(record.start);
  if (record.kind === 'cost') return record.date;
  return undefined;
}

/** Whether a record counts in a period's late-edit baseline (a time entry or cost record dated in the window). */
export function isDatedIn(record: SettlementRecord, window: PeriodWindow, timeZone?: string): boolean {
  const day = recordDay(record, timeZone);
  return day !== undefined && day >= window.from && day < window.to;
}

/** The records of a period that late edits are measured on, in identity order. */
export function periodRecordsOf(
  records: Iterable<SettlementRecord>,
  window: PeriodWindow,
  timeZone?: string,
): SettlementRecord[] {
  const kept: SettlementRecord[] = [];
  for (const record of records) if (isDatedIn(record, window, timeZone)) kept.push(record);
  return sortBy(kept, recordKey);
}

/** A period's settled records as Compute keeps them (`drafts/<settlement>/period-records.json`). */
export const PeriodRecords = z.object({
  kind: z.literal('period-records'),
  projectId: z.string().min(1),
  period: z.string().min(1),
  revision: z.number().int().nonnegative(),
  settlementId: z.string().min(1),
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** When the records were read (every record stored later is a late-edit candidate). */
  takenAt: z.string().min(1),
  records: z.array(SettlementRecord),
});
export type PeriodRecords = z.infer<typeof PeriodRecords>;

function figureOf(record: SettlementRecord): LateEditRecord['before'] {
  if (record.kind === 'time') return { amount: new Dec(record.seconds).div(3600).toFixed(2), unit: 'h' };
  if (record.kind === 'cost') return { amount: record.amount, unit: record.currency };
  return undefined;
}

/**
 * The records that differ between a locked period's snapshot and the records now stored for it:
 * new (not in the snapshot), changed (same identity, other content) and removed (in the snapshot,
 * no longer stored). Sorted by identity; empty when nothing changed.
 */
export function detectLateEdits(
  baseline: readonly SettlementRecord[],
  current: readonly SettlementRecord[],
): LateEditRecord[] {
  const before = new Map(baseline.map((r) => [recordKey(r), r]));
  const after = new Map(current.map((r) => [recordKey(r), r]));
  const edits: LateEditRecord[] = [];
  const entry = (r: SettlementRecord, change: LateEditRecord['change']) => ({
    source: r.source,
    sourceId: r.sourceId,
    kind: r.kind as 'time' | 'cost',
    change,
    date: recordDay(r) ?? '',
  });
  for (const [key, now] of after) {
    const was = before.get(key);
    const figure = figureOf(now);
    if (!was) edits.push({ ...entry(now, 'new'), ...(figure ? { after: figure } : {}) });
    else if (recordHash(was) !== recordHash(now)) {
      const old = figureOf(was);
      edits.push({
        ...entry(now, 'changed'),
        ...(old ? { before: old } : {}),
        ...(figure ? { after: figure } : {}),
      });
    }
  }
  for (const [key, was] of before) {
    if (after.has(key)) continue;
    const old = figureOf(was);
    edits.push({ ...entry(was, 'removed'), ...(old ? { before: old } : {}) });
  }
  return sortBy(edits, (e) => `${e.source}#${e.sourceId}`);
}

/** The locked settlement a period's late edits are measured against. */
export interface LockedPeriod {
  readonly period: string;
  readonly revision: number;
  readonly asOf: string;
}

/** What the rule does with a period's difference (`basis`: billing for a client, else cost; minor units). */
export function lateEditAction(
  rule: Pick<LateEditRule, 'mode' | 'threshold'> | undefined,
  currency: string,
  basis: bigint,
  anyDifference: boolean,
): LateEditPeriod['action'] {
  if (!rule || !anyDifference) return 'reported';
  if (rule.mode === 'carryForward') return 'carried';
  const magnitude = basis < 0n ? -basis : basis;
  if (rule.threshold !== undefined && magnitude < toMinor({ amount: rule.threshold, currency })) {
    return 'carried';
  }
  return 'revision-proposed';
}

/**
 * The late edits of one locked period: which records changed, what the period would be with them
 * (recomputed with the snapshot and with the current records, the difference per billing line and per
 * cost category, exact to the minor unit), and what the charter's rule does with it. Undefined when
 * no record changed.
 */
export function measureLateEdits(
  charter: Charter,
  locked: LockedPeriod,
  baseline: readonly SettlementRecord[],
  current: readonly SettlementRecord[],
): LateEditPeriod | undefined {
  const records = detectLateEdits(baseline, current);
  if (records.length === 0) return undefined;
  const options = { charter, period: locked.period, asOf: locked.asOf, quarantine: [] };
  const before = computeStatement({ ...options, records: baseline, revision: locked.revision });
  const after = computeStatement({ ...options, records: current, revision: locked.revision + 1 });
  const note = reviseStatement(before, after);
  const currency = charter.currency;
  const costCategories = (Object.keys(before.totals.byCategory) as CostCategory[])
    .map((category) => ({
      category,
      minor: toMinor(after.totals.byCategory[category]) - toMinor(before.totals.byCategory[category]),
    }))
    .filter((c) => c.minor !== 0n)
    .map((c) => ({ category: c.category, difference: moneyFromMinor(c.minor, currency) }));
  const billingLines = note.lines.map((l) => ({
    id: l.id,
    description: l.description,
    difference: l.difference,
  }));
  const basis =
    charter.counterparty.type === 'client' ? toMinor(note.billingDifference) : toMinor(note.costDifference);
  return {
    period: locked.period,
    lockedRevision: locked.revision,
    action: lateEditAction(
      charter.lateEdits,
      currency,
      basis,
      billingLines.length > 0 || costCategories.length > 0,
    ),
    records,
    billingDifference: note.billingDifference,
    costDifference: note.costDifference,
    billingLines,
    costCategories,
  };
}

/**
 * Adds the late edits to the statement being settled: every period is listed in `lateEdits`; the
 * differences of `carried` periods become late-edit lines (billing lines and cost lines that name the
 * original period), and the totals are the sums of the lines again. A statement with no late edits is
 * returned unchanged.
 */
export function applyLateEdits(statement: Statement, periods: readonly LateEditPeriod[]): Statement {
  if (periods.length === 0) return statement;
  const currency = statement.currency;
  const billingLines: BillingLine[] = [...statement.billing.lines];
  const costLines: CostLine[] = [...statement.lines];
  const byCategory = { ...statement.totals.byCategory };
  let billingDelta = 0n;
  let costDelta = 0n;
  for (const p of sortBy(periods, (x) => x.period)) {
    if (p.action !== 'carried') continue;
    const reason = `records of ${p.period} changed at the source after it was settled (revision ${p.lockedRevision})`;
    for (const line of p.billingLines) {
      billingDelta += toMinor(line.difference);
      billingLines.push({
        id: `late-edit|${p.period}|${line.id}`,
        kind: 'late-edit',
        description: `late edit to ${p.period}: ${line.description}`,
        reason,
        amount: line.difference,
      });
    }
    for (const c of p.costCategories) {
      costDelta += toMinor(c.difference);
      byCategory[c.category] = moneyFromMinor(
        toMinor(byCategory[c.category]) + toMinor(c.difference),
        currency,
      );
      costLines.push({
        id: `late-edit|${p.period}|${c.category}`,
        category: c.category,
        description: `late edits to ${p.period} (${c.category})`,
        amount: c.difference,
      });
    }
  }
  const net = toMinor(statement.billing.net) + billingDelta;
  const cost = toMinor(statement.totals.cost) + costDelta;
  return {
    ...statement,
    lines: costLines,
    billing: {
      ...statement.billing,
      lines: sortBy(billingLines, (l) => l.id),
      adjustments: moneyFromMinor(toMinor(statement.billing.adjustments) + billingDelta, currency),
      net: moneyFromMinor(net, currency),
    },
    totals: {
      ...statement.totals,
      byCategory,
      cost: moneyFromMinor(cost, currency),
      billing: moneyFromMinor(net, currency),
      margin: moneyFromMinor(net - cost, currency),
      settlementAmount: moneyFromMinor(statement.counterparty.type === 'client' ? net : cost, currency),
    },
    lateEdits: sortBy(periods, (x) => x.period),
  };
}

/**
 * The locked periods a collection covered, so that a record of such a period it did not return can
 * be taken as removed at the source: the periods inside the collection window (a live query asked
 * for them), and the periods the collection returned at least one record of (a file that still holds
 * the period). A period neither asked for nor present tells nothing about its records.
 */
export function coveredPeriods(
  locked: ReadonlyArray<{ readonly period: string; readonly window: PeriodWindow }>,
  collection: PeriodWindow | undefined,
  returnedDays: Iterable<string>,
): Set<string> {
  const days = [...new Set(returnedDays)];
  const covered = new Set<string>();
  for (const { period, window } of locked) {
    const asked = collection !== undefined && collection.from <= window.from && window.to <= collection.to;
    if (asked || days.some((d) => d >= window.from && d < window.to)) covered.add(period);
  }
  return covered;
}

/**
 * The stored records of one data source that are gone at the source: dated in a covered locked
 * period, stored from that source, not returned by this collection, not already marked removed.
 */
export function removedAtSource(input: {
  readonly stored: ReadonlyArray<{ readonly key: string; readonly day: string; readonly removed: boolean }>;
  readonly returned: ReadonlySet<string>;
  readonly covered: ReadonlyArray<PeriodWindow>;
}): string[] {
  return input.stored
    .filter(
      (s) =>
        !s.removed &&
        !input.returned.has(s.key) &&
        input.covered.some((w) => s.day >= w.from && s.day < w.to),
    )
    .map((s) => s.key)
    .sort(compareStrings);
}

/**
 * A revision's note net of what later statements already carried of the period's late edits: their
 * carried differences are taken off line by line and from the totals, so an edit first carried
 * forward and then absorbed by a revision is settled once. The note's kind follows what is left.
 */
export function netOfCarried(
  note: RevisionNote,
  carried: readonly LateEditPeriod[],
  client: boolean,
): RevisionNote {
  const mine = carried.filter((p) => p.period === note.period && p.action === 'carried');
  if (mine.length === 0) return note;
  const currency = note.billingDifference.currency;
  const byLine = new Map<string, bigint>();
  let billing = 0n;
  let cost = 0n;
  for (const p of mine) {
    for (const l of p.billingLines) byLine.set(l.id, (byLine.get(l.id) ?? 0n) + toMinor(l.difference));
    billing += toMinor(p.billingDifference);
    cost += toMinor(p.costDifference);
  }
  const ids = [...new Set([...note.lines.map((l) => l.id), ...byLine.keys()])].sort(compareStrings);
  const lines = ids.flatMap((id) => {
    const line = note.lines.find((l) => l.id === id);
    const left = (line ? toMinor(line.difference) : 0n) - (byLine.get(id) ?? 0n);
    if (left === 0n) return [];
    const previous = line ? toMinor(line.previous) : 0n;
    return [
      {
        id,
        description: line?.description ?? id,
        previous: moneyFromMinor(previous, currency),
        current: moneyFromMinor(previous + left, currency),
        difference: moneyFromMinor(left, currency),
      },
    ];
  });
  const billingLeft = toMinor(note.billingDifference) - billing;
  const costLeft = toMinor(note.costDifference) - cost;
  const basis = client ? billingLeft : costLeft;
  return {
    ...note,
    kind: basis < 0n ? 'credit-note' : basis > 0n ? 'debit-note' : 'none',
    lines,
    billingDifference: moneyFromMinor(billingLeft, currency),
    costDifference: moneyFromMinor(costLeft, currency),
    alreadyCarried: {
      billing: moneyFromMinor(billing, currency),
      cost: moneyFromMinor(cost, currency),
    },
  };
}

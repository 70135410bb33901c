import { describe, expect, it } from 'vitest';
import { computeStatement } from '#domain/compute.ts';
import { dueRevisions } from '#domain/due.ts';
import {
  applyLateEdits,
  coveredPeriods,
  detectLateEdits,
  lateEditAction,
  measureLateEdits,
  netOfCarried,
  recordHash,
  removedAtSource,
} from '#domain/late-edits.ts';
import { toMinor } from '#domain/money.ts';
import { reviseStatement } from '#domain/periods.ts';
import type { SettlementRecord } from '#domain/records.ts';
import { charterWith, cost, time } from './fixtures.ts';

const charter = (lateEdits?: { mode: 'revise' | 'carryForward'; threshold?: string }) =>
  charterWith({
    rateCards: [
      {
        role: 'engineer',
        currency: 'EUR',
        costRate: '72.00',
        billRate: '120.00',
        effectiveFrom: '2026-01-01',
      },
    ],
    people: [{ id: 'anna', name: 'Anna', role: 'engineer' }],
    ...(lateEdits ? { lateEdits } : {}),
  });

const october = { period: '2026-10', revision: 0, asOf: '2026-10-31' };
const entry = time('anna', '2026-10-05T09:00:00+02:00', 36_000, { sourceId: 'te-1' });
const bill = cost('cloud', '0.10', '2026-10-20', { sourceId: 'bill-1' });

describe('late edits of a locked period', () => {
  it('hashes a record by content, whatever the key order', () => {
    const reordered = Object.fromEntries(Object.entries(entry).reverse()) as SettlementRecord;
    expect(recordHash(reordered)).toBe(recordHash(entry));
    expect(recordHash({ ...entry, seconds: 36_001 })).not.toBe(recordHash(entry));
  });

  it('finds new, changed and removed records with what each weighed before and after', () => {
    const added = cost('materials', '12.34', '2026-10-21', { sourceId: 'bill-2' });
    const edits = detectLateEdits(
      [entry, bill],
      [{ ...entry, seconds: 45_000, billableSeconds: 45_000 }, added],
    );
    expect(edits).toEqual([
      {
        source: 'quickbooks',
        sourceId: 'bill-1',
        kind: 'cost',
        change: 'removed',
        date: '2026-10-20',
        before: { amount: '0.10', unit: 'EUR' },
      },
      {
        source: 'quickbooks',
        sourceId: 'bill-2',
        kind: 'cost',
        change: 'new',
        date: '2026-10-21',
        after: { amount: '12.34', unit: 'EUR' },
      },
      {
        source: 'toggl',
        sourceId: 'te-1',
        kind: 'time',
        change: 'changed',
        date: '2026-10-05',
        before: { amount: '10.00', unit: 'h' },
        after: { amount: '12.50', unit: 'h' },
      },
    ]);
    expect(detectLateEdits([entry, bill], [bill, entry])).toEqual([]);
  });

  it('measures the difference exactly, line by line, as a revision would', () => {
    const cents = cost('cloud', '0.20', '2026-10-20', { sourceId: 'bill-1' });
    const longer = { ...entry, seconds: 43_200, billableSeconds: 43_200 };
    const measured = measureLateEdits(charter(), october, [entry, bill], [longer, cents]);
    // 2 h more at 120.00 billed, at 72.00 cost; the cloud bill 0.10 → 0.20 adds exactly 0.10.
    expect(measured?.billingDifference).toEqual({ amount: '240.00', currency: 'EUR' });
    expect(measured?.costDifference).toEqual({ amount: '144.10', currency: 'EUR' });
    expect(measured?.costCategories).toEqual([
      { category: 'labour', difference: { amount: '144.00', currency: 'EUR' } },
      { category: 'cloud', difference: { amount: '0.10', currency: 'EUR' } },
    ]);
    expect(measured?.billingLines.map((l) => l.difference.amount)).toEqual(['240.00']);
    expect(measured?.action).toBe('reported');
    expect(measureLateEdits(charter(), october, [entry, bill], [bill, entry])).toBeUndefined();
  });

  it('carries forward, proposes a revision, or carries what stays under the revision threshold', () => {
    const longer = { ...entry, seconds: 43_200, billableSeconds: 43_200 };
    const action = (rule?: Parameters<typeof charter>[0]) =>
      measureLateEdits(charter(rule), october, [entry], [longer])?.action;
    expect(action({ mode: 'carryForward' })).toBe('carried');
    expect(action({ mode: 'revise' })).toBe('revision-proposed');
    expect(action({ mode: 'revise', threshold: '240.01' })).toBe('carried');
    expect(action({ mode: 'revise', threshold: '240.00' })).toBe('revision-proposed');
    // A credit is measured by its size: −240.00 reaches a 240.00 threshold too.
    expect(lateEditAction({ mode: 'revise', threshold: '240.00' }, 'EUR', -24_000n, true)).toBe(
      'revision-proposed',
    );
    // An edit that changes no amount (a description) has nothing to settle.
    expect(lateEditAction({ mode: 'carryForward' }, 'EUR', 0n, false)).toBe('reported');
  });

  it('carries the difference into the open period as late-edit lines, totals still the sum of lines', () => {
    const rule = charter({ mode: 'carryForward' });
    const november = computeStatement({
      charter: rule,
      period: '2026-11',
      asOf: '2026-11-30',
      revision: 0,
      quarantine: [],
      records: [time('anna', '2026-11-03T09:00:00Z', 3_600)],
    });
    const longer = { ...entry, seconds: 43_200, billableSeconds: 43_200 };
    const measured = measureLateEdits(rule, october, [entry], [longer]);
    if (!measured) throw new Error('no late edit measured');
    const carried = applyLateEdits(november, [measured]);
    expect(carried.lateEdits).toEqual([measured]);
    const line = carried.billing.lines.find((l) => l.kind === 'late-edit');
    expect(line?.id).toBe('late-edit|2026-10|time|engineer|anna|2026-01-01|0');
    expect(line?.description).toContain('2026-10');
    expect(carried.billing.net.amount).toBe('360.00'); // 1 h of November + 2 h of October
    expect(carried.totals.cost.amount).toBe('216.00');
    const sum = (amounts: { amount: string; currency: string }[]) =>
      amounts.reduce((s, a) => s + toMinor(a), 0n);
    expect(sum(carried.billing.lines.map((l) => l.amount))).toBe(toMinor(carried.billing.net));
    expect(sum(carried.lines.map((l) => l.amount))).toBe(toMinor(carried.totals.cost));
    expect(carried.totals.margin.amount).toBe('144.00');
    // Applying nothing changes nothing; a period only reported adds no line.
    expect(applyLateEdits(november, [])).toBe(november);
    const reported = applyLateEdits(november, [{ ...measured, action: 'reported' }]);
    expect(reported.billing.net).toEqual(november.billing.net);
    expect(reported.lateEdits).toHaveLength(1);
  });

  it('never carries an edit twice: the next month measures from what was carried', () => {
    const rule = charter({ mode: 'carryForward' });
    const longer = { ...entry, seconds: 43_200, billableSeconds: 43_200 };
    const first = measureLateEdits(rule, october, [entry], [longer]);
    expect(first?.billingDifference.amount).toBe('240.00');
    // The same records again (a re-run of the same month): the same measure, byte for byte.
    expect(measureLateEdits(rule, october, [entry], [longer])).toEqual(first);
    // Next month, nothing changed since: the carried records are the baseline, nothing to carry.
    expect(measureLateEdits(rule, october, [longer], [longer])).toBeUndefined();
    // A further edit: only its own difference is carried.
    const longest = { ...entry, seconds: 46_800, billableSeconds: 46_800 };
    expect(measureLateEdits(rule, october, [longer], [longest])?.billingDifference.amount).toBe('120.00');
  });

  it('takes off a revision note what was already carried forward, so an edit is settled once', () => {
    const rule = charter({ mode: 'carryForward' });
    const longer = { ...entry, seconds: 43_200, billableSeconds: 43_200 };
    const longest = { ...entry, seconds: 46_800, billableSeconds: 46_800 };
    const carried = measureLateEdits(rule, october, [entry], [longer]);
    if (!carried) throw new Error('no late edit measured');
    const locked = computeStatement({ charter: rule, ...october, records: [entry], quarantine: [] });
    const revised = computeStatement({
      charter: rule,
      ...october,
      revision: 1,
      records: [longest],
      quarantine: [],
    });
    const note = reviseStatement(locked, revised);
    expect(note.billingDifference.amount).toBe('360.00');
    const net = netOfCarried(note, [carried], true);
    // 2 h were carried into November; the revision settles only the third hour.
    expect(net.kind).toBe('debit-note');
    expect(net.billingDifference.amount).toBe('120.00');
    expect(net.costDifference.amount).toBe('72.00');
    expect(net.lines.map((l) => l.difference.amount)).toEqual(['120.00']);
    expect(net.alreadyCarried?.billing.amount).toBe('240.00');
    // Everything carried already: nothing left to note.
    const same = computeStatement({
      charter: rule,
      ...october,
      revision: 1,
      records: [longer],
      quarantine: [],
    });
    expect(netOfCarried(reviseStatement(locked, same), [carried], true).kind).toBe('none');
    // Reported or revision-proposed periods were not carried: nothing is taken off.
    expect(netOfCarried(note, [{ ...carried, action: 'reported' }], true)).toBe(note);
  });

  it('takes a record as removed only in a locked period the collection covered', () => {
    const locked = [
      { period: '2026-09', window: { from: '2026-09-01', to: '2026-10-01' } },
      { period: '2026-10', window: { from: '2026-10-01', to: '2026-11-01' } },
    ];
    // A file that still holds October rows covers October, not September.
    expect([...coveredPeriods(locked, undefined, ['2026-10-03', '2026-11-02'])]).toEqual(['2026-10']);
    // A live query over September and October asked for both.
    expect([...coveredPeriods(locked, { from: '2026-09-01', to: '2026-11-01' }, [])]).toEqual([
      '2026-09',
      '2026-10',
    ]);
    const stored = [
      { key: 'toggl#a', day: '2026-10-02', removed: false },
      { key: 'toggl#b', day: '2026-10-03', removed: false },
      { key: 'toggl#c', day: '2026-09-03', removed: false },
      { key: 'toggl#d', day: '2026-10-04', removed: true },
    ];
    expect(
      removedAtSource({
        stored,
        returned: new Set(['toggl#a']),
        covered: [locked[1]?.window ?? { from: '', to: '' }],
      }),
    ).toEqual(['toggl#b']);
  });

  it('lists a proposed revision until the lock moves on', () => {
    const proposal = { revision: 1, reason: 'late edits: 1 record(s) of 2026-10 changed' };
    const ledger = [{ period: '2026-10', lockSettlementId: 'p1_2026-10_r0', proposal }];
    const due = dueRevisions(
      'p1',
      [{ period: '2026-10', revision: 0, settlementId: 'p1_2026-10_r0' }],
      ledger,
    );
    expect(due).toEqual([
      expect.objectContaining({ period: '2026-10', revision: 1, reason: proposal.reason }),
    ]);
    expect(due[0]?.executionName).toMatch(/^p1-2026-10-r1-/);
    // Revision 1 settled: the lock names it, the proposal is spent.
    expect(
      dueRevisions('p1', [{ period: '2026-10', revision: 1, settlementId: 'p1_2026-10_r1' }], ledger),
    ).toEqual([]);
  });
});

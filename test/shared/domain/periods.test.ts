import { describe, expect, it } from 'vitest';
import { computeStatement } from '#domain/compute.ts';
import { InvalidPeriodError, PeriodLockedError, RevisionMismatchError } from '#domain/errors.ts';
import {
  defaultAsOf,
  lockPeriod,
  openingOf,
  parsePeriod,
  periodWindow,
  resolvePeriod,
  reviseStatement,
} from '#domain/periods.ts';
import { charterWith, time } from './fixtures.ts';

const H = 3600;
const charter = charterWith({
  rateCards: [{ role: 'dev', currency: 'EUR', costRate: '50', billRate: '100', effectiveFrom: '2026-01-01' }],
  people: [{ id: 'a', role: 'dev' }],
  milestones: [
    { id: 'm1', name: 'One', plannedStart: '2026-01-01', plannedEnd: '2026-03-31', plannedValue: '1' },
    { id: 'm2', name: 'Two', plannedStart: '2026-04-01', plannedEnd: '2026-06-30', plannedValue: '1' },
  ],
});

describe('periods', () => {
  it('parses the three selector forms and rejects anything else', () => {
    expect(parsePeriod('2026-10')).toEqual({ kind: 'month', month: '2026-10' });
    expect(parsePeriod('milestone:m1')).toEqual({ kind: 'milestone', milestoneId: 'm1' });
    expect(parsePeriod('final')).toEqual({ kind: 'final' });
    expect(() => parsePeriod('2026-13')).toThrow(InvalidPeriodError);
    expect(() => parsePeriod('October')).toThrow(InvalidPeriodError);
  });

  it('gives a month a half-open window, across the year end too', () => {
    expect(periodWindow(charter, parsePeriod('2026-12'))).toEqual({ from: '2026-12-01', to: '2027-01-01' });
    expect(defaultAsOf(charter, parsePeriod('2026-02'))).toBe('2026-02-28');
  });

  it('partitions the calendar between milestones so nothing is counted twice', () => {
    expect(periodWindow(charter, parsePeriod('milestone:m1'))).toEqual({
      from: '0001-01-01',
      to: '2026-04-01',
    });
    expect(periodWindow(charter, parsePeriod('milestone:m2'))).toEqual({
      from: '2026-04-01',
      to: '9999-12-31',
    });
  });

  it('only allows the selectors of the charter settlement mode', () => {
    expect(() => resolvePeriod(charter, 'milestone:m1')).toThrow(InvalidPeriodError);
    expect(() => resolvePeriod(charter, 'milestone:nope')).toThrow(InvalidPeriodError);
    expect(resolvePeriod(charter, 'final')).toEqual({ kind: 'final' });
  });

  it('keeps a settled period locked: a re-run is already settled, a revision needs an earlier one and a reason', () => {
    const base = { period: '2026-10', settlementId: 'p1_2026-10_r0', revision: 0, previousExists: false };
    const lock = { revision: 0, settlementId: 'p1_2026-10_r0' };
    expect(openingOf(base)).toBe('claim');
    expect(openingOf({ ...base, lock, existingStatus: 'settled' })).toBe('already-settled');
    // Failed after Finalise (Archive or Notify): the locking settlement is carried to the end.
    expect(openingOf({ ...base, lock, existingStatus: 'approved' })).toBe('claim');
    expect(() => openingOf({ ...base, settlementId: 'p1_2026-10_r0x', lock })).toThrow(PeriodLockedError);
    const revision = { ...base, revision: 1, settlementId: 'p1_2026-10_r1' };
    expect(() => openingOf({ ...revision, reason: 'Late supplier invoice' })).toThrow(
      /settle revision 0 first/,
    );
    expect(() => openingOf({ ...revision, lock, reason: '  ' })).toThrow(InvalidPeriodError);
    expect(openingOf({ ...revision, lock, reason: 'Late supplier invoice' })).toBe('claim');
    expect(openingOf({ ...revision, previousExists: true, reason: 'Rejected; corrected rates' })).toBe(
      'claim',
    );
  });

  it('yields a debit or credit note for a revision and never edits the locked statement', () => {
    const base = [time('a', '2026-10-05T09:00:00Z', 10 * H)];
    const r0 = computeStatement({
      charter,
      records: base,
      period: '2026-10',
      asOf: '2026-10-31',
      revision: 0,
      quarantine: [],
    });
    const frozen = JSON.stringify(r0);
    expect(lockPeriod(r0, 'sha256:abc')).toEqual({
      projectId: 'p1',
      period: '2026-10',
      revision: 0,
      statementHash: 'sha256:abc',
    });
    const more = [...base, time('a', '2026-10-06T09:00:00Z', 2 * H)];
    const r1 = computeStatement({
      charter,
      records: more,
      period: '2026-10',
      asOf: '2026-10-31',
      revision: 1,
      quarantine: [],
    });
    const debit = reviseStatement(r0, r1, 'Late timesheet');
    expect(debit).toMatchObject({
      kind: 'debit-note',
      fromRevision: 0,
      toRevision: 1,
      reason: 'Late timesheet',
      billingDifference: { amount: '200.00', currency: 'EUR' }, // 2 h × 100
      costDifference: { amount: '100.00', currency: 'EUR' },
    });
    expect(debit.lines).toHaveLength(1);
    expect(debit.lines[0]).toMatchObject({ previous: { amount: '1000.00' }, current: { amount: '1200.00' } });
    const r2 = computeStatement({
      charter,
      records: [],
      period: '2026-10',
      asOf: '2026-10-31',
      revision: 2,
      quarantine: [],
    });
    expect(reviseStatement(r1, r2).kind).toBe('credit-note');
    expect(reviseStatement(r1, r2).billingDifference.amount).toBe('-1200.00');
    expect(JSON.stringify(r0)).toBe(frozen);
    expect(() => reviseStatement(r1, r0)).toThrow(RevisionMismatchError);
  });
});

import { describe, expect, it } from 'vitest';
import { decideAttempt, type PreviousAttempt, RetryPolicy, summaryLines } from '#domain/attempts.ts';
import { dueSettlements } from '#domain/due.ts';
import {
  assessReadiness,
  periodEnd,
  readinessDeadline,
  readinessFacts,
  settlesFrom,
} from '#domain/readiness.ts';
import { charterWith, cost, time } from './fixtures.ts';

const rule = { settleAfterDays: 3, approvedTime: true, finalCloudCost: true, files: true, deadlineDays: 10 };
const periodic = charterWith({ schedule: { start: '2026-09-01', end: '2026-12-15' }, readiness: rule });

describe('cut-off', () => {
  it('settles a month so many days after its last day, the last month at the project’s end', () => {
    expect(periodEnd(periodic, '2026-10')).toBe('2026-10-31');
    expect(periodEnd(periodic, '2026-12')).toBe('2026-12-15');
    expect(settlesFrom(periodic, '2026-10')).toBe('2026-11-04');
    expect(readinessDeadline(periodic, '2026-10')).toBe('2026-11-10');
    const periods = (asOf: string) => dueSettlements(periodic, asOf, new Set()).map((d) => d.period);
    expect(periods('2026-11-03')).toEqual(['2026-09']);
    expect(periods('2026-11-04')).toEqual(['2026-09', '2026-10']);
    expect(periods('2026-12-18')).toEqual(['2026-09', '2026-10', '2026-11']);
    expect(periods('2026-12-19')).toEqual(['2026-09', '2026-10', '2026-11', '2026-12']);
  });

  it('leaves the due periods as they were without a rule (the night after the period ends)', () => {
    const plain = charterWith({ schedule: { start: '2026-09-01', end: '2026-12-15' } });
    expect(dueSettlements(plain, '2026-11-01', new Set()).map((d) => d.period)).toEqual([
      '2026-09',
      '2026-10',
    ]);
    expect(settlesFrom(plain, '2026-10')).toBe('2026-11-01');
  });

  it('applies to milestones: the day after the planned end plus the cut-off', () => {
    const charter = charterWith({
      settlement: { mode: 'milestone' },
      milestones: [
        {
          id: 'm1',
          name: 'One',
          plannedStart: '2026-09-01',
          plannedEnd: '2026-10-15',
          plannedValue: '100.00',
        },
      ],
      readiness: { ...rule, settleAfterDays: 2 },
    });
    expect(dueSettlements(charter, '2026-10-17', new Set())).toEqual([]);
    expect(dueSettlements(charter, '2026-10-18', new Set()).map((d) => d.period)).toEqual(['milestone:m1']);
  });
});

describe('assessReadiness', () => {
  it('is ready without a rule, whatever the data', () => {
    const facts = readinessFacts('t', 'clockify', [
      time('a', '2026-10-01T08:00:00Z', 60, { approval: 'pending' }),
    ]);
    expect(assessReadiness(undefined, [facts])).toEqual({ ready: true, missing: [], notes: [] });
  });

  it('names unapproved time per source with its people, estimated cost and files not imported', () => {
    const records = [
      time('b@x', '2026-10-01T08:00:00Z', 60, { approval: 'pending' }),
      time('a@x', '2026-10-02T08:00:00Z', 60, { approval: 'rejected' }),
      time('a@x', '2026-10-03T08:00:00Z', 60, { approval: 'pending' }),
      time('c@x', '2026-10-04T08:00:00Z', 60, { approval: 'approved' }),
      cost('cloud', '10.00', '2026-10-01', { estimated: true }),
      cost('cloud', '5.00', '2026-10-01'),
    ];
    const facts = readinessFacts('clock', 'clockify', records);
    expect(facts).toEqual({
      sourceId: 'clock',
      connector: 'clockify',
      timeEntries: 4,
      approvalKnown: 4,
      unapproved: 3,
      unapprovedPeople: ['a@x', 'b@x'],
      estimated: 1,
    });
    const missingFile = { ...readinessFacts('ovh', 'csv', []), missingFile: 'overheads.csv' };
    expect(assessReadiness(rule, [facts, missingFile])).toEqual({
      ready: false,
      missing: [
        'clock: 3 of 4 time entries not approved (a@x, b@x)',
        'clock: 1 cost figure(s) still estimated at the source',
        'ovh: file overheads.csv is not imported yet',
      ],
      notes: [],
    });
  });

  it('checks only what the rule asks, and says which sources do not state approval', () => {
    const toggl = readinessFacts('toggl', 'toggl', [time('a@x', '2026-10-01T08:00:00Z', 60)]);
    const estimated = readinessFacts('aws', 'aws-cost-explorer', [
      cost('cloud', '1.00', '2026-10-01', { estimated: true }),
    ]);
    expect(assessReadiness(rule, [toggl])).toEqual({
      ready: true,
      missing: [],
      notes: ['toggl: toggl does not state whether time is approved; not checked'],
    });
    expect(assessReadiness({ ...rule, finalCloudCost: false }, [estimated]).ready).toBe(true);
    expect(assessReadiness(rule, [estimated]).ready).toBe(false);
    const missingFile = { ...readinessFacts('ovh', 'csv', []), missingFile: 'o.csv' };
    expect(assessReadiness({ ...rule, files: false }, [missingFile]).ready).toBe(true);
  });
});

describe('waiting in the retry policy', () => {
  const policy = RetryPolicy.parse({ maxAttempts: 2 });
  const waiting: PreviousAttempt = {
    status: 'waiting',
    attempt: 5,
    waits: 5,
    asOf: '2026-11-08',
    missing: ['clock: 1 of 2 time entries not approved (a@x)'],
    deadline: '2026-11-08',
  };

  it('starts the next attempt every night, whatever the maximum, once a night', () => {
    expect(decideAttempt(waiting, '2026-11-09', policy)).toMatchObject({ start: true, attempt: 6 });
    expect(decideAttempt(waiting, '2026-11-08', policy)).toMatchObject({
      start: false,
      reason: { why: 'tried-tonight' },
    });
  });

  it('counts only failed attempts against the maximum', () => {
    const failedAfterWaits = { ...waiting, status: 'failed', attempt: 6, waits: 5 };
    expect(decideAttempt(failedAfterWaits, '2026-11-09', policy)).toMatchObject({ start: true, attempt: 7 });
    expect(decideAttempt({ ...failedAfterWaits, attempt: 7 }, '2026-11-10', policy)).toMatchObject({
      start: false,
      reason: { why: 'max-attempts' },
    });
    expect(
      summaryLines([
        {
          projectId: 'p',
          period: '2026-10',
          revision: 0,
          reason: { kind: 'left', previous: { ...failedAfterWaits, attempt: 7 }, why: 'max-attempts' },
        },
      ])[0],
    ).toContain("not retried: 2 attempts made (the policy's maximum)");
  });

  it('says in the daily summary what the period waits for and from when it is overdue', () => {
    const [line] = summaryLines([
      {
        projectId: 'p',
        period: '2026-10',
        revision: 0,
        reason: { kind: 'started', attempt: 6, after: waiting },
      },
    ]);
    expect(line).toBe(
      'p 2026-10 r0: attempt 6 started tonight; attempt 5 waiting for its data (overdue from 2026-11-08): clock: 1 of 2 time entries not approved (a@x)',
    );
  });
});

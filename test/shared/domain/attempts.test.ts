import { describe, expect, it } from 'vitest';
import { decideAttempt, type PreviousAttempt, RetryPolicy, summaryLines } from '#domain/attempts.ts';
import { settlementExecutionName } from '#domain/due.ts';

const policy = RetryPolicy.parse({});
const failed: PreviousAttempt = {
  status: 'failed',
  attempt: 1,
  asOf: '2026-11-05',
  error: { name: 'SourceAuthError', cause: 'token expired' },
};

describe('decideAttempt', () => {
  it('starts attempt 1 when nothing was tried', () => {
    expect(decideAttempt(undefined, '2026-11-05', policy)).toEqual({
      start: true,
      attempt: 1,
      reason: { kind: 'started', attempt: 1 },
    });
  });

  it('starts the next attempt of a retried outcome from an earlier night', () => {
    expect(decideAttempt(failed, '2026-11-06', policy)).toMatchObject({ start: true, attempt: 2 });
    const needs = { ...failed, status: 'needs-attention' };
    expect(decideAttempt(needs, '2026-11-06', policy)).toMatchObject({ start: true, attempt: 2 });
  });

  it('tries once per night, stops at the maximum and leaves outcomes the policy does not retry', () => {
    expect(decideAttempt(failed, '2026-11-05', policy)).toMatchObject({
      start: false,
      reason: { why: 'tried-tonight' },
    });
    expect(decideAttempt({ ...failed, attempt: 3 }, '2026-11-09', policy)).toMatchObject({
      start: false,
      reason: { why: 'max-attempts' },
    });
    expect(decideAttempt({ ...failed, status: 'rejected' }, '2026-11-06', policy)).toMatchObject({
      start: false,
      reason: { why: 'not-retried' },
    });
    const rejectedToo = RetryPolicy.parse({ outcomes: ['rejected'] });
    expect(decideAttempt({ ...failed, status: 'rejected' }, '2026-11-06', rejectedToo)).toMatchObject({
      start: true,
    });
  });

  it('leaves a settlement in progress, awaiting approval included', () => {
    const waiting = { ...failed, status: 'awaiting-approval', updatedAt: '2026-11-05T02:31:00Z' };
    const decision = decideAttempt(waiting, '2026-11-08', policy);
    expect(decision.start).toBe(false);
    expect(
      summaryLines([{ projectId: 'p', period: '2026-10', revision: 0, reason: decision.reason }]),
    ).toEqual(['p 2026-10 r0: awaiting approval since 2026-11-05T02:31:00Z']);
  });
});

describe('summaryLines', () => {
  it('names the error, the checks and the rejection, ordered by project and period', () => {
    const lines = summaryLines([
      {
        projectId: 'b',
        period: '2026-10',
        revision: 0,
        reason: { kind: 'left', previous: { ...failed, attempt: 3 }, why: 'max-attempts' },
      },
      {
        projectId: 'a',
        period: '2026-11',
        revision: 0,
        reason: {
          kind: 'left',
          previous: {
            ...failed,
            status: 'rejected',
            rejection: { by: 'cfo@x.example', comment: 'rates wrong' },
          },
          why: 'not-retried',
        },
      },
      {
        projectId: 'a',
        period: '2026-10',
        revision: 0,
        reason: {
          kind: 'started',
          attempt: 2,
          after: { ...failed, status: 'needs-attention', checks: ['Acceptance sign-off — missing'] },
        },
      },
    ]);
    expect(lines).toEqual([
      'a 2026-10 r0: attempt 2 started tonight; attempt 1 needs attention: Acceptance sign-off — missing',
      'a 2026-11 r0: attempt 1 rejected by cfo@x.example: rates wrong; not retried: the retry policy leaves this outcome to a person',
      "b 2026-10 r0: attempt 3 failed: SourceAuthError (token expired); not retried: 3 attempts made (the policy's maximum)",
    ]);
  });
});

describe('settlementExecutionName', () => {
  it('keeps attempt 1’s name and gives every later attempt its own', () => {
    const first = settlementExecutionName('atlas', '2026-10', 0);
    expect(settlementExecutionName('atlas', '2026-10', 0, 1)).toBe(first);
    const names = [1, 2, 3].map((a) => settlementExecutionName('atlas', '2026-10', 0, a));
    expect(new Set(names).size).toBe(3);
    expect(names[1]).toMatch(/^atlas-2026-10-r0-a2-[0-9a-f]{12}$/);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(80);
  });
});

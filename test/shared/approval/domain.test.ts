import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainFor, initialApprovalState } from '#approval/chain.ts';
import { activeDelegation } from '#approval/delegation.ts';
import { composeApprovalEmail } from '#approval/email.ts';
import { escapeHtml, formatMoney, pickLocale } from '#approval/i18n.ts';
import {
  approvalLink,
  checkLink,
  describeActor,
  hashSecret,
  newRequestId,
  newSecret,
  nextApprovalState,
} from '#approval/links.ts';
import type { ApprovalRequest, Approver, Delegation } from '#approval/model.ts';
import { renderApprovalPage } from '#approval/page.ts';
import { ApprovalSummary } from '#approval/summary.ts';
import { nextTimeoutStep, resolveTimings } from '#approval/timings.ts';

const pm: Approver = { email: 'pm@x.test', name: 'PM', role: 'Project manager' };
const finance: Approver = { email: 'fin@x.test', name: 'Fin', role: 'Finance', minAmount: '0' };
const director: Approver = { email: 'dir@x.test', name: 'Dir', role: 'Director', minAmount: '50000.00' };

const timings = { reminderAfterSeconds: 3600, escalateAfterSeconds: 7200, expireAfterSeconds: 10800 };

function request(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    requestId: 'r'.repeat(22),
    tenantId: 'acme',
    settlementId: 's1',
    projectId: 'p1',
    period: '2026-10',
    revision: 0,
    step: 0,
    steps: 2,
    approver: pm,
    status: 'pending',
    grants: {
      [hashSecret('s'.repeat(43))]: { email: pm.email, name: pm.name, kind: 'approver', issuedAt: 'x' },
    },
    phase: 'initial',
    createdAt: '2026-11-01T00:00:00.000Z',
    expiresAt: '2026-11-08T00:00:00.000Z',
    timings,
    summaryKey: 'drafts/s1/summary.json',
    ...overrides,
  };
}

describe('the approval chain', () => {
  it('takes approvers by amount threshold, in charter order', () => {
    expect(chainFor([pm, finance, director], '20000.00').map((a) => a.role)).toEqual([
      'Project manager',
      'Finance',
    ]);
    expect(chainFor([pm, finance, director], '50000.00').map((a) => a.role)).toEqual([
      'Project manager',
      'Finance',
      'Director',
    ]);
    expect(chainFor([pm, finance, director], '-10.00').map((a) => a.role)).toEqual(['Project manager']);
  });

  it('never drops an approver when the amount grows, and keeps the charter order', () => {
    const approver = fc.record({
      email: fc.constantFrom('a@x.test', 'b@x.test', 'c@x.test'),
      name: fc.string({ minLength: 1 }),
      role: fc.string({ minLength: 1 }),
      minAmount: fc.option(
        fc.integer({ min: 0, max: 100_000 }).map((n) => `${n}.00`),
        { nil: undefined },
      ),
    });
    fc.assert(
      fc.property(fc.array(approver, { maxLength: 6 }), fc.nat(100_000), fc.nat(100_000), (list, x, y) => {
        const [low, high] = x <= y ? [x, y] : [y, x];
        const small = chainFor(list, `${low}.00`);
        const big = chainFor(list, `${high}.00`);
        expect(big.length).toBeGreaterThanOrEqual(small.length);
        const indices = big.map((a) =>
          list.findIndex((b) => b.email === a.email && b.name === a.name && b.role === a.role),
        );
        expect(indices.every((i) => i >= 0)).toBe(true);
        expect(list.filter((a) => a.minAmount === undefined).length).toBeLessThanOrEqual(small.length);
      }),
    );
  });

  it('starts the approval loop at step 0, waiting until the first reminder', () => {
    expect(initialApprovalState([pm, finance, director], '60000', timings)).toEqual({
      step: 0,
      steps: 3,
      waitSeconds: 3600,
      phase: 'initial',
    });
    expect(() => initialApprovalState([director], '10', timings)).toThrow('no approver');
  });
});

describe('approval timings', () => {
  it('prefers the charter over the environment and the defaults', () => {
    expect(resolveTimings(undefined, {})).toEqual({
      reminderAfterSeconds: 48 * 3600,
      escalateAfterSeconds: 96 * 3600,
      expireAfterSeconds: 7 * 86400,
    });
    expect(
      resolveTimings({ reminderHours: 2 }, { APPROVAL_TTL_DAYS: '1', APPROVAL_ESCALATION_HOURS: '12' }),
    ).toEqual({
      reminderAfterSeconds: 7200,
      escalateAfterSeconds: 43200,
      expireAfterSeconds: 86400,
    });
    expect(() => resolveTimings(undefined, { APPROVAL_TTL_DAYS: 'soon' })).toThrow('not a positive number');
  });

  it('keeps reminder < escalation < expiry whatever the settings', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.00001, max: 30, noNaN: true }),
        fc.double({ min: 0.00001, max: 1000, noNaN: true }),
        fc.double({ min: 0.00001, max: 1000, noNaN: true }),
        (ttlDays, reminderHours, escalationHours) => {
          const t = resolveTimings({ ttlDays, reminderHours, escalationHours }, {});
          expect(t.reminderAfterSeconds).toBeGreaterThanOrEqual(1);
          expect(t.reminderAfterSeconds).toBeLessThan(t.escalateAfterSeconds);
          expect(t.escalateAfterSeconds).toBeLessThan(t.expireAfterSeconds);
        },
      ),
    );
  });

  it('moves initial → reminder → escalation → expire, measured from the request creation', () => {
    const created = new Date('2026-11-01T00:00:00Z');
    expect(nextTimeoutStep('initial', created, timings, new Date('2026-11-01T01:00:00Z'))).toEqual({
      kind: 'wait',
      phase: 'reminder',
      waitSeconds: 3600,
    });
    expect(nextTimeoutStep('reminder', created, timings, new Date('2026-11-01T02:10:00Z'))).toEqual({
      kind: 'wait',
      phase: 'escalation',
      waitSeconds: 3000,
    });
    expect(nextTimeoutStep('reminder', created, timings, new Date('2026-11-02T00:00:00Z'))).toMatchObject({
      waitSeconds: 1,
    });
    expect(nextTimeoutStep('escalation', created, timings, new Date('2026-11-01T03:00:00Z'))).toEqual({
      kind: 'expire',
    });
  });
});

describe('approval links', () => {
  it('makes url-safe ids and secrets of at least 128 bits', () => {
    const ids = new Set(Array.from({ length: 200 }, newRequestId));
    expect(ids.size).toBe(200);
    expect(newRequestId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(approvalLink('https://a.test/', 'abc', 'x-y_z')).toBe('https://a.test/approvals/abc?s=x-y_z');
  });

  it('accepts only the right secret of the right tenant before the expiry', () => {
    const now = new Date('2026-11-02T00:00:00Z');
    const secret = 's'.repeat(43);
    expect(checkLink(request(), secret, 'acme', now)).toMatchObject({ ok: true, grant: { email: pm.email } });
    expect(checkLink(undefined, secret, 'acme', now)).toEqual({ ok: false, problem: 'unknown' });
    expect(checkLink(request(), secret, 'globex', now)).toEqual({ ok: false, problem: 'forbidden' });
    expect(checkLink(request(), 't'.repeat(43), 'acme', now)).toEqual({ ok: false, problem: 'forbidden' });
    expect(checkLink(request({ status: 'decided' }), secret, 'acme', now)).toEqual({
      ok: false,
      problem: 'used',
    });
    expect(checkLink(request({ status: 'superseded' }), secret, 'acme', now)).toEqual({
      ok: false,
      problem: 'superseded',
    });
    expect(checkLink(request(), secret, 'acme', new Date('2026-11-08T00:00:00Z'))).toEqual({
      ok: false,
      problem: 'expired',
    });
    // A wrong secret learns nothing about the state.
    expect(checkLink(request({ status: 'decided' }), 't'.repeat(43), 'acme', now)).toEqual({
      ok: false,
      problem: 'forbidden',
    });
  });

  it('accepts no secret but the one whose hash is stored', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{22,64}$/), (guess) => {
        fc.pre(guess !== 's'.repeat(43));
        expect(checkLink(request(), guess, 'acme', new Date('2026-11-02T00:00:00Z')).ok).toBe(false);
      }),
    );
  });

  it('hands the state machine the next approval state', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.nat(5), fc.boolean(), (steps, s, approve) => {
        const step = s % steps;
        const out = nextApprovalState(
          request({ step, steps }),
          approve ? 'approved' : 'rejected',
          'pm@x.test',
          'c',
        );
        expect(out.complete).toBe(step + 1 >= steps);
        expect(out.step).toBe(approve && step + 1 < steps ? step + 1 : step);
        expect(out.phase).toBe('initial');
        expect(out.waitSeconds).toBe(3600);
        expect(out.requestId === undefined).toBe(approve && step + 1 < steps);
      }),
    );
    expect(describeActor({ email: 'd@x.test', onBehalfOf: 'pm@x.test' })).toBe('d@x.test for pm@x.test');
  });
});

describe('delegation windows', () => {
  const d = (
    id: string,
    validFrom: string,
    validTo: string,
    createdAt = '2026-10-01T00:00:00Z',
  ): Delegation => ({
    id,
    from: 'pm@x.test',
    to: `${id}@x.test`,
    validFrom,
    validTo,
    reason: 'leave',
    createdAt,
  });

  it('uses the delegation in force, the latest started one when windows overlap', () => {
    const list = [
      d('a', '2026-11-01T00:00:00Z', '2026-11-10T00:00:00Z'),
      d('b', '2026-11-05T00:00:00Z', '2026-11-07T00:00:00Z'),
    ];
    expect(activeDelegation(list, new Date('2026-11-02T00:00:00Z'))?.id).toBe('a');
    expect(activeDelegation(list, new Date('2026-11-06T00:00:00Z'))?.id).toBe('b');
    expect(activeDelegation(list, new Date('2026-11-10T00:00:00Z'))).toBeUndefined();
    expect(activeDelegation(list, new Date('2026-10-31T23:59:59Z'))).toBeUndefined();
  });
});

describe('language and formatting', () => {
  it('picks the page language from ?lang= first, then Accept-Language by weight', () => {
    expect(pickLocale('zh-CN', 'en')).toBe('zh-CN');
    expect(pickLocale(undefined, 'fr;q=0.9, zh-TW;q=0.8, en;q=0.7')).toBe('zh-CN');
    expect(pickLocale(undefined, 'en;q=0.4, zh;q=0.9')).toBe('zh-CN');
    expect(pickLocale('xx', 'de')).toBe('en');
    expect(pickLocale(undefined, undefined)).toBe('en');
  });

  it('formats exact money without floating point', () => {
    expect(formatMoney({ amount: '1234567890123456789.05', currency: 'EUR' })).toBe(
      'EUR 1,234,567,890,123,456,789.05',
    );
    expect(formatMoney({ amount: '-360.00', currency: 'CNY' })).toBe('CNY -360.00');
    expect(formatMoney({ amount: '500', currency: 'JPY' })).toBe('JPY 500');
  });

  it('escapes everything a charter or a comment could inject', () => {
    expect(escapeHtml(`<script>"x"&'y'</script>`)).toBe(
      '&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;',
    );
  });
});

const summary = ApprovalSummary.parse({
  settlementId: 's1',
  project: { id: 'p1', name: '<img src=x onerror=alert(1)>' },
  period: { id: '2026-10' },
  currency: 'EUR',
  totals: { cost: { amount: '10.00', currency: 'EUR' }, billing: { amount: '20.00', currency: 'EUR' } },
  statement: { jsonKey: 'a', htmlKey: 'b' },
  approval: { amount: { amount: '20.00', currency: 'EUR' }, approvers: [pm] },
});

describe('rendering', () => {
  it('escapes charter text on the page and in the email', () => {
    const html = renderApprovalPage({
      locale: 'en',
      request: request(),
      grant: { email: pm.email, name: pm.name, kind: 'approver', issuedAt: 'x' },
      summary,
      pdfUrl: undefined,
      secret: 's'.repeat(43),
    });
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('The PDF of the draft is not available yet.');
    const email = composeApprovalEmail({
      kind: 'request',
      locale: 'zh-CN',
      recipientName: 'PM',
      approverName: 'PM',
      role: 'PM',
      step: 0,
      steps: 1,
      summary,
      link: 'https://a.test/approvals/x?s=y',
      expiresAt: '2026-11-08T00:00:00.000Z',
    });
    expect(email.html).not.toContain('<img');
    expect(email.subject).toContain('请审批');
    expect(email.text).toContain('https://a.test/approvals/x?s=y');
    expect(email.text).toContain('2026-11-08 00:00 UTC');
  });
});

describe('the approval page in the reader language', () => {
  it('formats amounts per locale and currency', async () => {
    const { formatMoneyIn } = await import('#approval/i18n.ts');
    expect(formatMoneyIn({ amount: '1234.56', currency: 'EUR' }, 'en')).toBe('€1,234.56');
    expect(formatMoneyIn({ amount: '1234.56', currency: 'CNY' }, 'zh-CN')).toBe('¥1,234.56');
  });

  it('titles contract checks in Chinese from their ids', async () => {
    const { checkTitle } = await import('#approval/i18n.ts');
    expect(checkTitle('zh-CN', 'acceptance:m1', 'Acceptance sign-off for Discovery')).toBe(
      'Discovery验收签字',
    );
    expect(checkTitle('zh-CN', 'rates', 'Every hour has a rate on the rate card')).toBe(
      '每个工时均有费率表中的费率',
    );
    expect(checkTitle('en', 'rates', 'Every hour has a rate on the rate card')).toBe(
      'Every hour has a rate on the rate card',
    );
  });
});

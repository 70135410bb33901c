import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attemptsLeft,
  type CodePolicy,
  type CodeState,
  codeMatches,
  codePolicyOf,
  codeRequiredFor,
  DEFAULT_CODE_POLICY,
  hashCode,
  isCodeLocked,
  issueCode,
  newCode,
  normaliseCode,
  precheckCode,
} from '#approval/one-time-code.ts';

const policy: CodePolicy = {
  from: [
    { amount: '50000.00', currency: 'EUR' },
    { amount: '5000000', currency: 'JPY' },
  ],
  ttlMinutes: 10,
  maxAttempts: 5,
  maxSends: 3,
};
const SECRET = 'k'.repeat(43);
const OTHER_SECRET = 'm'.repeat(43);
const NOW = new Date('2026-11-02T10:00:00Z');
const state: CodeState = { requestId: 'req-0123456789abcdef', codeRequired: true };

function issued(code = '042917', at = NOW) {
  const result = issueCode(
    state,
    { code, linkSecret: SECRET, secretHash: 'hash-of-link', email: 'fin@acme.test', now: at },
    policy,
  );
  if (!result.ok) throw new Error(result.refusal);
  return result.issued;
}

describe('the code threshold', () => {
  it('is off by default: no amount needs a code', () => {
    expect(codeRequiredFor({ amount: '99999999.99', currency: 'EUR' }, DEFAULT_CODE_POLICY)).toBe(false);
    expect(codePolicyOf({})).toEqual(DEFAULT_CODE_POLICY);
  });

  it('needs a code from the threshold on, compared exactly in minor units', () => {
    expect(codeRequiredFor({ amount: '49999.99', currency: 'EUR' }, policy)).toBe(false);
    expect(codeRequiredFor({ amount: '50000.00', currency: 'EUR' }, policy)).toBe(true);
    expect(codeRequiredFor({ amount: '50000', currency: 'EUR' }, policy)).toBe(true);
    expect(codeRequiredFor({ amount: '4999999', currency: 'JPY' }, policy)).toBe(false);
    expect(codeRequiredFor({ amount: '5000000', currency: 'JPY' }, policy)).toBe(true);
  });

  it('needs a code for a large credit note too (absolute value)', () => {
    expect(codeRequiredFor({ amount: '-60000.00', currency: 'EUR' }, policy)).toBe(true);
    expect(codeRequiredFor({ amount: '-100.00', currency: 'EUR' }, policy)).toBe(false);
  });

  it('fails closed in a currency without a threshold (nothing converts it)', () => {
    expect(codeRequiredFor({ amount: '1.00', currency: 'USD' }, policy)).toBe(true);
  });

  it('agrees with integer cents for any amount (no float in the comparison)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), (cents) => {
        const amount = `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
        expect(codeRequiredFor({ amount, currency: 'EUR' }, policy)).toBe(cents >= 5_000_000n);
      }),
    );
  });

  it('reads the tenant environment and names the variable it refuses', () => {
    expect(
      codePolicyOf({
        APPROVAL_CODE_FROM: '50000.00 EUR, 60000 USD',
        APPROVAL_CODE_MINUTES: '5',
        APPROVAL_CODE_ATTEMPTS: '3',
      }),
    ).toEqual({
      from: [
        { amount: '50000.00', currency: 'EUR' },
        { amount: '60000', currency: 'USD' },
      ],
      ttlMinutes: 5,
      maxAttempts: 3,
      maxSends: DEFAULT_CODE_POLICY.maxSends,
    });
    expect(() => codePolicyOf({ APPROVAL_CODE_FROM: '5e4 EUR' })).toThrow(/APPROVAL_CODE_FROM: "5e4 EUR"/);
    expect(() => codePolicyOf({ APPROVAL_CODE_FROM: '1 EUR,2 EUR' })).toThrow(/one threshold per currency/);
    expect(() => codePolicyOf({ APPROVAL_CODE_ATTEMPTS: '0' })).toThrow(/APPROVAL_CODE_ATTEMPTS/);
  });
});

describe('a one-time code', () => {
  it('is six random digits', () => {
    const codes = Array.from({ length: 200 }, newCode);
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    expect(new Set(codes).size).toBeGreaterThan(190);
  });

  it('is stored only as a hash keyed with the link secret, never as the code', () => {
    const stored = issued('042917');
    expect(JSON.stringify(stored)).not.toContain('042917');
    expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
    // Without the link secret (not stored anywhere) the million codes cannot be tried against it.
    expect(stored.hash).not.toBe(hashCode(OTHER_SECRET, state.requestId, '042917'));
    expect(stored.hash).not.toBe(hashCode(SECRET, 'another-request-id', '042917'));
    expect(codeMatches(stored, SECRET, state.requestId, '042917')).toBe(true);
    expect(codeMatches(stored, SECRET, state.requestId, '042918')).toBe(false);
    expect(codeMatches(stored, OTHER_SECRET, state.requestId, '042917')).toBe(false);
  });

  it('expires after the policy minutes', () => {
    const stored = issued();
    expect(stored.expiresAt).toBe('2026-11-02T10:10:00.000Z');
    const withCode = { ...state, otp: stored };
    const at = (iso: string) =>
      precheckCode(withCode, { code: '042917', secretHash: 'hash-of-link', now: new Date(iso) }, policy);
    expect(at('2026-11-02T10:09:59Z')).toBe('ready');
    expect(at('2026-11-02T10:10:00Z')).toBe('expired');
  });

  it('works only from the link it was sent for', () => {
    const withCode = { ...state, otp: issued() };
    expect(precheckCode(withCode, { code: '042917', secretHash: 'another-link', now: NOW }, policy)).toBe(
      'none',
    );
    expect(precheckCode(state, { code: '042917', secretHash: 'hash-of-link', now: NOW }, policy)).toBe(
      'none',
    );
  });

  it('is refused without spending an attempt when it is not six digits', () => {
    const withCode = { ...state, otp: issued() };
    expect(precheckCode(withCode, { code: '04291', secretHash: 'hash-of-link', now: NOW }, policy)).toBe(
      'malformed',
    );
    expect(normaliseCode(' 042 917 ')).toBe('042917');
    expect(normaliseCode('042-917')).toBe('042917');
  });

  it('locks approving once every attempt is spent, and no new code is sent then', () => {
    const spent = (n: number) => ({ ...state, otp: issued(), codeAttempts: n });
    expect(attemptsLeft(spent(0), policy)).toBe(5);
    expect(attemptsLeft(spent(4), policy)).toBe(1);
    expect(isCodeLocked(spent(4), policy)).toBe(false);
    expect(isCodeLocked(spent(5), policy)).toBe(true);
    expect(precheckCode(spent(5), { code: '042917', secretHash: 'hash-of-link', now: NOW }, policy)).toBe(
      'locked',
    );
    const again = issueCode(
      spent(5),
      { code: '111111', linkSecret: SECRET, secretHash: 'hash-of-link', email: 'fin@acme.test', now: NOW },
      policy,
    );
    expect(again).toEqual({ ok: false, refusal: 'locked' });
  });

  it('is sent at most maxSends times per request', () => {
    const input = {
      code: '111111',
      linkSecret: SECRET,
      secretHash: 'hash-of-link',
      email: 'fin@acme.test',
      now: NOW,
    };
    expect(issueCode({ ...state, codeSends: 2 }, input, policy).ok).toBe(true);
    expect(issueCode({ ...state, codeSends: 3 }, input, policy)).toEqual({
      ok: false,
      refusal: 'sends-exhausted',
    });
  });
});

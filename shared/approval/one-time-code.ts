import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { type Money, toMinor } from '#domain/money.ts';

/**
 * # One-time codes: approval that fits the amount
 *
 * Above the tenant's threshold the emailed link alone does not approve: the Approve button emails a
 * six-digit code to the address the link was sent to, and only the right code completes the approval.
 * A forwarded link, a link read from a proxy log or a browser history, or a link a mail scanner
 * followed no longer approves a large settlement on its own.
 *
 * - Stored only as an HMAC-SHA256 keyed with the link's secret (which is itself never stored): a
 *   million possible codes are trivial to brute-force from a plain hash, but not without the key.
 * - Bound to the link it was requested from (the grant's secret hash) and to the request.
 * - Expires after `ttlMinutes`; a new code replaces the previous one; at most `maxSends` per request.
 * - Every comparison consumes one of `maxAttempts` per request (counted atomically before the
 *   comparison, so concurrent guesses cannot exceed it); when they are used up approving is locked.
 * - Single use: the decision's conditional write requires the code's hash and removes the code.
 * - Rejecting needs no code: it moves no money and the settlement can be run again.
 *
 * Pure functions: the caller passes the clock's time and the random code.
 */

/** The tenant's code policy (APPROVAL_CODE_* environment; infra/cdk/tenants.ts documents the file). */
export interface CodePolicy {
  /** One threshold per currency; empty = codes are off (the default). Inclusive, by absolute value. */
  readonly from: readonly Money[];
  /** Minutes a code stays valid. */
  readonly ttlMinutes: number;
  /** Code comparisons per request (right or wrong) before approving is locked. */
  readonly maxAttempts: number;
  /** Codes emailed per request (a new code replaces the previous one). */
  readonly maxSends: number;
}

export const DEFAULT_CODE_POLICY: CodePolicy = { from: [], ttlMinutes: 10, maxAttempts: 5, maxSends: 3 };

/**
 * The policy from the tenant's environment: `APPROVAL_CODE_FROM` lists "<amount> <currency>" pairs
 * separated by commas; `APPROVAL_CODE_MINUTES` and `APPROVAL_CODE_ATTEMPTS` override the defaults.
 * Throws a RangeError naming the variable when a value is not what it should be.
 */
export function codePolicyOf(env: {
  readonly APPROVAL_CODE_FROM?: string | undefined;
  readonly APPROVAL_CODE_MINUTES?: string | undefined;
  readonly APPROVAL_CODE_ATTEMPTS?: string | undefined;
}): CodePolicy {
  const from = (env.APPROVAL_CODE_FROM ?? '')
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const match = /^(\d+(?:\.\d+)?)\s+([A-Z]{3})$/.exec(pair);
      if (!match?.[1] || !match[2])
        throw new RangeError(
          `APPROVAL_CODE_FROM: "${pair}" is not "<amount> <currency>" such as "50000.00 EUR"`,
        );
      return { amount: match[1], currency: match[2] };
    });
  if (new Set(from.map((t) => t.currency)).size !== from.length)
    throw new RangeError('APPROVAL_CODE_FROM: one threshold per currency');
  const whole = (name: 'APPROVAL_CODE_MINUTES' | 'APPROVAL_CODE_ATTEMPTS', fallback: number, max: number) => {
    const value = env[name]?.trim();
    if (!value) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max)
      throw new RangeError(`${name}: "${value}" is not a whole number 1–${max}`);
    return n;
  };
  return {
    ...DEFAULT_CODE_POLICY,
    from,
    ttlMinutes: whole('APPROVAL_CODE_MINUTES', DEFAULT_CODE_POLICY.ttlMinutes, 60),
    maxAttempts: whole('APPROVAL_CODE_ATTEMPTS', DEFAULT_CODE_POLICY.maxAttempts, 10),
  };
}

/** The code as stored on the approval request: no code, only its keyed hash. */
export interface IssuedCode {
  /** HMAC-SHA256 (hex) of `<requestId>:<code>` keyed with the link's secret. */
  readonly hash: string;
  /** The link (its grant's secret hash) the code was requested from; only that link can use it. */
  readonly secretHash: string;
  /** Where it was sent (the grant's address). */
  readonly email: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
}

/** The approval request's code fields (see model.ts ApprovalRequest). */
export interface CodeState {
  readonly requestId: string;
  /** Fixed when the request is created: the amount reached the threshold then. */
  readonly codeRequired?: boolean;
  readonly otp?: IssuedCode;
  readonly codeSends?: number;
  readonly codeAttempts?: number;
}

export const CODE_PATTERN = /^\d{6}$/;

/** A six-digit code from the CSPRNG, zero-padded. */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** What an approver typed, without spaces and dashes ("123 456", "123-456"). */
export function normaliseCode(typed: string): string {
  return typed.replace(/[\s-]/g, '');
}

/** The stored form of a code: HMAC keyed with the link secret, so the table alone cannot reveal it. */
export function hashCode(linkSecret: string, requestId: string, code: string): string {
  return createHmac('sha256', linkSecret).update(`${requestId}:${code}`, 'utf8').digest('hex');
}

/**
 * Whether approving `amount` needs a code. Off when the policy lists no threshold. An amount in a
 * currency the policy has no threshold for needs a code (fail closed: nothing converts it).
 * Compared exactly in minor units, by absolute value (a large credit note is as material).
 */
export function codeRequiredFor(amount: Money, policy: Pick<CodePolicy, 'from'>): boolean {
  if (policy.from.length === 0) return false;
  const threshold = policy.from.find((t) => t.currency === amount.currency);
  if (!threshold) return true;
  const minor = toMinor(amount);
  return (minor < 0n ? -minor : minor) >= toMinor(threshold);
}

/** Attempts left after `used` comparisons. */
export function attemptsLeft(state: Pick<CodeState, 'codeAttempts'>, policy: CodePolicy): number {
  return Math.max(0, policy.maxAttempts - (state.codeAttempts ?? 0));
}

/** Approving is locked once every attempt was used without success. */
export function isCodeLocked(state: Pick<CodeState, 'codeAttempts'>, policy: CodePolicy): boolean {
  return attemptsLeft(state, policy) === 0;
}

export type IssueRefusal = 'locked' | 'sends-exhausted';

/**
 * A new code for the link `secretHash` (the caller emails `code` and stores `issued`, replacing any
 * earlier code). Refused when approving is locked or the request's codes are used up.
 */
export function issueCode(
  state: CodeState,
  input: {
    readonly code: string;
    readonly linkSecret: string;
    readonly secretHash: string;
    readonly email: string;
    readonly now: Date;
  },
  policy: CodePolicy,
):
  | { readonly ok: true; readonly issued: IssuedCode }
  | { readonly ok: false; readonly refusal: IssueRefusal } {
  if (isCodeLocked(state, policy)) return { ok: false, refusal: 'locked' };
  if ((state.codeSends ?? 0) >= policy.maxSends) return { ok: false, refusal: 'sends-exhausted' };
  return {
    ok: true,
    issued: {
      hash: hashCode(input.linkSecret, state.requestId, input.code),
      secretHash: input.secretHash,
      email: input.email,
      issuedAt: input.now.toISOString(),
      expiresAt: new Date(input.now.getTime() + policy.ttlMinutes * 60_000).toISOString(),
    },
  };
}

/**
 * Whether a typed code may be compared at all (before an attempt is spent on it): `malformed` (not
 * six digits), `none` (no code was sent to this link), `expired`, `locked`; `ready` to compare.
 */
export type CodePrecheck = 'ready' | 'malformed' | 'none' | 'expired' | 'locked';

export function precheckCode(
  state: CodeState,
  input: { readonly code: string; readonly secretHash: string; readonly now: Date },
  policy: CodePolicy,
): CodePrecheck {
  if (isCodeLocked(state, policy)) return 'locked';
  if (!CODE_PATTERN.test(input.code)) return 'malformed';
  if (!state.otp || state.otp.secretHash !== input.secretHash) return 'none';
  if (Date.parse(state.otp.expiresAt) <= input.now.getTime()) return 'expired';
  return 'ready';
}

/** Compares a typed code with the stored one in constant time. */
export function codeMatches(otp: IssuedCode, linkSecret: string, requestId: string, code: string): boolean {
  const expected = Buffer.from(otp.hash, 'hex');
  const actual = Buffer.from(hashCode(linkSecret, requestId, code), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The kept (archived) copy of a code email shows this instead of the code. */
export const REDACTED_CODE = '••••••';

import { createHash, randomBytes } from 'node:crypto';
import type { ApprovalState } from '#domain/workflow.ts';
import type { ApprovalRequest, Grant } from './model.ts';

/** An opaque request id: 128 random bits, url-safe (22 characters). */
export function newRequestId(): string {
  return randomBytes(16).toString('base64url');
}

/** A link secret: 256 random bits, url-safe (43 characters). Only its hash is stored. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 (hex) of a link secret: the key of its grant in the request. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{22,128}$/;

/** The link an approver receives; the id names the request, the secret proves the email was read. */
export function approvalLink(baseUrl: string, requestId: string, secret: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/approvals/${encodeURIComponent(requestId)}?s=${encodeURIComponent(secret)}`;
}

/**
 * Why a link does not open. Each maps to a page: unknown 404, malformed, forbidden and
 * code-locked 403, throttled 429 (with Retry-After), the others 410.
 */
export type LinkProblem =
  | 'unknown'
  | 'malformed'
  | 'forbidden'
  | 'throttled'
  | 'used'
  | 'expired'
  | 'superseded'
  /** Too many wrong one-time codes: approving is locked (rejecting still works). */
  | 'code-locked';

export type LinkCheck =
  | { readonly ok: true; readonly grant: Grant; readonly secretHash: string }
  | { readonly ok: false; readonly problem: LinkProblem };

/**
 * Checks a link against its stored request. The tenant and the secret are checked before the
 * status, so a wrong secret learns nothing about the request's state. Nothing locks a request:
 * the right secret always gets through (wrong ones are counted and throttled per client by the
 * caller). `malformed` (no secret, or not one we could have issued) is told apart from a wrong
 * secret (`forbidden`) so that only the latter is counted.
 */
export function checkLink(
  request: ApprovalRequest | undefined,
  secret: string,
  tenantId: string,
  now: Date,
): LinkCheck {
  if (!request) return { ok: false, problem: 'unknown' };
  if (request.tenantId !== tenantId) return { ok: false, problem: 'forbidden' };
  if (!SECRET_PATTERN.test(secret)) return { ok: false, problem: 'malformed' };
  const secretHash = hashSecret(secret);
  const grant = Object.hasOwn(request.grants, secretHash) ? request.grants[secretHash] : undefined;
  if (!grant) return { ok: false, problem: 'forbidden' };
  if (request.status === 'decided') return { ok: false, problem: 'used' };
  if (request.status === 'superseded') return { ok: false, problem: 'superseded' };
  if (request.status === 'expired' || Date.parse(request.expiresAt) <= now.getTime())
    return { ok: false, problem: 'expired' };
  return { ok: true, grant, secretHash };
}

/** "x@example.com", or "y@example.com for x@example.com" when a delegate decides. */
export function describeActor(grant: Pick<Grant, 'email' | 'onBehalfOf'>): string {
  return grant.onBehalfOf ? `${grant.email} for ${grant.onBehalfOf}` : grant.email;
}

/**
 * The ApprovalState a decision hands back to the state machine (the Approve state's result): the
 * Decision? Choice ends on a rejection, finalises when the chain is complete, and otherwise waits
 * for the next approver (step + 1, a fresh initial round).
 */
export function nextApprovalState(
  request: Pick<ApprovalRequest, 'requestId' | 'step' | 'steps' | 'timings'>,
  decision: 'approved' | 'rejected',
  decidedBy: string,
  comment: string | undefined,
): ApprovalState {
  const complete = request.step + 1 >= request.steps;
  const advance = decision === 'approved' && !complete;
  return {
    step: advance ? request.step + 1 : request.step,
    steps: request.steps,
    waitSeconds: request.timings.reminderAfterSeconds,
    phase: 'initial',
    // The next step gets its own request; a finished chain keeps the one that ended it.
    ...(advance ? {} : { requestId: request.requestId }),
    decision,
    complete,
    ...(comment ? { comment } : {}),
    decidedBy,
  };
}

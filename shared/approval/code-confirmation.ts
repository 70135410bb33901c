import { composeCodeEmail } from './email.ts';
import { describeActor } from './links.ts';
import type { ApprovalRequest, Grant, Locale } from './model.ts';
import {
  attemptsLeft,
  codeMatches,
  codePolicyOf,
  issueCode,
  newCode,
  normaliseCode,
  precheckCode,
  REDACTED_CODE,
} from './one-time-code.ts';
import type { ApprovalDeps } from './service.ts';
import type { ApprovalSummary } from './summary.ts';

/**
 * The approval page's code step (the rules are in one-time-code.ts): emails a code to the link's
 * recipient, or checks a typed one. Only an approval of a request created above the tenant's
 * threshold passes through here.
 */

/** Why the page asks for a code (again). */
export type CodePromptReason = 'sent' | 'wrong' | 'expired' | 'none' | 'malformed' | 'sends-exhausted';

/** What the code page shows. */
export interface CodePrompt {
  readonly reason: CodePromptReason;
  /** Where the current code went (absent when none was sent to this link). */
  readonly sentTo?: string;
  readonly expiresAt?: string;
  readonly attemptsLeft: number;
  readonly request: ApprovalRequest;
  readonly grant: Grant;
  readonly summary: ApprovalSummary;
}

export type CodeGate =
  | { readonly ok: true; readonly codeHash: string }
  | { readonly ok: false; readonly prompt: CodePrompt }
  | { readonly ok: false; readonly locked: true };

/** What the caller knows about the link that was checked. */
export interface CheckedLink {
  readonly request: ApprovalRequest;
  readonly grant: Grant;
  readonly secretHash: string;
  readonly secret: string;
}

async function record(
  deps: ApprovalDeps,
  request: ApprovalRequest,
  type: 'code-sent' | 'code-failed' | 'code-locked',
  actor: string,
  detail: Record<string, string>,
): Promise<void> {
  await deps.store.appendEvent({
    settlementId: request.settlementId,
    requestId: request.requestId,
    step: request.step,
    type,
    at: deps.clock.now().toISOString(),
    actor,
    detail,
  });
}

/** The code page's data for `link`, with the request as it is now. */
export async function codePrompt(
  deps: ApprovalDeps,
  link: CheckedLink,
  reason: CodePromptReason,
  current: ApprovalRequest = link.request,
): Promise<CodeGate> {
  const policy = codePolicyOf(deps.env);
  const summary = await deps.loadSummary(current.summaryKey);
  const otp = current.otp?.secretHash === link.secretHash ? current.otp : undefined;
  return {
    ok: false,
    prompt: {
      reason,
      ...(otp ? { sentTo: otp.email, expiresAt: otp.expiresAt } : {}),
      attemptsLeft: attemptsLeft(current, policy),
      request: current,
      grant: link.grant,
      summary,
    },
  };
}

/** Emails a new code to the link's recipient (replacing any earlier one) and asks for it. */
export async function sendApprovalCode(
  deps: ApprovalDeps,
  link: CheckedLink,
  locale: Locale,
): Promise<CodeGate> {
  const policy = codePolicyOf(deps.env);
  const { request, grant } = link;
  const now = deps.clock.now();
  const code = newCode();
  const issued = issueCode(
    request,
    { code, linkSecret: link.secret, secretHash: link.secretHash, email: grant.email, now },
    policy,
  );
  if (!issued.ok)
    return issued.refusal === 'locked'
      ? { ok: false, locked: true }
      : codePrompt(deps, link, 'sends-exhausted');
  if (!(await deps.store.storeCode(request.requestId, issued.issued, policy))) {
    const current = await deps.store.getRequest(request.requestId);
    if (!current || attemptsLeft(current, policy) === 0) return { ok: false, locked: true };
    return codePrompt(deps, link, 'sends-exhausted', current);
  }
  const summary = await deps.loadSummary(request.summaryKey);
  const compose = (shown: string) =>
    composeCodeEmail({
      locale,
      recipientName: grant.name,
      code: shown,
      summary,
      minutes: policy.ttlMinutes,
      expiresAt: issued.issued.expiresAt,
    });
  const content = compose(code);
  const kept = compose(REDACTED_CODE);
  await deps.sendEmail({
    to: [grant.email],
    ...content,
    // The archived copy must not let its readers approve: the code is removed.
    keptAs: { text: kept.text, html: kept.html, removed: 'one-time approval code' },
    headers: { 'X-Settlement-Id': request.settlementId, 'X-Approval-Request-Id': request.requestId },
  });
  await record(deps, request, 'code-sent', describeActor(grant), {
    to: grant.email,
    expiresAt: issued.issued.expiresAt,
  });
  deps.log('info', 'approval code sent', { requestId: request.requestId, to: grant.email });
  const current = { ...request, otp: issued.issued, codeSends: (request.codeSends ?? 0) + 1 };
  return codePrompt(deps, link, 'sent', current);
}

/**
 * Checks a typed code. A well-formed code for this link, unexpired, spends one attempt before it is
 * compared; the last wrong attempt locks approving (logged, and the page says so).
 */
export async function confirmApprovalCode(
  deps: ApprovalDeps,
  link: CheckedLink,
  typed: string,
): Promise<CodeGate> {
  const policy = codePolicyOf(deps.env);
  const { request, grant } = link;
  const code = normaliseCode(typed);
  const pre = precheckCode(request, { code, secretHash: link.secretHash, now: deps.clock.now() }, policy);
  if (pre === 'locked') return { ok: false, locked: true };
  if (pre !== 'ready') return codePrompt(deps, link, pre);
  const used = await deps.store.useCodeAttempt(request.requestId, policy.maxAttempts);
  if (used === undefined) return { ok: false, locked: true };
  const otp = request.otp;
  if (otp && codeMatches(otp, link.secret, request.requestId, code)) return { ok: true, codeHash: otp.hash };
  const current = { ...request, codeAttempts: used };
  const left = attemptsLeft(current, policy);
  await record(deps, request, left === 0 ? 'code-locked' : 'code-failed', describeActor(grant), {
    attemptsLeft: String(left),
  });
  deps.log('warn', left === 0 ? 'approval locked after wrong codes' : 'wrong approval code', {
    requestId: request.requestId,
    settlementId: request.settlementId,
    attemptsLeft: left,
  });
  if (left === 0) return { ok: false, locked: true };
  return codePrompt(deps, link, 'wrong', current);
}

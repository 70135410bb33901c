import type { OutgoingEmail } from '#adapters/mailer.ts';
import type { ApprovalState, SettlementRef, SettlementState } from '#domain/workflow.ts';
import { chainFor } from './chain.ts';
import { type CodePrompt, codePrompt, confirmApprovalCode, sendApprovalCode } from './code-confirmation.ts';
import { type Recipient, resolveRecipient } from './delegation.ts';
import { type ApprovalEmailKind, composeApprovalEmail } from './email.ts';
import { ApprovalChainError, ApprovalError, ApprovalRequestNotFoundError } from './errors.ts';
import {
  approvalLink,
  checkLink,
  describeActor,
  hashSecret,
  type LinkCheck,
  type LinkProblem,
  newRequestId,
  newSecret,
  nextApprovalState,
  REQUEST_ID_PATTERN,
} from './links.ts';
import type { ApprovalRequest, ApproverStep, Clock, EventType, Grant, GrantKind, Locale } from './model.ts';
import { codePolicyOf, codeRequiredFor } from './one-time-code.ts';
import type { ApprovalStore } from './store.ts';
import { type ApprovalSummary, summaryKey } from './summary.ts';
import { type ClientThrottle, clientTag } from './throttle.ts';
import { type ApprovalEnvDefaults, nextTimeoutStep, resolveTimings } from './timings.ts';

/** What the approval flow needs from the outside; handlers wire the real adapters, tests fakes. */
export interface ApprovalDeps {
  readonly store: ApprovalStore;
  readonly clock: Clock;
  /** The tenant this deployment serves (TENANT_ID). */
  readonly tenantId: string;
  /** Where links point (APPROVAL_BASE_URL). */
  readonly baseUrl: string;
  readonly env: ApprovalEnvDefaults;
  loadSummary(key: string): Promise<ApprovalSummary>;
  sendEmail(email: OutgoingEmail): Promise<unknown>;
  /** SendTaskSuccess with the given output (JSON). */
  sendTaskSuccess(taskToken: string, output: string): Promise<void>;
  /** A short-lived GET link to an S3 object of the tenant's bucket. */
  presign(key: string): Promise<string>;
  /** Structured log lines; never given a secret or a token. */
  log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
  /** Wrong secrets per client (429 with Retry-After for that client only). */
  readonly throttle: ClientThrottle;
  /** Adds one to the alarmed count of wrong secrets (WRONG_SECRET_METRIC). */
  countWrongSecret(): void;
}

export interface RequestApprovalInput {
  readonly settlement: SettlementRef;
  readonly approval: ApprovalState;
  readonly taskToken: string;
}

export type RequestApprovalResult = {
  readonly requestId: string;
  readonly action: 'sent' | 'reminded' | 'escalated' | 'waiting' | 'replayed';
};

async function record(
  deps: ApprovalDeps,
  request: Pick<ApprovalRequest, 'settlementId' | 'requestId' | 'step'>,
  type: EventType,
  actor: string,
  detail?: Record<string, string>,
): Promise<void> {
  await deps.store.appendEvent({
    settlementId: request.settlementId,
    requestId: request.requestId,
    step: request.step,
    type,
    at: deps.clock.now().toISOString(),
    actor,
    ...(detail ? { detail } : {}),
  });
}

/** Issues a new link for `person` (or their delegate), emails it and logs it. */
async function issueLink(
  deps: ApprovalDeps,
  request: ApprovalRequest,
  summary: ApprovalSummary,
  person: { email: string; name: string; locale?: ApproverStep['locale'] },
  kind: ApprovalEmailKind,
): Promise<Recipient> {
  const now = deps.clock.now();
  const recipient = await resolveRecipient(deps.store, person, now);
  const secret = newSecret();
  const grantKind: GrantKind = kind === 'request' ? 'approver' : kind === 'reminder' ? 'reminder' : 'backup';
  const grant: Grant = {
    email: recipient.email,
    name: recipient.name,
    kind: grantKind,
    issuedAt: now.toISOString(),
    ...(recipient.onBehalfOf ? { onBehalfOf: recipient.onBehalfOf } : {}),
    ...(recipient.delegation ? { delegationId: recipient.delegation.id } : {}),
  };
  await deps.store.addGrant(request.requestId, hashSecret(secret), grant);
  if (recipient.delegation) {
    await record(deps, request, 'delegated', person.email, {
      to: recipient.email,
      delegationId: recipient.delegation.id,
      reason: recipient.delegation.reason,
      validTo: recipient.delegation.validTo,
    });
  }
  const compose = (link: string) =>
    composeApprovalEmail({
      kind,
      locale: person.locale ?? request.approver.locale ?? 'en',
      recipientName: recipient.name,
      onBehalfOf: recipient.onBehalfOf,
      approverName: request.approver.name,
      role: request.approver.role,
      step: request.step,
      steps: request.steps,
      summary,
      link,
      expiresAt: request.expiresAt,
    });
  const content = compose(approvalLink(deps.baseUrl, request.requestId, secret));
  // The copy kept with the settlement (and archived, undeletable) carries no usable link.
  const kept = compose(approvalLink(deps.baseUrl, request.requestId, 'REDACTED'));
  await deps.sendEmail({
    to: [recipient.email],
    ...content,
    keptAs: { text: kept.text, html: kept.html, removed: 'approval link secret' },
    headers: { 'X-Settlement-Id': request.settlementId, 'X-Approval-Request-Id': request.requestId },
  });
  const type: EventType = kind === 'request' ? 'sent' : kind === 'reminder' ? 'reminded' : 'escalated';
  await record(deps, request, type, 'system', { to: describeActor(grant), kind: grantKind });
  deps.log('info', 'approval link sent', {
    settlementId: request.settlementId,
    requestId: request.requestId,
    step: request.step,
    kind,
    to: recipient.email,
  });
  return recipient;
}

/**
 * The Approve state's task (waitForTaskToken). The first round of a step creates the request and
 * emails the approver; later rounds store the round's new task token and send a reminder (to the
 * approver) or an escalation (to the backup). If the step was already decided — the decision
 * raced a timeout — the stored decision is delivered to the new token at once.
 */
export async function requestApproval(
  deps: ApprovalDeps,
  input: RequestApprovalInput,
): Promise<RequestApprovalResult> {
  const { settlement, approval, taskToken } = input;
  if (settlement.tenantId !== deps.tenantId)
    throw new ApprovalError(`settlement of tenant ${settlement.tenantId} sent to tenant ${deps.tenantId}`);
  const existing = await deps.store.findStepRequest(settlement.settlementId, approval.step);

  if (existing?.status === 'decided') {
    if (!existing.output)
      throw new ApprovalError(`request ${existing.requestId} is decided without an output`);
    await deps.sendTaskSuccess(taskToken, existing.output);
    deps.log('info', 'approval decision replayed', { requestId: existing.requestId, step: approval.step });
    return { requestId: existing.requestId, action: 'replayed' };
  }

  if (existing?.status === 'pending') {
    const request = await deps.store.startRound(existing.requestId, taskToken, approval.phase);
    if (approval.phase === 'initial') {
      // A retried first round: send only if the first attempt failed before its email went out.
      if (request.sentAt) return { requestId: request.requestId, action: 'waiting' };
      const summary = await deps.loadSummary(request.summaryKey);
      await issueLink(deps, request, summary, request.approver, 'request');
      await deps.store.markSent(request.requestId, deps.clock.now());
      return { requestId: request.requestId, action: 'sent' };
    }
    const summary = await deps.loadSummary(request.summaryKey);
    if (approval.phase === 'reminder') {
      await issueLink(deps, request, summary, request.approver, 'reminder');
      return { requestId: request.requestId, action: 'reminded' };
    }
    // Escalation: the backup gets its own link; without a backup the approver is asked once more.
    await issueLink(deps, request, summary, request.approver.backup ?? request.approver, 'escalation');
    return { requestId: request.requestId, action: 'escalated' };
  }

  // No request for this step yet (or only a closed one): create it.
  const key = summaryKey(settlement.settlementId);
  const summary = await deps.loadSummary(key);
  const chain = chainFor(summary.approval.approvers, summary.approval.amount.amount);
  const approver = chain[approval.step];
  if (!approver) throw new ApprovalChainError(approval.step, chain.length);
  const timings = resolveTimings(summary.approval.settings, deps.env);
  const now = deps.clock.now();
  const request: ApprovalRequest = {
    requestId: newRequestId(),
    tenantId: deps.tenantId,
    settlementId: settlement.settlementId,
    projectId: settlement.projectId,
    period: settlement.period,
    revision: settlement.revision,
    step: approval.step,
    steps: approval.steps,
    approver,
    status: 'pending',
    grants: {},
    taskToken,
    phase: approval.phase,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + timings.expireAfterSeconds * 1000).toISOString(),
    timings,
    summaryKey: key,
    // Fixed now: a later change of the tenant's threshold does not change a request in flight.
    ...(codeRequiredFor(summary.approval.amount, codePolicyOf(deps.env)) ? { codeRequired: true } : {}),
  };
  await deps.store.putRequest(request);
  if (
    !(await deps.store.claimStep(
      settlement.settlementId,
      approval.step,
      request.requestId,
      existing?.requestId,
    ))
  ) {
    // Another attempt of this round created the step's request first: continue with that one.
    return requestApproval(deps, input);
  }
  await issueLink(deps, request, summary, approver, 'request');
  await deps.store.markSent(request.requestId, deps.clock.now());
  return { requestId: request.requestId, action: 'sent' };
}

/**
 * The ApprovalTimedOut state: a wait round ended without a decision (States.Timeout; the
 * Approve state declares no heartbeat). initial → reminder, reminder → escalation, escalation → expired.
 * Returns the whole state, updated, without its `error`.
 */
export async function handleApprovalTimeout<S extends SettlementState>(
  deps: ApprovalDeps,
  state: S,
): Promise<S> {
  const approval = state.approval;
  if (!approval) throw new ApprovalError('the timed-out state has no approval');
  const { error: _timedOut, ...rest } = state;
  const request = await deps.store.findStepRequest(state.settlement.settlementId, approval.step);
  if (!request) throw new ApprovalRequestNotFoundError(state.settlement.settlementId, approval.step);
  const waitAgain = (phase: ApprovalState['phase'], waitSeconds: number): S =>
    ({ ...rest, approval: { ...approval, requestId: request.requestId, phase, waitSeconds } }) as S;
  const expired = (): S =>
    ({ ...rest, outcome: 'expired', approval: { ...approval, requestId: request.requestId } }) as S;

  // Decided just as the round timed out: the next Approve round delivers the stored decision.
  if (request.status === 'decided') return waitAgain(approval.phase, approval.waitSeconds);
  if (request.status !== 'pending') return expired();

  const now = deps.clock.now();
  const next = nextTimeoutStep(approval.phase, new Date(request.createdAt), request.timings, now);
  if (next.kind === 'wait') {
    deps.log('info', 'approval wait round timed out', {
      requestId: request.requestId,
      step: approval.step,
      next: next.phase,
      waitSeconds: next.waitSeconds,
    });
    return waitAgain(next.phase, next.waitSeconds);
  }
  if (!(await deps.store.expire(request.requestId, now))) {
    const current = await deps.store.getRequest(request.requestId);
    if (current?.status === 'decided') return waitAgain(approval.phase, approval.waitSeconds);
    return expired();
  }
  await record(deps, request, 'expired', 'system', { expiresAt: request.expiresAt });
  deps.log('info', 'approval expired', { requestId: request.requestId, step: approval.step });
  return expired();
}

/** A refused link: why, and for `throttled` how long the client should wait. */
export type RefusedLink = {
  readonly ok: false;
  readonly problem: LinkProblem;
  readonly retryAfterSeconds?: number;
};

export type OpenResult =
  | {
      readonly ok: true;
      readonly request: ApprovalRequest;
      readonly grant: Grant;
      readonly summary: ApprovalSummary;
      readonly pdfUrl: string | undefined;
    }
  | RefusedLink;

/** Who is asking (the source address); throttling and logs are per client. */
export interface LinkClient {
  readonly client?: string;
}

/**
 * Refuses a link that did not check out. A wrong secret against a request of this tenant is
 * counted on the request, logged and metered; a client over its limit is asked to wait. A missing
 * or malformed secret is refused without counting (nobody guesses with those).
 */
async function refuse(
  deps: ApprovalDeps,
  request: ApprovalRequest | undefined,
  check: Extract<LinkCheck, { ok: false }>,
  client: string,
  now: Date,
): Promise<RefusedLink> {
  const problem = check.problem === 'malformed' ? 'forbidden' : check.problem;
  if (check.problem !== 'forbidden' || !request || request.tenantId !== deps.tenantId)
    return { ok: false, problem };
  deps.countWrongSecret();
  const waiting = deps.throttle.retryAfterSeconds(client, now);
  if (waiting !== undefined) return { ok: false, problem: 'throttled', retryAfterSeconds: waiting };
  deps.throttle.recordWrongSecret(client, now);
  const failures = await deps.store.recordFailedSecret(request.requestId, now);
  deps.log('warn', 'wrong approval secret', {
    requestId: request.requestId,
    settlementId: request.settlementId,
    client: clientTag(client),
    failures,
  });
  return { ok: false, problem: 'forbidden' };
}

async function loadRequest(deps: ApprovalDeps, requestId: string): Promise<ApprovalRequest | undefined> {
  return REQUEST_ID_PATTERN.test(requestId) ? deps.store.getRequest(requestId) : undefined;
}

/**
 * GET: checks the link and gathers the page's data; logs "opened" (unless `record` is false, for
 * re-showing the form after a refused POST). Decides nothing.
 */
export async function openApproval(
  deps: ApprovalDeps,
  requestId: string,
  secret: string,
  options: { record?: boolean } & LinkClient = {},
): Promise<OpenResult> {
  const request = await loadRequest(deps, requestId);
  const now = deps.clock.now();
  const check = checkLink(request, secret, deps.tenantId, now);
  if (!check.ok) return refuse(deps, request, check, options.client ?? 'unknown', now);
  if (!request) return { ok: false, problem: 'unknown' };
  const summary = await deps.loadSummary(request.summaryKey);
  const pdfUrl = summary.statement.pdfKey ? await deps.presign(summary.statement.pdfKey) : undefined;
  if (options.record !== false) await record(deps, request, 'opened', describeActor(check.grant));
  return { ok: true, request, grant: check.grant, summary, pdfUrl };
}

export type DecideResult =
  | { readonly ok: true; readonly decision: 'approved' | 'rejected'; readonly delivered: boolean }
  | RefusedLink
  /** An approval that needs a one-time code: the code page (a code was just sent, or try again). */
  | { readonly ok: false; readonly problem: 'code'; readonly prompt: CodePrompt };

/** The code step of an approval above the tenant's threshold (ignored for other requests). */
export interface CodeInput {
  /** `send` (the Approve button, "send a new code") or `confirm` with the typed code. */
  readonly action: 'send' | 'confirm';
  readonly typed: string;
  /** The language of the code email (the page's). */
  readonly locale: Locale;
}

/**
 * POST: the single-use decision. The conditional write decides which of concurrent clicks wins;
 * only the winner calls SendTaskSuccess. A comment is required on a rejection (the caller checks
 * it before, to re-show the form).
 */
export async function decideApproval(
  deps: ApprovalDeps,
  requestId: string,
  secret: string,
  decision: 'approved' | 'rejected',
  comment: string | undefined,
  options: LinkClient & { readonly code?: CodeInput } = {},
): Promise<DecideResult> {
  const request = await loadRequest(deps, requestId);
  const now = deps.clock.now();
  const check = checkLink(request, secret, deps.tenantId, now);
  if (!check.ok) return refuse(deps, request, check, options.client ?? 'unknown', now);
  if (!request) return { ok: false, problem: 'unknown' };
  if (decision === 'rejected' && !comment) throw new ApprovalError('a rejection needs a comment');

  // Above the threshold an approval needs the code emailed to the link's recipient; a rejection does not.
  let codeHash: string | undefined;
  if (decision === 'approved' && request.codeRequired) {
    const link = { request, grant: check.grant, secretHash: check.secretHash, secret };
    const code = options.code ?? { action: 'send', typed: '', locale: request.approver.locale ?? 'en' };
    const gate =
      code.action === 'confirm'
        ? await confirmApprovalCode(deps, link, code.typed)
        : await sendApprovalCode(deps, link, code.locale);
    if ('locked' in gate) return { ok: false, problem: 'code-locked' };
    if (!gate.ok) return { ok: false, problem: 'code', prompt: gate.prompt };
    codeHash = gate.codeHash;
  }

  const decidedBy = describeActor(check.grant);
  const output = JSON.stringify(nextApprovalState(request, decision, decidedBy, comment));
  const written = await deps.store.decide(requestId, {
    secretHash: check.secretHash,
    tenantId: deps.tenantId,
    now,
    decision,
    decidedBy,
    comment,
    output,
    codeHash,
  });
  if (!written.ok) {
    const current = await deps.store.getRequest(requestId);
    const again = checkLink(current, secret, deps.tenantId, now);
    // Still open, so the code was what failed: it expired or was replaced since it was checked.
    if (again.ok && codeHash && current) {
      const link = { request: current, grant: again.grant, secretHash: again.secretHash, secret };
      const gate = await codePrompt(deps, link, 'expired', current);
      if (!gate.ok && 'prompt' in gate) return { ok: false, problem: 'code', prompt: gate.prompt };
    }
    return {
      ok: false,
      problem: again.ok ? 'used' : again.problem === 'malformed' ? 'forbidden' : again.problem,
    };
  }
  await record(deps, request, 'decided', decidedBy, {
    decision,
    ...(comment ? { comment } : {}),
    ...(check.grant.onBehalfOf ? { onBehalfOf: check.grant.onBehalfOf } : {}),
    ...(codeHash ? { confirmedWith: 'one-time code' } : {}),
  });

  let delivered = false;
  if (written.taskToken) {
    try {
      await deps.sendTaskSuccess(written.taskToken, output);
      delivered = true;
    } catch (error) {
      // The decision is stored: the next Approve round (after this round's timeout) replays it.
      deps.log(isStaleToken(error) ? 'warn' : 'error', 'decision stored but not delivered', {
        requestId,
        errorName: (error as Error).name,
      });
    }
  }
  deps.log('info', 'approval decided', { requestId, step: request.step, decision, delivered });
  return { ok: true, decision, delivered };
}

function isStaleToken(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? '';
  return name === 'TaskTimedOut' || name === 'TaskDoesNotExist' || name === 'InvalidToken';
}

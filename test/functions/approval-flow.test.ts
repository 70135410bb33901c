import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { styleHash } from '#approval/page.ts';
import { ClientThrottle } from '#approval/throttle.ts';
import type { SettlementState } from '#domain/workflow.ts';
import { Tally } from '../reliability/support/summary.ts';
import { extractApprovalLink, parseMimeParts } from '../support/approval-browser.ts';
import {
  type ApiResult,
  type ApprovalTestEnv,
  apiEvent,
  asStep,
  FINANCE,
  fakeClock,
  form,
  lambdaContext,
  PM,
  putSummary,
  settlementRef,
  startApprovalEnv,
  summaryFor,
  TENANT,
  testStore,
} from './approval-harness.ts';

// Everything the handlers write to stdout/stderr, to prove no secret or token is ever logged.
const captured: string[] = [];
const secretsSeen: string[] = [];
const tokensSeen: string[] = [];
const originalStdout = process.stdout.write.bind(process.stdout);
const originalStderr = process.stderr.write.bind(process.stderr);

let env: ApprovalTestEnv;
let handlers: {
  request: typeof import('#functions/request-approval.ts');
  timeout: typeof import('#functions/handle-approval-timeout.ts');
  api: typeof import('#functions/approval-api.ts');
};
const clock = fakeClock('2026-11-02T09:00:00.000Z');
const tally = new Tally('approval-links');

beforeAll(async () => {
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured.push(String(chunk));
    return (originalStdout as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured.push(String(chunk));
    return (originalStderr as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  env = await startApprovalEnv();
  handlers = {
    request: await import('#functions/request-approval.ts'),
    timeout: await import('#functions/handle-approval-timeout.ts'),
    api: await import('#functions/approval-api.ts'),
  };
});

afterAll(async () => {
  tally.flush();
  process.stdout.write = originalStdout;
  process.stderr.write = originalStderr;
  await env?.stop();
});

beforeEach(() => {
  clock.set('2026-11-02T09:00:00.000Z');
});

const request = () => asStep(env, 'RequestApproval', handlers.request.makeRequestApprovalHandler({ clock }));
const timeout = () =>
  asStep(env, 'HandleApprovalTimeout', handlers.timeout.makeHandleApprovalTimeoutHandler({ clock }));
const api = () => asStep(env, 'ApprovalApi', handlers.api.makeApprovalApiHandler({ clock }));

async function call(
  method: string,
  target: string,
  options: Parameters<typeof apiEvent>[2] = {},
): Promise<ApiResult> {
  return (await api()(apiEvent(method, target, options), lambdaContext)) as ApiResult;
}

let tokenCounter = 0;
function newToken(): string {
  tokenCounter += 1;
  const token = `AQCEAAAAKgAAAA${tokenCounter}token${'x'.repeat(200)}`;
  tokensSeen.push(token);
  return token;
}

/** Starts the Approve state for a fresh settlement and returns the emailed link. */
async function startApproval(options: Parameters<typeof summaryFor>[1] = {}, step = 0, steps = 1) {
  const settlement = settlementRef();
  await putSummary(summaryFor(settlement.settlementId, options));
  const taskToken = newToken();
  const approval = { step, steps, waitSeconds: 3600, phase: 'initial' as const };
  const emailsBefore = env.recorded.emails.length;
  await request()({ settlement, approval, taskToken }, lambdaContext);
  const email = env.recorded.emails.at(-1);
  expect(env.recorded.emails.length).toBe(emailsBefore + 1);
  const link = extractApprovalLink(email?.mime ?? '');
  const url = new URL(link);
  secretsSeen.push(url.searchParams.get('s') ?? '');
  return { settlement, approval, taskToken, link, email, path: `${url.pathname}${url.search}`, url };
}

function pathOf(link: string): { path: string; id: string; secret: string } {
  const url = new URL(link);
  secretsSeen.push(url.searchParams.get('s') ?? '');
  return {
    path: `${url.pathname}${url.search}`,
    id: url.pathname.split('/').at(-1) ?? '',
    secret: url.searchParams.get('s') ?? '',
  };
}

function successesFor(token: string) {
  return env.recorded.taskSuccesses.filter((s) => s.taskToken === token);
}

describe('the approval flow through its handlers', () => {
  it('emails the first approver a link with the key figures, and the token stays server-side', async () => {
    const { email, link, taskToken, settlement } = await startApproval();
    expect(email?.to).toEqual([PM.email]);
    expect(link).toMatch(
      /^https:\/\/approvals\.acme\.test\/approvals\/[A-Za-z0-9_-]{22}\?s=[A-Za-z0-9_-]{43}$/,
    );
    const parts = parseMimeParts(email?.mime ?? '');
    expect(parts.map((p) => p.contentType).sort()).toEqual(['text/html', 'text/plain']);
    const text = parts.find((p) => p.contentType === 'text/plain')?.text ?? '';
    expect(text).toContain('EUR 12,345.60');
    expect(text).toContain('EUR 9,876.50');
    expect(email?.mime).not.toContain(taskToken);
    const stored = await testStore().findStepRequest(settlement.settlementId, 0);
    expect(stored?.taskToken).toBe(taskToken);
    expect(stored?.tenantId).toBe(TENANT);
    const secret = new URL(link).searchParams.get('s') ?? '';
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(Date.parse(stored?.expiresAt ?? '') - clock.now().getTime()).toBe(3 * 3600 * 1000);
  });

  it('approves: the POST resumes the waiting state with the completed approval', async () => {
    const { path, taskToken, settlement } = await startApproval();
    const { id, secret } = pathOf(`https://x${path}`);
    const page = await call('POST', `/approvals/${id}`, { body: form({ s: secret, decision: 'approve' }) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Approved');
    const sent = successesFor(taskToken);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]?.output ?? '{}')).toEqual({
      step: 0,
      steps: 1,
      waitSeconds: 3600,
      phase: 'initial',
      requestId: id,
      decision: 'approved',
      complete: true,
      decidedBy: PM.email,
    });
    const log = await testStore().readLog(settlement.settlementId);
    expect(log.map((e) => e.type)).toEqual(['sent', 'decided']);
    expect(log[1]?.actor).toBe(PM.email);
    const stored = await testStore().getRequest(id);
    expect(stored?.status).toBe('decided');
    expect(stored?.taskToken).toBeUndefined();
  });

  it('rejects only with a comment, and the rejection carries it to the state machine', async () => {
    const { path, taskToken } = await startApproval();
    const { id, secret } = pathOf(`https://x${path}`);
    const refused = await call('POST', `/approvals/${id}`, {
      body: form({ s: secret, decision: 'reject', comment: '  ' }),
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Please give a reason when you reject.');
    expect(refused.body).toContain('<form method="post"');
    expect(successesFor(taskToken)).toHaveLength(0);
    expect((await testStore().getRequest(id))?.status).toBe('pending');

    const page = await call('POST', `/approvals/${id}`, {
      body: form({ s: secret, decision: 'reject', comment: 'Materials overrun is not explained.' }),
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Rejected');
    const output = JSON.parse(successesFor(taskToken)[0]?.output ?? '{}');
    expect(output).toMatchObject({
      decision: 'rejected',
      comment: 'Materials overrun is not explained.',
      step: 0,
    });
  });

  it('walks a two-step chain: the finance approver gets a new request after the project manager approves', async () => {
    const first = await startApproval({ approvers: [PM, FINANCE], amount: '25000.00' }, 0, 2);
    const a = pathOf(`https://x${first.path}`);
    await call('POST', `/approvals/${a.id}`, { body: form({ s: a.secret, decision: 'approve' }) });
    const next = JSON.parse(successesFor(first.taskToken)[0]?.output ?? '{}');
    expect(next).toMatchObject({
      step: 1,
      steps: 2,
      decision: 'approved',
      complete: false,
      phase: 'initial',
    });
    expect(next.requestId).toBeUndefined();

    // The Decision? Choice loops back to Approve with that state.
    const token2 = newToken();
    await request()({ settlement: first.settlement, approval: next, taskToken: token2 }, lambdaContext);
    const email = env.recorded.emails.at(-1);
    expect(email?.to).toEqual([FINANCE.email]);
    const b = pathOf(extractApprovalLink(email?.mime ?? ''));
    expect(b.id).not.toBe(a.id);
    expect((await call('GET', b.path)).body).toContain('Approval 2 of 2: Finance');
    await call('POST', `/approvals/${b.id}`, { body: form({ s: b.secret, decision: 'approve' }) });
    expect(JSON.parse(successesFor(token2)[0]?.output ?? '{}')).toMatchObject({
      step: 1,
      complete: true,
      decision: 'approved',
      decidedBy: FINANCE.email,
    });
  });

  it('needs only the project manager below the finance threshold', async () => {
    const { email } = await startApproval({ approvers: [PM, FINANCE], amount: '9999.99' }, 0, 1);
    expect(email?.to).toEqual([PM.email]);
  });

  it('reminds the approver, escalates to the backup and lets the backup decide, on a fake clock', async () => {
    const first = await startApproval({ approvers: [{ ...FINANCE, minAmount: undefined }] });
    const state: SettlementState = {
      settlement: first.settlement,
      outcome: 'awaiting-approval',
      sources: [],
      approval: first.approval,
      error: { Error: 'States.Timeout', Cause: 'timed out' },
    };
    // Reminder after 1 h: wait until the escalation at 2 h.
    clock.advance(3600);
    const reminded = (await timeout()(state, lambdaContext)) as SettlementState;
    expect(reminded.approval).toMatchObject({ phase: 'reminder', waitSeconds: 3600 });
    expect(reminded.error).toBeUndefined();
    expect(reminded.outcome).toBe('awaiting-approval');
    const token2 = newToken();
    await request()(
      { settlement: first.settlement, approval: reminded.approval, taskToken: token2 },
      lambdaContext,
    );
    const reminder = env.recorded.emails.at(-1);
    expect(reminder?.to).toEqual([FINANCE.email]);
    expect(reminder?.mime).toContain('Reminder');

    // Escalation after 2 h: wait until the expiry at 3 h.
    clock.advance(3600);
    const escalated = (await timeout()(
      { ...reminded, error: { Error: 'States.Timeout' } },
      lambdaContext,
    )) as SettlementState;
    expect(escalated.approval).toMatchObject({ phase: 'escalation', waitSeconds: 3600 });
    const token3 = newToken();
    await request()(
      { settlement: first.settlement, approval: escalated.approval, taskToken: token3 },
      lambdaContext,
    );
    const escalation = env.recorded.emails.at(-1);
    expect(escalation?.to).toEqual([FINANCE.backup.email]);
    expect(escalation?.mime).toContain('Escalated');

    const backup = pathOf(extractApprovalLink(escalation?.mime ?? ''));
    const page = await call('POST', `/approvals/${backup.id}`, {
      body: form({ s: backup.secret, decision: 'approve' }),
    });
    expect(page.statusCode).toBe(200);
    // Only the current round's token is used.
    expect(successesFor(first.taskToken)).toHaveLength(0);
    expect(successesFor(token2)).toHaveLength(0);
    expect(JSON.parse(successesFor(token3)[0]?.output ?? '{}')).toMatchObject({
      decidedBy: FINANCE.backup.email,
    });
    // The approver's own link is now used.
    const original = pathOf(first.link);
    expect((await call('GET', original.path)).statusCode).toBe(410);
    const log = await testStore().readLog(first.settlement.settlementId);
    expect(log.map((e) => e.type)).toEqual(['sent', 'reminded', 'escalated', 'decided']);
  });

  it('expires after the last round: the link then shows an expiry page and nothing is sent', async () => {
    const first = await startApproval();
    let state: SettlementState = {
      settlement: first.settlement,
      outcome: 'awaiting-approval',
      sources: [],
      approval: first.approval,
      error: { Error: 'States.Timeout' },
    };
    for (const hours of [1, 1]) {
      clock.advance(hours * 3600);
      state = (await timeout()(state, lambdaContext)) as SettlementState;
      await request()(
        { settlement: first.settlement, approval: state.approval, taskToken: newToken() },
        lambdaContext,
      );
      state = { ...state, error: { Error: 'States.Timeout' } };
    }
    clock.advance(3600);
    const ended = (await timeout()(state, lambdaContext)) as SettlementState;
    expect(ended.outcome).toBe('expired');
    const { id, path, secret } = pathOf(first.link);
    expect((await testStore().getRequest(id))?.status).toBe('expired');
    const get = await call('GET', path);
    expect(get.statusCode).toBe(410);
    expect(get.body).toContain('has expired');
    const post = await call('POST', `/approvals/${id}`, { body: form({ s: secret, decision: 'approve' }) });
    expect(post.statusCode).toBe(410);
    expect(env.recorded.taskSuccesses.filter((s) => JSON.parse(s.output).requestId === id)).toHaveLength(0);
    expect((await testStore().readLog(first.settlement.settlementId)).at(-1)?.type).toBe('expired');
  });

  it('refuses a link past its expiry even before the timeout handler ran', async () => {
    const { link, taskToken } = await startApproval();
    clock.advance(3 * 3600 + 1);
    const { id, secret, path } = pathOf(link);
    expect((await call('GET', path)).statusCode).toBe(410);
    expect(
      (await call('POST', `/approvals/${id}`, { body: form({ s: secret, decision: 'approve' }) })).statusCode,
    ).toBe(410);
    expect(successesFor(taskToken)).toHaveLength(0);
  });

  it('refuses a replayed link after the decision and sends nothing more', async () => {
    const { link, taskToken } = await startApproval();
    const { id, secret, path } = pathOf(link);
    expect(
      (await call('POST', `/approvals/${id}`, { body: form({ s: secret, decision: 'approve' }) })).statusCode,
    ).toBe(200);
    const replay = await call('POST', `/approvals/${id}`, {
      body: form({ s: secret, decision: 'reject', comment: 'no' }),
    });
    expect(replay.statusCode).toBe(410);
    expect(replay.body).toContain('already been used');
    expect((await call('GET', path)).statusCode).toBe(410);
    expect(successesFor(taskToken)).toHaveLength(1);
    expect((await testStore().getRequest(id))?.decision).toBe('approved');
  });

  it('refuses a tampered secret with 403 and changes nothing', async () => {
    const { link, taskToken } = await startApproval();
    const { id, secret } = pathOf(link);
    const tampered = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const get = await call('GET', `/approvals/${id}?s=${tampered}`);
    expect(get.statusCode).toBe(403);
    expect(get.body).toContain('not valid');
    const post = await call('POST', `/approvals/${id}`, { body: form({ s: tampered, decision: 'approve' }) });
    expect(post.statusCode).toBe(403);
    expect(
      (await call('POST', `/approvals/${id}`, { body: form({ s: '', decision: 'approve' }) })).statusCode,
    ).toBe(403);
    expect(successesFor(taskToken)).toHaveLength(0);
    expect((await testStore().getRequest(id))?.status).toBe('pending');
  });

  it("lets the approver decide at once after a stranger's 100 requests, which are counted, logged and throttled", async () => {
    const { link, taskToken } = await startApproval();
    const { id, secret } = pathOf(link);
    const throttle = new ClientThrottle();
    let metered = 0;
    const handler = asStep(
      env,
      'ApprovalApi',
      handlers.api.makeApprovalApiHandler({
        clock,
        throttle,
        countWrongSecret: () => {
          metered += 1;
        },
      }),
    );
    const from = async (sourceIp: string, ...args: Parameters<typeof apiEvent>) => {
      const event = apiEvent(...args);
      const http = { ...event.requestContext.http, sourceIp };
      return (await handler(
        { ...event, requestContext: { ...event.requestContext, http } },
        lambdaContext,
      )) as ApiResult;
    };
    const logsBefore = captured.length;
    const stranger = '198.51.100.66';
    const noSecret: number[] = [];
    const wrong: Array<{ status: number; retryAfter: string | undefined }> = [];
    for (let i = 0; i < 100; i += 1) {
      if (i % 2 === 0) {
        // Half without a usable secret: none, or not one we could have issued.
        const target = i % 4 === 0 ? `/approvals/${id}` : `/approvals/${id}?s=short`;
        noSecret.push((await from(stranger, 'GET', target)).statusCode ?? 0);
      } else {
        const guess = `${'x'.repeat(30)}${String(i).padStart(13, '0')}`;
        const res = await from(stranger, 'POST', `/approvals/${id}`, {
          body: form({ s: guess, decision: 'approve' }),
        });
        wrong.push({
          status: res.statusCode ?? 0,
          retryAfter: res.headers?.['Retry-After'] as string | undefined,
        });
      }
    }
    // No secret: refused, never counted.
    expect(noSecret.every((s) => s === 403)).toBe(true);
    // Wrong secrets: the first twenty refused (403), then this client is asked to wait (429 + Retry-After).
    expect(wrong.slice(0, 20).every((w) => w.status === 403)).toBe(true);
    expect(wrong.slice(20).every((w) => w.status === 429)).toBe(true);
    const retryAfter = Number(wrong.at(-1)?.retryAfter);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(metered).toBe(50);
    expect((await testStore().getRequest(id))?.failedSecrets).toBe(20);
    const logged = captured.slice(logsBefore).filter((line) => line.includes('wrong approval secret'));
    expect(logged).toHaveLength(20);
    // Another client is not slowed down by the stranger.
    const other = await from('192.0.2.10', 'GET', `/approvals/${id}?s=${'y'.repeat(43)}`);
    expect(other.statusCode).toBe(403);
    // The approver — from the stranger's own address even — opens and decides at once.
    const opened = await from(stranger, 'GET', `/approvals/${id}?s=${secret}`);
    expect(opened.statusCode).toBe(200);
    const decided = await from(stranger, 'POST', `/approvals/${id}`, {
      body: form({ s: secret, decision: 'approve' }),
    });
    const ok = decided.statusCode === 200 && successesFor(taskToken).length === 1;
    tally.check('attacks', ok, `approver after 100 stranger requests: ${decided.statusCode}`);
    expect(decided.statusCode).toBe(200);
    expect(successesFor(taskToken)).toHaveLength(1);
    expect((await testStore().getRequest(id))?.status).toBe('decided');
  });

  it("refuses a link of another tenant's request with 403", async () => {
    const { link, taskToken } = await startApproval();
    const { id, secret, path } = pathOf(link);
    // The same record as seen by another tenant's deployment.
    const other = asStep(
      env,
      'ApprovalApi',
      handlers.api.makeApprovalApiHandler({ clock, tenantId: 'globex' }),
    );
    const get = (await other(apiEvent('GET', path), lambdaContext)) as ApiResult;
    expect(get.statusCode).toBe(403);
    const post = (await other(
      apiEvent('POST', `/approvals/${id}`, { body: form({ s: secret, decision: 'approve' }) }),
      lambdaContext,
    )) as ApiResult;
    expect(post.statusCode).toBe(403);
    expect(successesFor(taskToken)).toHaveLength(0);
    expect((await testStore().getRequest(id))?.status).toBe('pending');
  });

  it('answers 404 for an unknown request id', async () => {
    const page = await call('GET', `/approvals/AAAAAAAAAAAAAAAAAAAAAA?s=${'a'.repeat(43)}`);
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('not known');
    expect((await call('GET', '/approvals/%E0%A4%A?s=x')).statusCode).toBe(404);
  });

  it('decides nothing on GET-only visits (link scanners) but logs them as opened', async () => {
    const { link, taskToken, settlement } = await startApproval();
    const { id, path } = pathOf(link);
    for (let i = 0; i < 3; i++) {
      const page = await call('GET', path);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('€12,345.60');
      expect(page.body).toContain('Materials');
      expect(page.body).toContain('QA acceptance signed');
      expect(page.body).toMatch(
        /href="http:\/\/127\.0\.0\.1:\d+\/acme-settlement\/drafts\/[^"]+statement\.pdf\?[^"]*X-Amz-Signature=/,
      );
    }
    expect((await call('HEAD', path)).statusCode).toBe(200);
    expect(successesFor(taskToken)).toHaveLength(0);
    expect((await testStore().getRequest(id))?.status).toBe('pending');
    const log = await testStore().readLog(settlement.settlementId);
    expect(log.map((e) => e.type)).toEqual(['sent', 'opened', 'opened', 'opened']);
  });

  it('sends the link to an active delegate and records the decision as "delegate for approver"', async () => {
    const { delegate } = await import('#approval/delegation.ts');
    const store = testStore();
    await delegate(
      { store, clock },
      PM.email,
      'deputy@acme.test',
      '2026-11-01T00:00:00Z',
      '2026-11-10T00:00:00Z',
      'Annual leave',
    );
    // A window that already ended does not count.
    await delegate(
      { store, clock },
      PM.email,
      'old@acme.test',
      '2026-10-01T00:00:00Z',
      '2026-10-10T00:00:00Z',
      'Trip',
    );
    const { email, link, taskToken, settlement } = await startApproval();
    expect(email?.to).toEqual(['deputy@acme.test']);
    expect(parseMimeParts(email?.mime ?? '').find((p) => p.contentType === 'text/plain')?.text).toContain(
      `delegate of ${PM.email}`,
    );
    const { id, secret, path } = pathOf(link);
    expect((await call('GET', path)).body).toContain(`You decide for ${PM.email} (delegation).`);
    await call('POST', `/approvals/${id}`, { body: form({ s: secret, decision: 'approve' }) });
    expect(JSON.parse(successesFor(taskToken)[0]?.output ?? '{}').decidedBy).toBe(
      `deputy@acme.test for ${PM.email}`,
    );
    const log = await store.readLog(settlement.settlementId);
    expect(log.find((e) => e.type === 'delegated')).toMatchObject({
      actor: PM.email,
      detail: { to: 'deputy@acme.test', reason: 'Annual leave' },
    });
    expect(log.find((e) => e.type === 'decided')?.actor).toBe(`deputy@acme.test for ${PM.email}`);
    // Outside the window the approver gets the link again.
    clock.set('2026-11-11T09:00:00.000Z');
    const later = await startApproval();
    expect(later.email?.to).toEqual([PM.email]);
  });

  it('sends exactly one SendTaskSuccess when two POSTs race on the same link', async () => {
    const { link, taskToken } = await startApproval();
    const { id, secret } = pathOf(link);
    const pages = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        call('POST', `/approvals/${id}`, {
          body: form(
            i % 2 ? { s: secret, decision: 'approve' } : { s: secret, decision: 'reject', comment: 'No.' },
          ),
        }),
      ),
    );
    expect(pages.map((p) => p.statusCode).sort()).toEqual([200, 410, 410, 410, 410]);
    expect(successesFor(taskToken)).toHaveLength(1);
  });

  it('delivers a decision that raced a timeout to the next wait round', async () => {
    const first = await startApproval();
    env.recorded.staleTokens.add(first.taskToken);
    const { id, secret } = pathOf(first.link);
    const page = await call('POST', `/approvals/${id}`, { body: form({ s: secret, decision: 'approve' }) });
    expect(page.statusCode).toBe(200);
    expect(successesFor(first.taskToken)).toHaveLength(0);
    clock.advance(3600);
    const state = (await timeout()(
      {
        settlement: first.settlement,
        outcome: 'awaiting-approval',
        sources: [],
        approval: first.approval,
        error: { Error: 'States.Timeout' },
      },
      lambdaContext,
    )) as SettlementState;
    expect(state.outcome).toBe('awaiting-approval');
    const token2 = newToken();
    const emails = env.recorded.emails.length;
    await request()(
      { settlement: first.settlement, approval: state.approval, taskToken: token2 },
      lambdaContext,
    );
    expect(env.recorded.emails.length).toBe(emails);
    expect(JSON.parse(successesFor(token2)[0]?.output ?? '{}')).toMatchObject({
      decision: 'approved',
      complete: true,
    });
  });

  it('stores the new token of a retried first round without a second email', async () => {
    const first = await startApproval();
    const emails = env.recorded.emails.length;
    const token2 = newToken();
    await request()(
      { settlement: first.settlement, approval: first.approval, taskToken: token2 },
      lambdaContext,
    );
    expect(env.recorded.emails.length).toBe(emails);
    const { id, secret } = pathOf(first.link);
    await call('POST', `/approvals/${id}`, { body: form({ s: secret, decision: 'approve' }) });
    expect(successesFor(token2)).toHaveLength(1);
    expect(successesFor(first.taskToken)).toHaveLength(0);
  });

  it('shows the page in Chinese for a zh browser or ?lang=zh-CN, and works without script on a phone', async () => {
    const { link } = await startApproval();
    const { path } = pathOf(link);
    const zh = await call('GET', path, { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
    expect(zh.body).toContain('<html lang="zh-CN">');
    expect(zh.body).toContain('批准');
    expect(zh.headers['Content-Language']).toBe('zh-CN');
    expect(zh.body).toContain('€12,345.60');
    const explicit = await call('GET', `${path}&lang=zh-CN`, { headers: { 'accept-language': 'en' } });
    expect(explicit.body).toContain('驳回');
    const en = await call('GET', path, { headers: { 'accept-language': 'de-DE,en;q=0.5' } });
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(en.body).not.toMatch(/<script/i);
  });

  it('puts the security headers on every response, error pages included', async () => {
    const { link } = await startApproval();
    const { id, path } = pathOf(link);
    const broken = settlementRef();
    // A request whose summary is missing: the page fails with a 500.
    await putSummary(summaryFor(broken.settlementId));
    await request()(
      {
        settlement: broken,
        approval: { step: 0, steps: 1, waitSeconds: 3600, phase: 'initial' },
        taskToken: newToken(),
      },
      lambdaContext,
    );
    const brokenLink = pathOf(extractApprovalLink(env.recorded.emails.at(-1)?.mime ?? ''));
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    const { getClients } = await import('#adapters/clients.ts');
    await getClients().s3.send(
      new DeleteObjectCommand({
        Bucket: process.env.BUCKET_NAME,
        Key: `drafts/${broken.settlementId}/summary.json`,
      }),
    );

    const responses = [
      await call('GET', path),
      await call('GET', `/approvals/${id}?s=${'b'.repeat(43)}`),
      await call('GET', '/approvals/AAAAAAAAAAAAAAAAAAAAAA?s=x'),
      await call('PUT', path),
      await call('POST', `/approvals/${id}`, { body: 'x'.repeat(9000) }),
      await call('POST', `/approvals/${id}`, {
        body: 'not a form',
        headers: { 'content-type': 'application/json' },
      }),
      await call('GET', brokenLink.path),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 403, 404, 405, 413, 415, 500]);
    for (const r of responses) {
      expect(r.headers['Content-Security-Policy']).toMatch(
        /^default-src 'none'; style-src 'sha256-[^']+'( 'sha256-[^']+')*; /,
      );
      // Every inline style sheet (the page's and an embedded CJK font's) is allowed by its hash.
      for (const [, css] of (r.body ?? '').matchAll(/<style>([\s\S]*?)<\/style>/g))
        expect(r.headers['Content-Security-Policy']).toContain(styleHash(css ?? ''));
      expect(r.headers['Content-Security-Policy']).toContain("frame-ancestors 'none'");
      expect(r.headers['Referrer-Policy']).toBe('no-referrer');
      expect(r.headers['X-Content-Type-Options']).toBe('nosniff');
      expect(r.headers['Cache-Control']).toBe('no-store');
      expect(r.headers['Content-Type']).toBe('text/html; charset=utf-8');
    }
    expect(responses[3]?.headers.Allow).toBe('GET, HEAD, POST');
    const failed = responses[6];
    expect(failed?.body).toContain('Something went wrong on our side');
    expect(failed?.body).not.toContain('NoSuchKey');
    expect(failed?.body).toMatch(/Reference: <code>req-[a-z0-9]+<\/code>/);
  });

  it('accepts a base64-encoded form body as API Gateway may send it', async () => {
    const { link, taskToken } = await startApproval();
    const { id, secret } = pathOf(link);
    const page = await call('POST', `/approvals/${id}`, {
      body: form({ s: secret, decision: 'approve' }),
      base64: true,
    });
    expect(page.statusCode).toBe(200);
    expect(successesFor(taskToken)).toHaveLength(1);
  });

  it('never writes a link secret or a task token to the logs', () => {
    const logs = captured.join('');
    expect(logs).toContain('approval link sent');
    expect(logs).toContain('approval decided');
    expect(secretsSeen.length).toBeGreaterThan(10);
    for (const secret of secretsSeen) expect(logs).not.toContain(secret);
    for (const token of tokensSeen) expect(logs).not.toContain(token);
  });
});

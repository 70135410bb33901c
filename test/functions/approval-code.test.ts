import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getClients } from '#adapters/clients.ts';
import { resetConfig } from '#adapters/config.ts';
import { extractApprovalLink, parseMimeParts } from '../support/approval-browser.ts';
import {
  type ApiResult,
  type ApprovalTestEnv,
  apiEvent,
  asStep,
  fakeClock,
  form,
  lambdaContext,
  PM,
  putSummary,
  settlementRef,
  startApprovalEnv,
  summaryFor,
  testStore,
} from './approval-harness.ts';

/**
 * Approval that fits the amount, through the real handlers on the local emulators with the
 * synthesized IAM enforced: above the tenant's threshold (here EUR 10,000.00) Approve emails a
 * one-time code and only the right code completes the approval.
 */

let env: ApprovalTestEnv;
let handlers: {
  request: typeof import('#functions/request-approval.ts');
  api: typeof import('#functions/approval-api.ts');
};
const clock = fakeClock('2026-11-02T09:00:00.000Z');

beforeAll(async () => {
  env = await startApprovalEnv();
  // The tenant's code policy, as the stack (or the local runtime) sets it from tenants.json.
  Object.assign(process.env, {
    APPROVAL_CODE_FROM: '10000.00 EUR',
    APPROVAL_CODE_MINUTES: '10',
    APPROVAL_CODE_ATTEMPTS: '3',
  });
  resetConfig();
  handlers = {
    request: await import('#functions/request-approval.ts'),
    api: await import('#functions/approval-api.ts'),
  };
});

afterAll(async () => {
  for (const name of ['APPROVAL_CODE_FROM', 'APPROVAL_CODE_MINUTES', 'APPROVAL_CODE_ATTEMPTS'])
    delete process.env[name];
  await env?.stop();
});

beforeEach(() => clock.set('2026-11-02T09:00:00.000Z'));

const api = () => asStep(env, 'ApprovalApi', handlers.api.makeApprovalApiHandler({ clock }));

async function call(method: string, target: string, options: Parameters<typeof apiEvent>[2] = {}) {
  return (await api()(apiEvent(method, target, options), lambdaContext)) as ApiResult;
}

let tokens = 0;
async function startApproval(amount: string) {
  const settlement = settlementRef();
  await putSummary(summaryFor(settlement.settlementId, { amount }));
  tokens += 1;
  const taskToken = `code-token-${tokens}-${'x'.repeat(80)}`;
  await asStep(
    env,
    'RequestApproval',
    handlers.request.makeRequestApprovalHandler({ clock }),
  )(
    { settlement, approval: { step: 0, steps: 1, waitSeconds: 3600, phase: 'initial' }, taskToken },
    lambdaContext,
  );
  const url = new URL(extractApprovalLink(env.recorded.emails.at(-1)?.mime ?? ''));
  const secret = url.searchParams.get('s') ?? '';
  const requestId = url.pathname.split('/').at(-1) ?? '';
  return {
    settlement,
    taskToken,
    secret,
    requestId,
    path: `${url.pathname}${url.search}`,
    postPath: url.pathname,
  };
}

const successesFor = (token: string) => env.recorded.taskSuccesses.filter((s) => s.taskToken === token);

/** The code of the last email (its text part shows it on a line of its own). */
function lastCode(): { to: string[]; code: string; text: string } {
  const email = env.recorded.emails.at(-1);
  const text = parseMimeParts(email?.mime ?? '').find((p) => p.contentType === 'text/plain')?.text ?? '';
  const code = /^ {4}(\d{6})$/m.exec(text)?.[1];
  if (!code) throw new Error(`no code in the last email:\n${text}`);
  return { to: email?.to ?? [], code, text };
}

async function keptEmails(settlementId: string): Promise<string[]> {
  const { s3 } = getClients();
  const list = await s3.send(
    new ListObjectsV2Command({ Bucket: process.env.BUCKET_NAME, Prefix: `emails/${settlementId}/` }),
  );
  return Promise.all(
    (list.Contents ?? []).map(async (o) => {
      const got = await s3.send(new GetObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: o.Key }));
      return (await got.Body?.transformToString()) ?? '';
    }),
  );
}

const approve = (secret: string, extra: Record<string, string> = {}) => ({
  body: form({ s: secret, decision: 'approve', comment: '', ...extra }),
});

describe('an approval below the threshold', () => {
  it('completes with the link alone, as before', async () => {
    const { taskToken, secret, path, postPath } = await startApproval('9999.99');
    const page = await call('GET', path);
    expect(page.body).not.toContain('one-time code');
    const emails = env.recorded.emails.length;
    const done = await call('POST', postPath, approve(secret));
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Approved.');
    expect(env.recorded.emails.length).toBe(emails);
    expect(successesFor(taskToken)).toHaveLength(1);
  });
});

describe('an approval above the threshold', () => {
  it('emails a code to the approver on Approve and completes only with that code', async () => {
    const { settlement, taskToken, secret, requestId, path, postPath } = await startApproval('12345.60');
    const page = await call('GET', path);
    expect(page.body).toContain(
      `needs a one-time code: when you click Approve, we email a code to ${PM.email}`,
    );

    const asked = await call('POST', postPath, approve(secret, { comment: 'Checked the materials.' }));
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('Confirm your approval');
    expect(asked.body).toContain(`We emailed a 6-digit code to ${PM.email}`);
    expect(asked.body).toContain('value="Checked the materials."');
    expect(successesFor(taskToken)).toHaveLength(0);
    const { to, code } = lastCode();
    expect(to).toEqual([PM.email]);

    // At rest: a keyed hash, an expiry, a counter — never the code.
    const stored = await testStore().getRequest(requestId);
    expect(stored).toMatchObject({ codeRequired: true, codeSends: 1, otp: { email: PM.email } });
    expect(stored?.otp?.expiresAt).toBe('2026-11-02T09:10:00.000Z');
    expect(JSON.stringify(stored)).not.toContain(code);
    // The copy kept with the settlement (and archived) shows no usable code.
    const kept = (await keptEmails(settlement.settlementId)).filter((m) =>
      m.includes('X-Kept-Copy: one-time'),
    );
    expect(kept).toHaveLength(1);
    expect(kept[0]).not.toContain(code);

    const done = await call(
      'POST',
      postPath,
      approve(secret, {
        comment: 'Checked the materials.',
        codeAction: 'confirm',
        code: code.replace(/(\d{3})/, '$1 '),
      }),
    );
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Approved.');
    const sent = successesFor(taskToken);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]?.output ?? '{}')).toMatchObject({
      decision: 'approved',
      comment: 'Checked the materials.',
    });
    const after = await testStore().getRequest(requestId);
    expect(after?.status).toBe('decided');
    expect(after?.otp).toBeUndefined();
    const log = await testStore().readLog(settlement.settlementId);
    expect(log.map((e) => e.type)).toEqual(expect.arrayContaining(['code-sent', 'decided']));
    expect(log.find((e) => e.type === 'decided')?.detail).toMatchObject({ confirmedWith: 'one-time code' });

    // Single use: the same code posted again decides nothing.
    const replay = await call('POST', postPath, approve(secret, { codeAction: 'confirm', code }));
    expect(replay.statusCode).toBe(410);
    expect(successesFor(taskToken)).toHaveLength(1);
  });

  it('counts wrong codes and locks approving after the last attempt; rejecting still works', async () => {
    const { taskToken, secret, requestId, postPath } = await startApproval('50000.00');
    await call('POST', postPath, approve(secret));
    const { code } = lastCode();
    const wrong = code === '000000' ? '111111' : '000000';

    const first = await call('POST', postPath, approve(secret, { codeAction: 'confirm', code: wrong }));
    expect(first.statusCode).toBe(400);
    expect(first.body).toContain('That code is not correct. Nothing was approved.');
    expect(first.body).toContain('Attempts left: 2.');
    // Not six digits: refused without spending an attempt.
    const short = await call('POST', postPath, approve(secret, { codeAction: 'confirm', code: '12' }));
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('Please enter the 6 digits');
    expect(short.body).toContain('Attempts left: 2.');
    await call('POST', postPath, approve(secret, { codeAction: 'confirm', code: wrong }));
    const last = await call('POST', postPath, approve(secret, { codeAction: 'confirm', code: wrong }));
    expect(last.statusCode).toBe(403);
    expect(last.body).toContain('approving with this link is locked');

    // Locked: the right code no longer approves, and no new code is sent.
    const right = await call('POST', postPath, approve(secret, { codeAction: 'confirm', code }));
    expect(right.statusCode).toBe(403);
    const emails = env.recorded.emails.length;
    expect((await call('POST', postPath, approve(secret, { codeAction: 'send' }))).statusCode).toBe(403);
    expect(env.recorded.emails.length).toBe(emails);
    expect(successesFor(taskToken)).toHaveLength(0);
    expect((await testStore().getRequest(requestId))?.codeAttempts).toBe(3);

    const rejected = await call('POST', postPath, {
      body: form({ s: secret, decision: 'reject', comment: 'Amount looks wrong.' }),
    });
    expect(rejected.statusCode).toBe(200);
    expect(JSON.parse(successesFor(taskToken)[0]?.output ?? '{}')).toMatchObject({ decision: 'rejected' });
  });

  it('refuses an expired code and accepts the new one that replaces it', async () => {
    const { taskToken, secret, postPath } = await startApproval('20000.00');
    await call('POST', postPath, approve(secret));
    const old = lastCode().code;
    clock.advance(10 * 60);
    const expired = await call('POST', postPath, approve(secret, { codeAction: 'confirm', code: old }));
    expect(expired.statusCode).toBe(400);
    expect(expired.body).toContain('That code has expired');

    const resent = await call('POST', postPath, approve(secret, { codeAction: 'send' }));
    expect(resent.statusCode).toBe(200);
    const fresh = lastCode().code;
    if (fresh !== old) {
      const stale = await call('POST', postPath, approve(secret, { codeAction: 'confirm', code: old }));
      expect(stale.statusCode).toBe(400);
    }
    const done = await call('POST', postPath, approve(secret, { codeAction: 'confirm', code: fresh }));
    expect(done.statusCode).toBe(200);
    expect(successesFor(taskToken)).toHaveLength(1);
  });

  it('sends at most three codes per request', async () => {
    const { secret, postPath } = await startApproval('20000.00');
    for (let i = 0; i < 3; i++)
      expect((await call('POST', postPath, approve(secret, { codeAction: 'send' }))).statusCode).toBe(200);
    const emails = env.recorded.emails.length;
    const fourth = await call('POST', postPath, approve(secret, { codeAction: 'send' }));
    expect(fourth.statusCode).toBe(400);
    expect(fourth.body).toContain('No more codes can be sent');
    expect(env.recorded.emails.length).toBe(emails);
  });

  it('rejects without a code', async () => {
    const { taskToken, secret, postPath } = await startApproval('80000.00');
    const emails = env.recorded.emails.length;
    const rejected = await call('POST', postPath, {
      body: form({ s: secret, decision: 'reject', comment: 'Not yet accepted by the client.' }),
    });
    expect(rejected.statusCode).toBe(200);
    expect(env.recorded.emails.length).toBe(emails);
    expect(JSON.parse(successesFor(taskToken)[0]?.output ?? '{}')).toMatchObject({ decision: 'rejected' });
  });

  it('sends the code email and the code page in Chinese when the page is Chinese', async () => {
    const { secret, postPath } = await startApproval('20000.00');
    const asked = await call('POST', postPath, approve(secret, { lang: 'zh-CN' }));
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('确认您的批准');
    expect(lastCode().text).toContain('您的一次性验证码');
  });
});

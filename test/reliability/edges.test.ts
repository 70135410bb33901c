import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getObject, putObject } from '#adapters/objects.ts';
import { validateCharter } from '#domain/charter.ts';
import { approvalLinks } from '#local/outbox.ts';
import {
  DEMO_INPUT,
  describeExecution,
  type Harness,
  importDemo,
  partition,
  startHarness,
  verifyTenantArchive,
} from './support/harness.ts';
import { Tally } from './support/summary.ts';

/**
 * Bad input, attacks on approval links and archive tampering, against one settled demo tenant
 * (the approval API through the local HTTP server, the archive through verifyArchive).
 */

const tally = new Tally('edges');
let h: Harness;
let link: URL;
const ID = `${DEMO_INPUT.projectId}_${DEMO_INPUT.period}_r${DEMO_INPUT.revision}`;

async function post(path: string, body: string, type = 'application/x-www-form-urlencoded') {
  return fetch(new URL(path, h.runtime.server.url), {
    method: 'POST',
    headers: { 'content-type': type },
    body,
  });
}

async function serverUp(): Promise<boolean> {
  const res = await fetch(new URL('/approvals/AAAAAAAAAAAAAAAAAAAAAA?s=x', h.runtime.server.url));
  await res.text();
  return res.status === 404 || res.status === 403;
}

beforeAll(async () => {
  h = await startHarness('acme');
  await importDemo();
  const execution = await h.settle({ ...DEMO_INPUT }, 'edges');
  expect(execution.status, describeExecution(execution)).toBe('SUCCEEDED');
  const sent = h.runtime.server.emails.flatMap((e) => approvalLinks(e.mime));
  expect(sent.length).toBeGreaterThan(0);
  link = new URL(String(sent[0]));
});

afterAll(async () => {
  await h?.stop();
  tally.flush();
});

describe('bad input', () => {
  it('validateCharter never throws on fuzzed charters and names each problem with a path', () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.anything(), (value) => {
        runs += 1;
        const result = validateCharter(value as never) as unknown as {
          ok?: boolean;
          success?: boolean;
          problems?: Array<{ path: unknown }>;
        };
        expect(result).toBeDefined();
        return true;
      }),
      { numRuns: 300 },
    );
    tally.cases('bad-input', runs);
  });

  it.each([
    ['an oversized body', 'a'.repeat(70 * 1024), 'application/x-www-form-urlencoded'],
    ['a JSON body', '{"s":"x","decision":"approve"}', 'application/json'],
    ['a multipart body', '--x\r\n\r\n', 'multipart/form-data; boundary=x'],
    ['a missing decision', 's=abc', 'application/x-www-form-urlencoded'],
    ['an unknown decision', 's=abc&decision=maybe', 'application/x-www-form-urlencoded'],
    [
      'a header-injecting comment',
      's=abc&decision=reject&comment=x%0d%0aSet-Cookie:%20a=b',
      'application/x-www-form-urlencoded',
    ],
  ])('answers %s with a clear 4xx and stays up', async (_what, body, type) => {
    const res = await post(link.pathname, body, type);
    const text = await res.text();
    const ok = res.status >= 400 && res.status < 500 && !res.headers.get('set-cookie') && (await serverUp());
    tally.check('bad-input', ok, `POST ${_what}: ${res.status}`);
    expect(res.status, text.slice(0, 200)).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it.each([
    '/approvals/../x',
    '/approvals/..%2F..%2Fetc%2Fpasswd',
    '/approvals/a%2Fb?s=x',
    '/approvals/%00?s=x',
    '/approvals/%E0%A4%A?s=x',
    '/approvals/x/y?s=x',
  ])('answers the path %s with a 4xx, never a 500', async (path) => {
    const res = await fetch(new URL(path, h.runtime.server.url));
    await res.text();
    const ok = res.status >= 400 && res.status < 500;
    tally.check('bad-input', ok, `GET ${path}: ${res.status}`);
    expect(await serverUp()).toBe(true);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('attacks on approval links', () => {
  it('refuses a forged secret, a replayed link and a brute force, deciding nothing', async () => {
    const id = link.pathname.split('/').pop() ?? '';
    const before = await partition(`APPROVAL#${id}`);
    const forged = await post(link.pathname, `s=${'A'.repeat(43)}&decision=approve`);
    await forged.text();
    tally.check('attacks', forged.status === 403, `forged secret: ${forged.status}`);
    expect(forged.status).toBe(403);
    const replayed = await post(
      link.pathname,
      `s=${link.searchParams.get('s')}&decision=reject&comment=late`,
    );
    await replayed.text();
    tally.check('attacks', replayed.status === 410, `replayed link: ${replayed.status}`);
    expect(replayed.status).toBe(410);
    // Brute force: wrong secrets are refused (403) until this client is throttled (429 + Retry-After).
    const statuses: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      const res = await post(
        link.pathname,
        `s=${Buffer.from(String(i)).toString('base64url').padEnd(43, 'x')}&decision=approve`,
      );
      await res.text();
      statuses.push(res.status);
    }
    const refused = statuses.filter((s) => s === 403 || s === 429).length;
    const locked = statuses.indexOf(429);
    tally.check(
      'attacks',
      refused === 30 && locked > 0,
      `brute force: ${refused}/30 refused, locked after ${locked}`,
    );
    expect(refused).toBe(30);
    expect(statuses.slice(locked).every((s) => s === 429)).toBe(true);
    const after = await partition(`APPROVAL#${id}`);
    expect(after.map((i) => i.decision)).toEqual(before.map((i) => i.decision));
  });

  it('refuses a link of another tenant', async () => {
    const foreign = await fetch(
      new URL(`/approvals/${'B'.repeat(22)}?s=${'C'.repeat(43)}`, h.runtime.server.url),
    );
    await foreign.text();
    tally.check('attacks', foreign.status === 404, `unknown/foreign request id: ${foreign.status}`);
    expect(foreign.status).toBe(404);
  });
});

describe('archive', () => {
  it('verifies the settled archive, then detects a tampered file', async () => {
    expect((await verifyTenantArchive()).status).toBe('ok');
    const key = `final/${ID}/statement.json`;
    const original = await getObject(key);
    expect(original).toBeDefined();
    await putObject(key, `${new TextDecoder().decode(original)} `, 'application/json');
    const tampered = await verifyTenantArchive();
    const detected = tampered.status !== 'ok' && tampered.issues.some((i) => i.kind === 'changed-file');
    tally.check('archive', detected, 'tampered statement detected');
    expect(detected).toBe(true);
    await putObject(key, original ?? '', 'application/json');
    expect((await verifyTenantArchive()).status).toBe('ok');
  });

  it('reports a prefix without a manifest as incomplete', async () => {
    await putObject('archive/ghost_2026-10_r0/inputs/charter.json', '{}', 'application/json');
    const result = await verifyTenantArchive();
    const incomplete = result.issues.some((i) => i.kind === 'incomplete-archive');
    tally.check('archive', incomplete, 'crash mid-archive reported incomplete');
    expect(incomplete).toBe(true);
  });
});

describe('concurrency', () => {
  /** The approval links emailed after `from` (an index into the server's sent emails). */
  async function linksAfter(from: number, count = 1): Promise<URL[]> {
    for (let i = 0; i < 2000; i += 1) {
      const found = h.runtime.server.emails.slice(from).flatMap((e) => approvalLinks(e.mime));
      if (found.length >= count) return found.map((l) => new URL(l));
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('no approval link arrived');
  }

  it('lets one of two executions of the same settlement proceed and stops the other cleanly', async () => {
    const input = { ...DEMO_INPUT, revision: 1, reason: 'concurrency check' };
    const before = h.runtime.server.emails.length;
    const first = h.runtime.sfn.startExecution(h.runtime.settlementArn, input, 'concurrent-a');
    const [firstLink] = await linksAfter(before);
    const second = h.runtime.sfn.startExecution(h.runtime.settlementArn, input, 'concurrent-b');
    await second.done;
    const refused = second.history.find((e) => e.type === 'StateFailed' && e.state === 'Open')?.error;
    tally.check(
      'concurrency',
      second.status === 'FAILED' && refused === 'SettlementInProgressError',
      `second execution: ${second.status} ${refused}`,
    );
    expect(refused).toBe('SettlementInProgressError');
    expect(first.status).toBe('RUNNING');
    // The first goes on: approve its links until it ends.
    let seen = before;
    let next: URL | undefined = firstLink;
    while (first.status === 'RUNNING') {
      if (next) {
        const res = await post(next.pathname, `s=${next.searchParams.get('s')}&decision=approve`);
        await res.text();
        seen = h.runtime.server.emails.length;
        next = undefined;
      }
      const more = h.runtime.server.emails.slice(seen).flatMap((e) => approvalLinks(e.mime));
      if (more[0]) next = new URL(more[0]);
      else await new Promise((r) => setTimeout(r, 25));
    }
    tally.check('concurrency', first.status === 'SUCCEEDED', `first execution: ${first.status}`);
    expect(first.status, describeExecution(first)).toBe('SUCCEEDED');
  });

  it('takes exactly one decision when two approvers click the same link at once', async () => {
    const input = { ...DEMO_INPUT, revision: 2, reason: 'double click check' };
    const before = h.runtime.server.emails.length;
    const execution = h.runtime.sfn.startExecution(h.runtime.settlementArn, input, 'double-click');
    const [shared] = await linksAfter(before);
    if (!shared) throw new Error('no link');
    const id = shared.pathname.split('/').pop() ?? '';
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        post(shared.pathname, `s=${shared.searchParams.get('s')}&decision=approve`).then(async (r) => {
          await r.text();
          return r.status;
        }),
      ),
    );
    const decided = (await partition(`APPROVAL#${id}`)).filter((i) => i.status === 'decided');
    const ok = answers.filter((s) => s === 200).length === 1 && answers.filter((s) => s === 410).length === 4;
    tally.check('concurrency', ok && decided.length === 1, `five clicks: ${answers.join(',')}`);
    expect(answers.filter((s) => s === 200)).toHaveLength(1);
    expect(decided).toHaveLength(1);
    // The execution goes on to the next approver (the runtime stops it at the end of the file).
    expect(execution.status).toBe('RUNNING');
  });
});

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback, type LocalServer, startLocalServer } from '#local/server.ts';
import { LocalStepFunctions } from '#local/step-functions.ts';
import { Tally } from '../../reliability/support/summary.ts';

/**
 * The local runtime's AWS endpoints (Step Functions, SES) answer the SDK with the local keys and
 * nothing else: not a web page's cross-origin POST, not a rebound Host, not an unsigned or
 * wrongly signed call.
 */

const tally = new Tally('local-endpoints');
const KEYS = { 'LOCAL-TEST': 'local-test-secret' };
let server: LocalServer;
let outbox: string;

beforeAll(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'outbox-'));
  const sfn = new LocalStepFunctions({
    region: 'eu-central-1',
    invokeLambda: async () => {
      throw new Error('no functions here');
    },
  });
  server = await startLocalServer({
    sfn,
    outboxDir: outbox,
    credentials: KEYS,
    approvalHandler: async () => async () => ({ statusCode: 200, body: 'approval page' }),
  });
});

afterAll(async () => {
  await server?.close();
  tally.flush();
  await rm(outbox, { recursive: true, force: true });
});

const client = <T>(
  Client: new (config: object) => T,
  secret = 'local-test-secret',
  accessKeyId = 'LOCAL-TEST',
) =>
  new Client({
    endpoint: server.url,
    region: 'eu-central-1',
    credentials: { accessKeyId, secretAccessKey: secret },
  });

/** A raw request (the SDK cannot forge Host, Origin or an unsigned body). */
function raw(
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<{ status: number; text: string; type: string | undefined }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
          type: res.headers['x-amzn-errortype'] as string | undefined,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const emlCount = async () => (await readdir(outbox)).filter((f) => f.endsWith('.eml')).length;
const host = () => new URL(server.url).host;

describe('local AWS endpoints', () => {
  it('serve the SDK signing with a local key (Step Functions and SES)', async () => {
    const sfn = client(SFNClient);
    const listed = await sfn.send(new ListExecutionsCommand({}));
    sfn.destroy();
    expect(listed.executions).toEqual([]);
    const ses = client(SESv2Client);
    const sent = await ses.send(
      new SendEmailCommand({
        Content: { Raw: { Data: Buffer.from('To: a@example.com\r\nSubject: hi\r\n\r\nbody') } },
      }),
    );
    ses.destroy();
    expect(sent.MessageId).toMatch(/^local-/);
    expect(await emlCount()).toBe(1);
  });

  it('refuses a web page posting a forged email as text/plain, and writes nothing', async () => {
    const before = await emlCount();
    const forged = JSON.stringify({
      Content: { Raw: { Data: Buffer.from('Subject: forged').toString('base64') } },
    });
    const res = await raw(
      '/v2/email/outbound-emails',
      {
        host: host(),
        'content-type': 'text/plain',
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'no-cors',
      },
      forged,
    );
    const ok = res.status === 403 && (await emlCount()) === before;
    tally.check('attacks', ok, `cross-origin SES post: ${res.status}`);
    expect(res.status).toBe(403);
    expect(await emlCount()).toBe(before);
  });

  it('refuses an unsigned call, a wrong content type and a wrongly signed call', async () => {
    const before = await emlCount();
    const body = JSON.stringify({ Content: { Raw: { Data: Buffer.from('Subject: x').toString('base64') } } });
    const unsigned = await raw(
      '/v2/email/outbound-emails',
      { host: host(), 'content-type': 'application/json' },
      body,
    );
    const plain = await raw(
      '/v2/email/outbound-emails',
      { host: host(), 'content-type': 'text/plain' },
      body,
    );
    const sfnUnsigned = await raw(
      '/',
      {
        host: host(),
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.ListExecutions',
      },
      '{}',
    );
    const results = [unsigned.status, plain.status, sfnUnsigned.status];
    const wrong = client(SFNClient, 'not-the-secret');
    const wrongKey = await wrong.send(new ListExecutionsCommand({})).then(
      () => 'accepted',
      (error: Error) => error.name,
    );
    wrong.destroy();
    const stranger = client(SFNClient, 'x', 'SOMEONE');
    const unknownKey = await stranger.send(new ListExecutionsCommand({})).then(
      () => 'accepted',
      (error: Error) => error.name,
    );
    stranger.destroy();
    const ok =
      results.join() === '403,415,403' &&
      wrongKey === 'InvalidSignatureException' &&
      unknownKey === 'UnrecognizedClientException';
    tally.check(
      'attacks',
      ok,
      `unsigned/plain/sfn ${results.join()} wrong ${wrongKey} unknown ${unknownKey}`,
    );
    expect(results).toEqual([403, 415, 403]);
    expect(wrongKey).toBe('InvalidSignatureException');
    expect(unknownKey).toBe('UnrecognizedClientException');
    expect(await emlCount()).toBe(before);
  });

  it('refuses a Host that is not this server (DNS rebinding), even with a valid signature', async () => {
    // Signed for the rebound name: what a page at attacker.example:PORT could not sign anyway.
    const res = await raw(
      '/',
      {
        host: `attacker.example:${new URL(server.url).port}`,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.DescribeExecution',
      },
      '{"executionArn":"x"}',
    );
    tally.check('attacks', res.status === 421, `rebound host: ${res.status}`);
    expect(res.status).toBe(421);
    const approval = await fetch(`${server.url}/approvals/AAAAAAAAAAAAAAAAAAAAAA`, { headers: {} });
    expect(approval.status).toBe(200);
    await approval.text();
  });

  it('knows loopback addresses from others', () => {
    expect(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1', '::ffff:192.168.1.2', '', undefined, '1127.0.0.1'].some(isLoopback)).toBe(false);
  });
});

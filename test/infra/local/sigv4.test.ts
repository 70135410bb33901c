import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecretLookup, SigV4Error, verifySigV4 } from '#local/sigv4.ts';

/**
 * The verifier against requests the AWS SDK really signs: a small server captures each request
 * (method, raw url, headers, body bytes) and verifies it, as the local endpoints do.
 */

interface Captured {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

const KEYS: Record<string, string> = {
  'LOCAL-DISTRIBUTE-STATEMENT': 'secret-of-distribute-statement',
  'LOCAL-APPROVAL-API': 'secret-of-approval-api',
};

let server: Server;
let endpoint: string;
const captured: Captured[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    captured.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks),
    });
    if (req.headers['x-amz-target'])
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
    else if (req.url?.startsWith('/v2/email'))
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"MessageId":"m-1"}');
    else res.writeHead(200, { etag: '"e"' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const config = (accessKeyId: string, secretAccessKey: string) => ({
  endpoint,
  region: 'eu-central-1',
  credentials: { accessKeyId, secretAccessKey },
});

async function sfnRequest(
  accessKeyId = 'LOCAL-APPROVAL-API',
  secret = KEYS[accessKeyId] ?? 'x',
): Promise<Captured> {
  const client = new SFNClient(config(accessKeyId, secret));
  await client.send(new SendTaskSuccessCommand({ taskToken: 'token-1', output: '{"decision":"approved"}' }));
  client.destroy();
  const last = captured.at(-1);
  if (!last) throw new Error('nothing captured');
  return last;
}

async function rejection(promise: Promise<unknown>): Promise<SigV4Error['reason'] | 'accepted'> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (error instanceof SigV4Error) return error.reason;
    throw error;
  }
}

describe('verifySigV4', () => {
  it('accepts a Step Functions request signed by the SDK and names its access key id', async () => {
    const req = await sfnRequest();
    expect(await verifySigV4(req, req.body, KEYS)).toBe('LOCAL-APPROVAL-API');
  });

  it('accepts an SES v2 email and an S3 put of a key with spaces, as the SDK signs them', async () => {
    const ses = new SESv2Client(
      config('LOCAL-DISTRIBUTE-STATEMENT', KEYS['LOCAL-DISTRIBUTE-STATEMENT'] ?? ''),
    );
    await ses.send(
      new SendEmailCommand({ Content: { Raw: { Data: Buffer.from('Subject: hi\r\n\r\nbody') } } }),
    );
    ses.destroy();
    const mail = captured.at(-1) as Captured;
    expect(await verifySigV4(mail, mail.body, KEYS)).toBe('LOCAL-DISTRIBUTE-STATEMENT');

    const s3 = new S3Client({
      ...config('LOCAL-APPROVAL-API', KEYS['LOCAL-APPROVAL-API'] ?? ''),
      forcePathStyle: true,
    });
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'drafts/a b+c/ü.json', Body: '{"x":1}' }));
    s3.destroy();
    const put = captured.at(-1) as Captured;
    expect(put.url).toContain('/b/drafts/a%20b%2Bc/');
    expect(await verifySigV4(put, put.body, KEYS)).toBe('LOCAL-APPROVAL-API');
  });

  it('takes the secret from a function, a Map or a record of access key ids', async () => {
    const req = await sfnRequest();
    const lookups: SecretLookup[] = [(id) => KEYS[id], new Map(Object.entries(KEYS)), KEYS];
    for (const lookup of lookups) expect(await verifySigV4(req, req.body, lookup)).toBe('LOCAL-APPROVAL-API');
  });

  it('refuses a request signed with the wrong secret', async () => {
    const req = await sfnRequest('LOCAL-APPROVAL-API', 'not-the-secret');
    expect(await rejection(verifySigV4(req, req.body, KEYS))).toBe('mismatch');
  });

  it('refuses an access key id it does not know', async () => {
    const req = await sfnRequest('SOMEONE-ELSE', 'whatever');
    expect(await rejection(verifySigV4(req, req.body, KEYS))).toBe('unknown-key');
  });

  it('refuses a signed request whose body, path, method or host was changed', async () => {
    const req = await sfnRequest();
    const body = Buffer.from(req.body.toString('utf8').replace('approved', 'rejected'));
    // The SDK declares the body's hash (x-amz-content-sha256) and signs that: checked first.
    const bodyReason = req.headers['x-amz-content-sha256'] ? 'body-hash' : 'mismatch';
    expect(await rejection(verifySigV4(req, body, KEYS))).toBe(bodyReason);
    const { 'x-amz-content-sha256': _hash, ...withoutHash } = req.headers;
    expect(await rejection(verifySigV4({ ...req, headers: withoutHash }, req.body, KEYS))).not.toBe(
      'accepted',
    );
    expect(await rejection(verifySigV4({ ...req, url: '/other' }, req.body, KEYS))).toBe('mismatch');
    expect(await rejection(verifySigV4({ ...req, method: 'PUT' }, req.body, KEYS))).toBe('mismatch');
    const headers = { ...req.headers, host: 'evil.example:80' };
    expect(await rejection(verifySigV4({ ...req, headers }, req.body, KEYS))).toBe('mismatch');
  });

  it('refuses an S3 body that does not match its declared hash', async () => {
    const s3 = new S3Client({
      ...config('LOCAL-APPROVAL-API', KEYS['LOCAL-APPROVAL-API'] ?? ''),
      forcePathStyle: true,
    });
    await s3.send(
      new PutObjectCommand({ Bucket: 'b', Key: 'k.json', Body: '{"x":1}', ChecksumAlgorithm: undefined }),
    );
    s3.destroy();
    const put = captured.at(-1) as Captured;
    const declared = String(put.headers['x-amz-content-sha256'] ?? '');
    const reason = await rejection(verifySigV4(put, Buffer.from('{"x":2}'), KEYS));
    // A hex hash is checked against the body; a streaming payload is signed chunk by chunk instead.
    expect(reason).toBe(/^[0-9a-f]{64}$/.test(declared) ? 'body-hash' : 'accepted');
  });

  it('refuses a signature older or newer than fifteen minutes (a replay)', async () => {
    const req = await sfnRequest();
    const later = new Date(Date.now() + 16 * 60 * 1000);
    expect(await rejection(verifySigV4(req, req.body, KEYS, { now: later }))).toBe('expired');
    expect(await verifySigV4(req, req.body, KEYS, { now: new Date(Date.now() + 60_000) })).toBe(
      'LOCAL-APPROVAL-API',
    );
  });

  it('accepts a presigned S3 URL until it expires, and refuses it changed or expired', async () => {
    const s3 = new S3Client({
      ...config('LOCAL-APPROVAL-API', KEYS['LOCAL-APPROVAL-API'] ?? ''),
      forcePathStyle: true,
    });
    const link = new URL(
      await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'b', Key: 'drafts/a b/statement.pdf' }), {
        expiresIn: 900,
      }),
    );
    s3.destroy();
    const get = { method: 'GET', url: `${link.pathname}${link.search}`, headers: { host: link.host } };
    const empty = new Uint8Array();
    expect(await verifySigV4(get, empty, KEYS)).toBe('LOCAL-APPROVAL-API');
    const other = { ...get, url: get.url.replace('statement.pdf', 'other.pdf') };
    expect(await rejection(verifySigV4(other, empty, KEYS))).toBe('mismatch');
    expect(await rejection(verifySigV4({ ...get, method: 'PUT' }, empty, KEYS))).toBe('mismatch');
    const later = new Date(Date.now() + 16 * 60 * 1000);
    expect(await rejection(verifySigV4(get, empty, KEYS, { now: later }))).toBe('expired');
    const longer = { ...get, url: get.url.replace('X-Amz-Expires=900', 'X-Amz-Expires=90000') };
    expect(await rejection(verifySigV4(longer, empty, KEYS))).toBe('mismatch');
  });

  it('refuses an unsigned request, another scheme and an incomplete presigned URL', async () => {
    const req = await sfnRequest();
    const { authorization: _a, ...unsigned } = req.headers;
    expect(await rejection(verifySigV4({ ...req, headers: unsigned }, req.body, KEYS))).toBe('missing');
    const basic = { ...req.headers, authorization: 'Basic dXNlcjpwYXNz' };
    expect(await rejection(verifySigV4({ ...req, headers: basic }, req.body, KEYS))).toBe('malformed');
    const presigned = { ...req, url: '/?X-Amz-Signature=00' };
    expect(await rejection(verifySigV4(presigned, req.body, KEYS))).toBe('malformed');
  });
});

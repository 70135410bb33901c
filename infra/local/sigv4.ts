import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Verifies AWS Signature Version 4 on a request to one of the local runtime's AWS endpoints, the
 * way AWS does: the signature is recomputed with the secret key of the request's access key id
 * (by @smithy/signature-v4, the signer the SDK itself uses) over the headers the request says it
 * signed, and compared in constant time. A request without a valid signature by a known key is
 * refused, so a web page (which has no key) or another user's process cannot drive the endpoint.
 *
 * Both forms the SDK produces: header authorisation (`Authorization: AWS4-HMAC-SHA256 …`) and
 * presigned URLs (`X-Amz-Signature` in the query, valid until `X-Amz-Date + X-Amz-Expires`).
 * Streaming payloads (`x-amz-content-sha256: STREAMING-…` / `UNSIGNED-PAYLOAD`) are verified as
 * signed: their body is not hashed.
 */

/** A request as the server received it: method, the raw path with its query, and the headers. */
export interface SignedRequest {
  readonly method: string;
  /** Path and query exactly as received (`req.url`), still percent-encoded. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** The secret key of an access key id, or undefined for an unknown id. */
export type SecretLookup =
  | ((accessKeyId: string) => string | undefined)
  | ReadonlyMap<string, string>
  | Readonly<Record<string, string>>;

export interface VerifyOptions {
  /** The clock (tests). @default new Date() */
  readonly now?: Date;
  /** How far the request's `x-amz-date` may be from now, either way (as AWS: 15 minutes). */
  readonly maxSkewMs?: number;
}

/** A request that does not carry a valid signature; `reason` says which check failed. */
export class SigV4Error extends Error {
  override name = 'SigV4Error';
  readonly reason: 'missing' | 'malformed' | 'unknown-key' | 'expired' | 'body-hash' | 'mismatch';
  constructor(reason: SigV4Error['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;_.-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** SHA-256 / HMAC-SHA256 in the shape the signer expects (a Checksum constructor). */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : bytes(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error('not resettable');
  }
}

function bytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

function lookUp(secrets: SecretLookup, accessKeyId: string): string | undefined {
  if (typeof secrets === 'function') return secrets(accessKeyId);
  if (secrets instanceof Map) return secrets.get(accessKeyId);
  const record = secrets as Readonly<Record<string, string>>;
  return Object.hasOwn(record, accessKeyId) ? record[accessKeyId] : undefined;
}

function headerValue(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

function parseAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Checks the SigV4 signature of `request` (with `body`, the exact bytes received) against the
 * secret of its access key id. Returns the access key id — who signed — or throws SigV4Error.
 */
export async function verifySigV4(
  request: SignedRequest,
  body: Uint8Array,
  credentialsByAccessKeyId: SecretLookup,
  options: VerifyOptions = {},
): Promise<string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const v = headerValue(value);
    if (v !== undefined) headers[name.toLowerCase()] = v;
  }
  const url = new URL(request.url, 'http://signed.invalid');
  if (url.searchParams.has('X-Amz-Signature'))
    return verifyPresigned(request, url, headers, credentialsByAccessKeyId, options);
  const authorization = headers.authorization;
  if (!authorization) throw new SigV4Error('missing', 'the request is not signed (no Authorization header)');
  const auth = AUTHORIZATION.exec(authorization.trim());
  if (!auth) throw new SigV4Error('malformed', 'the Authorization header is not AWS4-HMAC-SHA256');
  const [, accessKeyId = '', shortDate, region = '', service = '', signedList = '', signature = ''] = auth;
  const signedHeaders = signedList.split(';');
  if (!signedHeaders.includes('host'))
    throw new SigV4Error('malformed', 'the signature does not cover the Host header');
  for (const name of signedHeaders) {
    if (headers[name] === undefined) throw new SigV4Error('malformed', `signed header ${name} is missing`);
  }

  const amzDate = headers['x-amz-date'];
  const signingDate = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (!signingDate || !amzDate?.startsWith(shortDate ?? ''))
    throw new SigV4Error('malformed', 'x-amz-date is missing or does not match the credential scope');
  const now = options.now ?? new Date();
  const maxSkewMs = options.maxSkewMs ?? 15 * 60 * 1000;
  if (Math.abs(now.getTime() - signingDate.getTime()) > maxSkewMs)
    throw new SigV4Error('expired', `the signature's time ${amzDate} is too far from now`);

  const secretAccessKey = lookUp(credentialsByAccessKeyId, accessKeyId);
  if (secretAccessKey === undefined)
    throw new SigV4Error('unknown-key', `unknown access key id ${accessKeyId}`);

  const declaredHash = headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && HEX_SHA256.test(declaredHash)) {
    const actual = createHash('sha256').update(body).digest('hex');
    if (actual !== declaredHash)
      throw new SigV4Error('body-hash', 'the body does not match x-amz-content-sha256');
  }

  const query = queryOf(url);
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey },
    region,
    service,
    sha256: Sha256,
    // S3 signs the path as sent; every other service signs it escaped once more.
    uriEscapePath: service !== 's3',
    applyChecksum: signedHeaders.includes('x-amz-content-sha256'),
  });
  const signed = await signer.sign(
    {
      ...target(request, headers),
      query,
      headers: Object.fromEntries(signedHeaders.map((name) => [name, headers[name] ?? ''])),
      body,
    },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  return matching(expected, signature, accessKeyId);
}

function queryOf(url: URL, without: ReadonlySet<string> = new Set()): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    if (without.has(key)) continue;
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

/** Method, host and raw path of the request as the signer takes them. */
function target(request: SignedRequest, headers: Record<string, string>) {
  const [hostname = '', port] = (headers.host ?? '').split(/:(?=\d+$)/);
  return {
    method: request.method.toUpperCase(),
    protocol: 'http:',
    hostname,
    ...(port ? { port: Number(port) } : {}),
    path: request.url.split('?')[0] ?? '/',
  };
}

function matching(expected: string, given: string, accessKeyId: string): string {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b))
    throw new SigV4Error('mismatch', `the signature of ${accessKeyId} does not match the request`);
  return accessKeyId;
}

/** Query parameters the presigner adds itself (the rest, hoisted headers included, are signed as sent). */
const PRESIGN_PARAMS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Content-Sha256',
]);
const CREDENTIAL = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;

async function verifyPresigned(
  request: SignedRequest,
  url: URL,
  headers: Record<string, string>,
  credentialsByAccessKeyId: SecretLookup,
  options: VerifyOptions,
): Promise<string> {
  const param = (name: string) => url.searchParams.get(name) ?? '';
  const credential = CREDENTIAL.exec(param('X-Amz-Credential'));
  const signature = param('X-Amz-Signature');
  const signedHeaders = param('X-Amz-SignedHeaders').split(';');
  const expires = Number(param('X-Amz-Expires'));
  const signingDate = parseAmzDate(param('X-Amz-Date'));
  if (
    param('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
    !credential ||
    !/^[0-9a-f]{64}$/.test(signature) ||
    !signedHeaders.includes('host') ||
    !Number.isInteger(expires) ||
    expires < 1 ||
    expires > 604_800 ||
    !signingDate ||
    !param('X-Amz-Date').startsWith(credential[2] ?? '')
  )
    throw new SigV4Error('malformed', 'the presigned URL is incomplete');
  const [, accessKeyId = '', , region = '', service = ''] = credential;
  const now = (options.now ?? new Date()).getTime();
  const maxSkewMs = options.maxSkewMs ?? 15 * 60 * 1000;
  if (signingDate.getTime() - now > maxSkewMs || now > signingDate.getTime() + expires * 1000)
    throw new SigV4Error('expired', 'the presigned URL has expired (or is not valid yet)');
  const secretAccessKey = lookUp(credentialsByAccessKeyId, accessKeyId);
  if (secretAccessKey === undefined)
    throw new SigV4Error('unknown-key', `unknown access key id ${accessKeyId}`);
  for (const name of signedHeaders) {
    if (headers[name] === undefined) throw new SigV4Error('malformed', `signed header ${name} is missing`);
  }

  const payloadHash = url.searchParams.get('X-Amz-Content-Sha256');
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey },
    region,
    service,
    sha256: Sha256,
    uriEscapePath: service !== 's3',
  });
  const presigned = await signer.presign(
    {
      ...target(request, headers),
      query: queryOf(url, PRESIGN_PARAMS),
      headers: {
        ...Object.fromEntries(signedHeaders.map((name) => [name, headers[name] ?? ''])),
        // The presigner hoists this header back into the query, under this very name.
        ...(payloadHash === null ? {} : { 'X-Amz-Content-Sha256': payloadHash }),
      },
    },
    { signingDate, expiresIn: expires, signableHeaders: new Set(signedHeaders) },
  );
  return matching(String(presigned.query?.['X-Amz-Signature'] ?? ''), signature, accessKeyId);
}

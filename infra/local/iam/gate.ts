import { createHash, randomBytes } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallerCredentials } from '#adapters/clients.ts';
import { IMPLIED_KMS_ACTIONS } from '../../access-model.ts';
import { type AccessDeniedError, type AccessRequest, LocalIam } from './evaluate.ts';

/**
 * The local runtime's IAM front: every request to dynalite and s3rver passes through a small HTTP proxy
 * that finds the caller from the SigV4 `Credential` (one access key per function, as each Lambda has
 * its own role), works out the IAM actions and resources AWS would authorize — including the KMS use
 * implied by the tenant's customer-managed key — and refuses a denied request with the status and
 * error body DynamoDB and S3 send, so the SDK raises the same `AccessDeniedException` / `AccessDenied`.
 */

/** The operator (provisioning, `settle import`, tests' inspection): not a function, not checked. */
export const OPERATOR = 'operator';

/** Credentials per principal, made afresh for each runtime. */
export class LocalIdentities {
  private readonly byKey = new Map<string, string>();
  private readonly byPrincipal = new Map<string, CallerCredentials>();
  private readonly operator: CallerCredentials;

  constructor(operator: CallerCredentials) {
    this.operator = operator;
    this.byKey.set(operator.accessKeyId, OPERATOR);
  }

  /** The credentials a principal signs with (created on first use). */
  credentialsOf(principal: string): CallerCredentials {
    if (principal === OPERATOR) return this.operator;
    let credentials = this.byPrincipal.get(principal);
    if (!credentials) {
      credentials = {
        accessKeyId: `LOCAL${principal.toUpperCase().replace(/[^A-Z0-9]/g, '')}`,
        secretAccessKey: randomBytes(20).toString('hex'),
      };
      this.byPrincipal.set(principal, credentials);
      this.byKey.set(credentials.accessKeyId, principal);
    }
    return credentials;
  }

  /** The secret key behind an access key id, for checking signatures (`undefined`: not issued here). */
  secretOf(accessKeyId: string): string | undefined {
    const principal = this.byKey.get(accessKeyId);
    if (principal === undefined) return undefined;
    return this.credentialsOf(principal).secretAccessKey;
  }

  /** The principal behind an access key id (`undefined`: nobody this runtime issued). */
  principalOf(accessKeyId: string): string | undefined {
    return this.byKey.get(accessKeyId);
  }
}

/** The access key id of a SigV4-signed request (header or presigned query). */
export function accessKeyOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? '';
  const fromHeader = /Credential=([^/,\s]+)\//.exec(header)?.[1];
  if (fromHeader) return fromHeader;
  const query = new URL(req.url ?? '/', 'http://local').searchParams.get('X-Amz-Credential');
  return query?.split('/')[0];
}

export interface GateContext {
  readonly iam: LocalIam;
  readonly identities: LocalIdentities;
  readonly region: string;
  /** Told of every object PUT S3 stored, with its integrity headers (tests look at what reached S3). */
  readonly onObjectPut?: (put: ObjectPut) => void;
}

/** An object PUT that was stored, as the gate saw it. */
export interface ObjectPut {
  readonly principal: string;
  readonly bucket: string;
  readonly key: string;
  /** The integrity headers it carried (`content-md5`, `x-amz-checksum-sha256`, …) by lower-case name. */
  readonly checksums: Readonly<Record<string, string>>;
}

type Authorize = (req: IncomingMessage, body: Buffer) => AccessRequest[];

const withKms = (
  requests: AccessRequest[],
  keyArn: string,
  service: string,
  region: string,
): AccessRequest[] => [
  ...requests,
  ...requests.flatMap((r) =>
    (IMPLIED_KMS_ACTIONS[r.action] ?? []).map((action) => ({
      action,
      resource: keyArn,
      context: {
        'kms:ViaService': `${service}.${region}.amazonaws.com`,
        'kms:CallerAccount': '000000000000',
      },
    })),
  ),
];

type AttributeMap = Record<string, { S?: string } | undefined>;

/**
 * The partition key values a DynamoDB request touches (`dynamodb:LeadingKeys`, as IAM fine-grained
 * access control sees them): the `pk` of a Key or Item, or the value a Query's key condition gives it.
 */
export function leadingKeysOf(input: Record<string, unknown>): string[] {
  const found = new Set<string>();
  const add = (item: unknown) => {
    const pk = (item as AttributeMap | undefined)?.pk?.S;
    if (pk !== undefined) found.add(pk);
  };
  add(input.Key);
  add(input.Item);
  const condition = typeof input.KeyConditionExpression === 'string' ? input.KeyConditionExpression : '';
  const placeholder = /\bpk\s*=\s*(:[A-Za-z0-9_]+)/.exec(condition)?.[1];
  if (placeholder) {
    const value = (input.ExpressionAttributeValues as AttributeMap | undefined)?.[placeholder]?.S;
    if (value !== undefined) found.add(value);
  }
  for (const batch of Object.values((input.RequestItems as Record<string, unknown> | undefined) ?? {})) {
    const b = batch as
      | { Keys?: unknown[] }
      | Array<{ PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }>;
    if (Array.isArray(b)) for (const w of b) add(w.PutRequest?.Item ?? w.DeleteRequest?.Key);
    else for (const key of b.Keys ?? []) add(key);
  }
  return [...found].sort();
}

/** DynamoDB (JSON 1.0): `X-Amz-Target: DynamoDB_20120810.<Action>`, tables named in the body. */
export function dynamodbRequests(ctx: GateContext): Authorize {
  const { table, key } = ctx.iam.policies.arns;
  const tableName = table.slice(table.lastIndexOf('/') + 1);
  return (req, body) => {
    const action = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
    const input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    const tables = new Set<string>();
    if (typeof input.TableName === 'string') tables.add(input.TableName);
    for (const name of Object.keys((input.RequestItems as object | undefined) ?? {})) tables.add(name);
    const leadingKeys = leadingKeysOf(input);
    const requests = [...tables].map((name) => ({
      action: `dynamodb:${action}`,
      resource: name === tableName ? table : table.replace(/table\/.*$/, `table/${name}`),
      ...(leadingKeys.length ? { context: { 'dynamodb:LeadingKeys': leadingKeys } } : {}),
    }));
    return withKms(requests, key, 'dynamodb', ctx.region);
  };
}

/** S3 (REST, path-style): the action from method, key and sub-resource. */
export function s3Requests(ctx: GateContext): Authorize {
  const { bucket: workingBucket, archiveBucket, key } = ctx.iam.policies.arns;
  const tenantBuckets = new Set([workingBucket, archiveBucket]);
  return (req) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const objectKey = decodeURIComponent(rest.join('/'));
    const bucketArn = `arn:aws:s3:::${bucket}`;
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    let requests: AccessRequest[];
    if (!objectKey) {
      if (method === 'GET' && !q.has('versioning') && !q.has('location')) {
        requests = [
          { action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': q.get('prefix') ?? '' } },
        ];
      } else if (method === 'POST' && q.has('delete')) {
        requests = [{ action: 's3:DeleteObject', resource: `${bucketArn}/*` }];
      } else {
        const verb =
          method === 'PUT'
            ? q.has('versioning')
              ? 'PutBucketVersioning'
              : 'CreateBucket'
            : 'GetBucketVersioning';
        requests = [{ action: `s3:${verb}`, resource: bucketArn }];
      }
    } else {
      const objectArn = `${bucketArn}/${objectKey}`;
      if (method === 'GET' || method === 'HEAD') requests = [{ action: 's3:GetObject', resource: objectArn }];
      else if (method === 'DELETE') requests = [{ action: 's3:DeleteObject', resource: objectArn }];
      else {
        requests = [{ action: 's3:PutObject', resource: objectArn }];
        const source = req.headers['x-amz-copy-source'];
        if (typeof source === 'string') {
          requests.push({
            action: 's3:GetObject',
            resource: `arn:aws:s3:::${decodeURIComponent(source.replace(/^\//, '').split('?')[0] ?? '')}`,
          });
        }
      }
    }
    return tenantBuckets.has(bucketArn) ? withKms(requests, key, 's3', ctx.region) : requests;
  };
}

/** A request S3 itself refuses (not IAM): its status, error code and message. */
export interface S3Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** The checksum headers S3 accepts as a PUT's integrity check (`x-amz-checksum-<algorithm>`). */
const CHECKSUM_HEADERS: Readonly<Record<string, 'md5' | 'sha256' | 'sha1' | undefined>> = {
  'content-md5': 'md5',
  'x-amz-checksum-sha256': 'sha256',
  'x-amz-checksum-sha1': 'sha1',
  'x-amz-checksum-crc32': undefined,
  'x-amz-checksum-crc32c': undefined,
  'x-amz-checksum-crc64nvme': undefined,
};

/**
 * What S3 refuses in a bucket with object lock, whoever asks: an object PUT (not a copy, not a
 * multipart part) without Content-MD5 or an `x-amz-checksum-*` header (or a trailing checksum
 * announced by `x-amz-trailer`) is `400 InvalidRequest`; a checksum that does not match the bytes is
 * `400 BadDigest`. Checked for the buckets the synthesized template locks.
 */
export function objectLockRefusal(
  req: IncomingMessage,
  body: Buffer,
  lockedBuckets: ReadonlySet<string>,
): S3Refusal | undefined {
  if (req.method !== 'PUT') return undefined;
  const url = new URL(req.url ?? '/', 'http://local');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  if (!lockedBuckets.has(bucket) || rest.join('/') === '' || url.searchParams.has('partNumber'))
    return undefined;
  if (req.headers['x-amz-copy-source'] !== undefined) return undefined;
  const given = Object.keys(CHECKSUM_HEADERS).filter((h) => typeof req.headers[h] === 'string');
  const trailer = String(req.headers['x-amz-trailer'] ?? '');
  if (given.length === 0 && !trailer.startsWith('x-amz-checksum-')) {
    return {
      status: 400,
      code: 'InvalidRequest',
      message:
        'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
    };
  }
  // A streamed (aws-chunked) body carries framing around the bytes: S3 checks its trailer; not here.
  if (String(req.headers['content-encoding'] ?? '').includes('aws-chunked')) return undefined;
  for (const header of given) {
    const algorithm = CHECKSUM_HEADERS[header];
    if (!algorithm) continue;
    const actual = createHash(algorithm).update(body).digest('base64');
    if (actual !== req.headers[header]) {
      return {
        status: 400,
        code: 'BadDigest',
        message: `The ${header} you specified did not match the calculated checksum.`,
      };
    }
  }
  return undefined;
}

function refuseS3(res: ServerResponse, refusal: S3Refusal): void {
  const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  res.writeHead(refusal.status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${xml(refusal.message)}</Message><RequestId>local</RequestId></Error>`,
  );
}

/** The error bodies AWS sends for a refused request. */
function refuse(res: ServerResponse, service: 'dynamodb' | 's3', denial: AccessDeniedError): void {
  if (service === 'dynamodb') {
    res.writeHead(400, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-errortype': 'AccessDeniedException',
    });
    res.end(
      JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: denial.message }),
    );
    return;
  }
  refuseS3(res, { status: 403, code: 'AccessDenied', message: denial.message });
}

/** Starts a checking proxy in front of an emulator endpoint; resolves to its own endpoint. */
export async function startGate(
  service: 'dynamodb' | 's3',
  upstream: string,
  ctx: GateContext,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const requestsOf = service === 'dynamodb' ? dynamodbRequests(ctx) : s3Requests(ctx);
  const lockedBuckets = new Set(service === 's3' ? ctx.iam.policies.arns.lockedBuckets : []);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      void (async () => {
        const accessKey = accessKeyOf(req);
        const principal = accessKey ? ctx.identities.principalOf(accessKey) : undefined;
        if (!principal) {
          const unknown = { action: `${service}:*`, resource: upstream };
          return refuse(
            res,
            service,
            Object.assign(
              new Error(
                `The security token included in the request is invalid (access key ${accessKey ?? 'none'})`,
              ),
              { principal: '', request: unknown },
            ) as AccessDeniedError,
          );
        }
        if (principal !== OPERATOR) {
          try {
            await ctx.iam.authorize(principal, requestsOf(req, body));
          } catch (error) {
            return refuse(res, service, error as AccessDeniedError);
          }
        }
        // Object lock binds every caller, the operator included (s3rver has no object lock of its own).
        const refusal = service === 's3' ? objectLockRefusal(req, body, lockedBuckets) : undefined;
        if (refusal) return refuseS3(res, refusal);
        // The caller is authorized here; s3rver knows only its own key, so it gets the request unsigned.
        const { authorization: _signature, ...unsigned } = req.headers;
        const forward = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: service === 's3' ? unsigned : req.headers,
          },
          (upstreamRes) => {
            if (ctx.onObjectPut && req.method === 'PUT' && upstreamRes.statusCode === 200) {
              const url = new URL(req.url ?? '/', 'http://local');
              const [, bucket = '', ...rest] = url.pathname.split('/');
              const key = decodeURIComponent(rest.join('/'));
              if (key && !url.searchParams.has('partNumber')) {
                const checksums = Object.fromEntries(
                  Object.keys(CHECKSUM_HEADERS)
                    .filter((h) => typeof req.headers[h] === 'string')
                    .map((h) => [h, String(req.headers[h])]),
                );
                ctx.onObjectPut({ principal, bucket, key, checksums });
              }
            }
            res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
            upstreamRes.pipe(res);
          },
        );
        forward.on('error', (error) => {
          res.writeHead(502);
          res.end(String(error));
        });
        forward.end(body);
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { LocalIam };

import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { getClients } from './clients.ts';
import { loadConfig } from './config.ts';
import { mapStoreError } from './errors.ts';

/**
 * The tenant bucket's layout: `inbox/<projectId>/…` (file-mode inputs), `raw/<settlementId>/…`
 * (raw payloads as collected), `drafts/<settlementId>/…` (statement JSON/HTML/PDF before approval),
 * `final/<settlementId>/…`, `emails/<settlementId>/…` (sent MIME), `archive/<settlementId>/…`
 * (everything, under a chained manifest; object lock in the cloud).
 */
export const objectKeys = {
  inbox: (projectId: string, path: string) => `inbox/${projectId}/${path}`,
  raw: (settlementId: string, bindingId: string, name: string) => `raw/${settlementId}/${bindingId}/${name}`,
  rawPrefix: (settlementId: string) => `raw/${settlementId}/`,
  draft: (settlementId: string, name: string) => `drafts/${settlementId}/${name}`,
  final: (settlementId: string, name: string) => `final/${settlementId}/${name}`,
  finalPrefix: (settlementId: string) => `final/${settlementId}/`,
  email: (settlementId: string, name: string) => `emails/${settlementId}/${name}`,
  emailPrefix: (settlementId: string) => `emails/${settlementId}/`,
  nightlyItems: (runId: string) => `nightly/${runId}/items.json`,
} as const;

const wrap = (error: unknown, what: string): never => mapStoreError(error, what, 'S3');

export async function putObject(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
  const { bucketName } = loadConfig();
  try {
    await getClients().s3.send(
      new PutObjectCommand({ Bucket: bucketName, Key: key, Body: body, ContentType: contentType }),
    );
  } catch (error) {
    wrap(error, `put ${key}`);
  }
}

/** Reads an object; `undefined` when it does not exist. */
export async function getObject(key: string): Promise<Uint8Array | undefined> {
  const { bucketName } = loadConfig();
  try {
    const result = await getClients().s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
    return result.Body ? await result.Body.transformToByteArray() : new Uint8Array();
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
    return wrap(error, `get ${key}`);
  }
}

export class ObjectMissingError extends Error {
  override name = 'ObjectMissingError';
}

export async function getJson<T = unknown>(key: string): Promise<T> {
  const body = await getObject(key);
  if (!body) throw new ObjectMissingError(`Missing object ${key}`);
  return JSON.parse(new TextDecoder().decode(body)) as T;
}

export async function putJson(key: string, value: unknown): Promise<void> {
  await putObject(key, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

export async function listKeys(prefix: string): Promise<string[]> {
  const { bucketName } = loadConfig();
  const keys: string[] = [];
  let token: string | undefined;
  do {
    try {
      const page = await getClients().s3.send(
        new ListObjectsV2Command({ Bucket: bucketName, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } catch (error) {
      wrap(error, `list ${prefix}`);
    }
  } while (token);
  return keys.sort();
}

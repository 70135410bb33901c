import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { getClients } from './clients.ts';
import { loadConfig } from './config.ts';
import { mapStoreError } from './errors.ts';

export { objectKeys } from '#storage/layout.ts';

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

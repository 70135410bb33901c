import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { lockedPutChecksum } from '#storage/checksum.ts';
import { bucketOfKey, type TenantBucket } from '#storage/layout.ts';
import { getClients } from './clients.ts';
import { loadConfig } from './config.ts';
import { mapStoreError } from './errors.ts';

export { objectKeys } from '#storage/layout.ts';

const wrap = (error: unknown, what: string): never => mapStoreError(error, what, 'S3');

/** The name of one of the tenant's buckets. */
export function bucketName(bucket: TenantBucket): string {
  const config = loadConfig();
  return bucket === 'archive' ? config.archiveBucketName : config.bucketName;
}

/** The bucket a key lives in (by its area, shared/storage/layout.ts). */
export function bucketNameOfKey(key: string): string {
  return bucketName(bucketOfKey(key));
}

export async function putObject(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
  const bucket = bucketOfKey(key);
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  try {
    await getClients().s3.send(
      new PutObjectCommand({
        Bucket: bucketName(bucket),
        Key: key,
        Body: bytes,
        ContentType: contentType,
        ...(bucket === 'archive' ? lockedPutChecksum(bytes) : {}),
      }),
    );
  } catch (error) {
    wrap(error, `put ${key}`);
  }
}

/** Reads an object; `undefined` when it does not exist. */
export async function getObject(key: string): Promise<Uint8Array | undefined> {
  try {
    const result = await getClients().s3.send(
      new GetObjectCommand({ Bucket: bucketNameOfKey(key), Key: key }),
    );
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

/** Every key under a prefix, in the bucket of the prefix's area. */
export async function listKeys(prefix: string): Promise<string[]> {
  const bucket = bucketNameOfKey(prefix);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    try {
      const page = await getClients().s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } catch (error) {
      wrap(error, `list ${prefix}`);
    }
  } while (token);
  return keys.sort();
}

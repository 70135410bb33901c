import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { lockedPutChecksum } from '#storage/checksum.ts';
import type { BlobInfo, BlobStore } from './blob-store.ts';
import { ArchiveStoreError, BlobExistsError } from './errors.ts';

/**
 * The BlobStore on an S3 bucket (the tenant's archive bucket; object lock and retention are the
 * bucket's defaults, set in CDK). Every put names an explicit SHA-256 checksum: S3 refuses a write
 * into an object-lock bucket without an integrity header. The bodies are whole byte arrays, so the
 * checksum travels as a header (no aws-chunked trailer, which s3rver would store corrupted).
 * The client is injected (configured from the environment by the caller).
 */
export function createS3BlobStore(s3: S3Client, bucket: string): BlobStore {
  const fail = (operation: string, key: string, error: unknown): never => {
    throw new ArchiveStoreError(`S3 ${operation} s3://${bucket}/${key} failed: ${(error as Error).message}`, {
      key,
      cause: error,
    });
  };
  const isMissing = (error: unknown) =>
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404);

  return {
    async put(key, body, options) {
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: options.contentType,
            ContentLength: body.byteLength,
            ...lockedPutChecksum(body),
            ...(options.ifAbsent ? { IfNoneMatch: '*' } : {}),
          }),
        );
      } catch (error) {
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412)
          throw new BlobExistsError(`s3://${bucket}/${key} already exists`, { key, cause: error });
        fail('PutObject', key, error);
      }
    },
    async get(key) {
      try {
        const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return response.Body ? await response.Body.transformToByteArray() : new Uint8Array();
      } catch (error) {
        if (isMissing(error)) return undefined;
        return fail('GetObject', key, error);
      }
    },
    async head(key) {
      try {
        const response = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { key, size: response.ContentLength ?? 0 };
      } catch (error) {
        if (isMissing(error)) return undefined;
        return fail('HeadObject', key, error);
      }
    },
    async list(prefix) {
      const blobs: BlobInfo[] = [];
      let token: string | undefined;
      do {
        try {
          const page = await s3.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          );
          for (const object of page.Contents ?? [])
            if (object.Key !== undefined) blobs.push({ key: object.Key, size: object.Size ?? 0 });
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } catch (error) {
          fail('ListObjectsV2', prefix, error);
        }
      } while (token);
      return blobs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
  };
}

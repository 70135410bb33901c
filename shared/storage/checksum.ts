import { createHash } from 'node:crypto';

/**
 * The integrity fields of every PutObject into the object-locked bucket. S3 refuses a write into a
 * bucket with a default retention unless it carries Content-MD5 or an `x-amz-checksum-*` header; the
 * SHA-256 checksum is computed here and named explicitly rather than left to whatever the SDK in the
 * Lambda runtime computes by default. S3 verifies it against the bytes and keeps it with the object
 * version (GetObjectAttributes / HeadObject with ChecksumMode answer it later).
 */
export function lockedPutChecksum(body: Uint8Array): { ChecksumAlgorithm: 'SHA256'; ChecksumSHA256: string } {
  return { ChecksumAlgorithm: 'SHA256', ChecksumSHA256: createHash('sha256').update(body).digest('base64') };
}

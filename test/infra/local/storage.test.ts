import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettlementState } from '#domain/workflow.ts';
import { approveByLink } from '#local/demo.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/emulators.ts';
import type { ObjectPut } from '#local/iam/gate.ts';
import { approvalLinks } from '#local/outbox.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { importProject } from '#local/tenant-files.ts';
import { verifyLocalArchive } from '#local/verify.ts';
import { lockedPutChecksum } from '#storage/checksum.ts';
import { areasIn } from '#storage/layout.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const DEMO = join(ROOT, 'demo', 'acme');

let runtime: LocalRuntime;
let s3: S3Client;
const links: string[] = [];
const puts: ObjectPut[] = [];
let state: SettlementState;

/** Every key of a bucket (the operator's view, as an administrator lists it). */
async function keysOf(bucket: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
}

beforeAll(async () => {
  runtime = await startLocalRuntime({
    tenantId: 'acme',
    tenantName: 'ACME Software GmbH',
    retryIntervalMs: 0,
    onEmail: (email) => links.push(...approvalLinks(email.mime)),
    onObjectPut: (put) => puts.push(put),
  });
  // The operator (not checked by IAM, as an administrator is not; object lock binds it all the same).
  s3 = new S3Client({
    region: LOCAL_REGION,
    endpoint: runtime.endpoints.s3,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await importProject(join(DEMO, 'charter.json'), DEMO);
  const execution = runtime.sfn.startExecution(
    runtime.settlementAliasArn,
    { tenantId: 'acme', projectId: 'atlas-portal', period: '2026-10', revision: 0, asOf: '2026-11-05' },
    'storage-atlas-2026-10-r0',
  );
  while (execution.status === 'RUNNING') {
    const link = links.shift();
    if (link) await approveByLink(link);
    else await new Promise((r) => setTimeout(r, 25));
  }
  expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
  state = execution.output as SettlementState;
}, 240_000);

afterAll(async () => {
  s3?.destroy();
  await runtime?.stop();
});

describe("a tenant's two buckets, locally", { timeout: 60_000 }, () => {
  it('refuses a PUT into the archive bucket without a checksum, as S3 refuses one into an object-lock bucket', async () => {
    const put = s3.send(
      new PutObjectCommand({
        Bucket: runtime.archiveBucketName,
        Key: 'archive/forged/statement.json',
        Body: new TextEncoder().encode('{}'),
      }),
    );
    await expect(put).rejects.toMatchObject({
      name: 'InvalidRequest',
      message: expect.stringContaining('Content-MD5 OR x-amz-checksum- HTTP header is required'),
    });
    expect(await keysOf(runtime.archiveBucketName)).not.toContain('archive/forged/statement.json');
  });

  it('refuses a checksum that does not match the bytes (BadDigest) and takes a matching one', async () => {
    const body = new TextEncoder().encode('{"note":"operator upload"}');
    const wrong = s3.send(
      new PutObjectCommand({
        Bucket: runtime.archiveBucketName,
        Key: 'final/operator-check/note.json',
        Body: body,
        ...lockedPutChecksum(new TextEncoder().encode('other bytes')),
      }),
    );
    await expect(wrong).rejects.toMatchObject({ name: 'BadDigest' });
    await s3.send(
      new PutObjectCommand({
        Bucket: runtime.archiveBucketName,
        Key: 'final/operator-check/note.json',
        Body: body,
        ...lockedPutChecksum(body),
      }),
    );
    const stored = await s3.send(
      new GetObjectCommand({ Bucket: runtime.archiveBucketName, Key: 'final/operator-check/note.json' }),
    );
    expect(await stored.Body?.transformToString()).toBe('{"note":"operator upload"}');
  });

  it("puts a settlement's final files and its archive in the archive bucket, each PUT with the SHA-256 of its bytes", async () => {
    const id = state.settlement.settlementId;
    const archived = await keysOf(runtime.archiveBucketName);
    expect(archived).toContain(`final/${id}/statement.pdf`);
    expect(archived).toContain(`final/${id}/journal.json`);
    expect(archived).toContain(`archive/${id}/manifest.json`);
    expect(archived.filter((k) => !/^(final|archive)\//.test(k))).toEqual([]);
    const working = await keysOf(runtime.bucketName);
    expect(working.filter((k) => /^(final|archive)\//.test(k))).toEqual([]);
    expect(working.some((k) => k.startsWith(`drafts/${id}/`))).toBe(true);

    const locked = puts.filter((p) => p.bucket === runtime.archiveBucketName && p.principal !== 'operator');
    expect(new Set(locked.map((p) => p.principal))).toEqual(
      new Set(['FinaliseSettlement', 'ArchiveSettlement']),
    );
    expect(locked.some((p) => p.key === `final/${id}/statement.pdf`)).toBe(true);
    for (const put of locked) {
      expect(Object.keys(put.checksums), put.key).toEqual(['x-amz-checksum-sha256']);
      const body = await s3.send(new GetObjectCommand({ Bucket: put.bucket, Key: put.key }));
      const bytes = await body.Body?.transformToByteArray();
      // The last write of a key (Finalise overwrites on a re-run with the same bytes).
      const last = locked.filter((p) => p.key === put.key).at(-1);
      expect(last?.checksums['x-amz-checksum-sha256']).toBe(
        createHash('sha256')
          .update(bytes ?? new Uint8Array())
          .digest('base64'),
      );
    }
    // Working data needs no checksum and is written without the locked bucket's rule.
    expect(puts.some((p) => p.bucket === runtime.bucketName && p.key.startsWith('drafts/'))).toBe(true);
    expect((await verifyLocalArchive('acme')).status).toBe('ok');
  });

  it('lets working data be deleted (no object lock on the working bucket)', async () => {
    const id = state.settlement.settlementId;
    const before = await keysOf(runtime.bucketName);
    const raw = before.filter((k) => k.startsWith(`raw/${id}/`));
    expect(raw.length).toBeGreaterThan(0);
    for (const key of raw) await s3.send(new DeleteObjectCommand({ Bucket: runtime.bucketName, Key: key }));
    const after = await keysOf(runtime.bucketName);
    expect(after.filter((k) => k.startsWith(`raw/${id}/`))).toEqual([]);
    expect(after.length).toBe(before.length - raw.length);
    // The archive still holds its copy, and the chain still verifies.
    expect((await keysOf(runtime.archiveBucketName)).some((k) => k.startsWith(`archive/${id}/raw/`))).toBe(
      true,
    );
    expect((await verifyLocalArchive('acme')).status).toBe('ok');
  });

  it('keeps the areas in the buckets the layout names', () => {
    expect(areasIn('archive')).toEqual(['final', 'archive']);
    expect(areasIn('working')).toEqual([
      'inbox',
      'raw',
      'drafts',
      'emails',
      'nightly',
      'costs',
      'exports',
      'query-results',
      'facts',
    ]);
  });
});

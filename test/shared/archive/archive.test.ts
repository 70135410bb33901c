import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Emulators,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  provisionTenant,
  startEmulators,
} from '../../../infra/local/emulators.ts';
import {
  type ArchiveFileInput,
  discoverHead,
  verifyArchive,
  writeArchive,
} from '../../../shared/archive/archive.ts';
import type { BlobStore } from '../../../shared/archive/blob-store.ts';
import { ArchiveConflictError, ArchiveInputError } from '../../../shared/archive/errors.ts';
import {
  type ChainHead,
  Manifest,
  sealManifest,
  serialiseManifest,
} from '../../../shared/archive/manifest.ts';
import { createS3BlobStore } from '../../../shared/archive/s3-store.ts';

const encode = (text: string) => new TextEncoder().encode(text);

function filesOf(settlement: string): ArchiveFileInput[] {
  return [
    {
      path: 'raw/toggl/page-1.json',
      body: encode(`{"settlement":"${settlement}","entries":[1,2,3]}`),
      contentType: 'application/json',
    },
    {
      path: 'records/records.ndjson',
      body: encode('{"kind":"time"}\n{"kind":"cost"}\n'),
      contentType: 'application/x-ndjson',
    },
    {
      path: 'statement/statement.pdf',
      body: encode(`%PDF-1.3 fake statement for ${settlement}`),
      contentType: 'application/pdf',
    },
    {
      path: 'approvals/log.json',
      body: encode('[{"decision":"approved"}]'),
      contentType: 'application/json',
    },
  ];
}

describe('the archive on S3 (s3rver)', () => {
  let emulators: Emulators;
  let s3: S3Client;
  let bucket = '';
  let store: BlobStore;
  let bucketCount = 0;
  let head1: ChainHead;
  let head2: ChainHead;

  beforeAll(async () => {
    emulators = await startEmulators();
    s3 = new S3Client({
      region: LOCAL_REGION,
      endpoint: emulators.s3Endpoint,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials: LOCAL_CREDENTIALS,
    });
  });

  afterAll(async () => {
    s3?.destroy();
    await emulators?.stop();
  });

  // A fresh tenant bucket with two chained settlements for every test.
  beforeEach(async () => {
    bucket = `tenant-archive-${++bucketCount}`;
    await provisionTenant(emulators, { tableName: `tenant-${bucketCount}`, bucketName: bucket });
    store = createS3BlobStore(s3, bucket);
    const first = await writeArchive(
      store,
      {
        tenantId: 'acme',
        settlementId: 'atlas_2025-01_r0',
        files: filesOf('a'),
        archivedAt: '2025-02-02T10:00:00Z',
      },
      null,
    );
    const second = await writeArchive(
      store,
      {
        tenantId: 'acme',
        settlementId: 'atlas_2025-02_r0',
        files: filesOf('b'),
        archivedAt: '2025-03-02T10:00:00Z',
      },
      first.head,
    );
    head1 = first.head;
    head2 = second.head;
  });

  it('writes two chained settlements that verify as intact', async () => {
    const result = await verifyArchive(store, 'acme', { head: head2 });
    expect(result.status).toBe('ok');
    expect(result.firstBrokenLink).toBeUndefined();
    expect(result.settlements.map((s) => [s.settlementId, s.sequence, s.status, s.files])).toEqual([
      ['atlas_2025-01_r0', 1, 'ok', 4],
      ['atlas_2025-02_r0', 2, 'ok', 4],
    ]);
    expect(result.head).toEqual(head2);
    const manifest = Manifest.parse(
      JSON.parse(new TextDecoder().decode(await store.get('archive/atlas_2025-02_r0/manifest.json'))),
    );
    const first = Manifest.parse(
      JSON.parse(new TextDecoder().decode(await store.get('archive/atlas_2025-01_r0/manifest.json'))),
    );
    expect(manifest.previousManifestHash).toBe(first.hash);
    expect(manifest.files.find((f) => f.key.endsWith('statement.pdf'))).toMatchObject({
      size: 29,
      contentType: 'application/pdf',
    });
  });

  it('stores the files byte for byte and finds the chain head by listing', async () => {
    expect(new TextDecoder().decode(await store.get('archive/atlas_2025-02_r0/approvals/log.json'))).toBe(
      '[{"decision":"approved"}]',
    );
    expect(await discoverHead(store)).toEqual(head2);
  });

  it('detects and names one changed byte in an archived file', async () => {
    const key = 'archive/atlas_2025-01_r0/statement/statement.pdf';
    const bytes = (await store.get(key)) as Uint8Array;
    bytes[10] = (bytes[10] ?? 0) ^ 0x01;
    await store.put(key, bytes, { contentType: 'application/pdf' });
    const result = await verifyArchive(store, 'acme', { head: head2 });
    expect(result.status).toBe('broken');
    expect(result.firstBrokenLink).toMatchObject({
      kind: 'changed-file',
      settlementId: 'atlas_2025-01_r0',
      sequence: 1,
      key,
    });
    expect(result.settlements[1]?.status).toBe('ok');
  });

  it('detects and names a deleted file', async () => {
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    const key = 'archive/atlas_2025-02_r0/records/records.ndjson';
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    const result = await verifyArchive(store, 'acme', { head: head2 });
    expect(result.firstBrokenLink).toMatchObject({
      kind: 'missing-file',
      settlementId: 'atlas_2025-02_r0',
      key,
    });
  });

  it('detects a manifest edited in place (its own hash no longer matches)', async () => {
    const key = 'archive/atlas_2025-01_r0/manifest.json';
    const manifest = Manifest.parse(JSON.parse(new TextDecoder().decode(await store.get(key))));
    const edited = { ...manifest, files: manifest.files.slice(1) };
    await store.put(key, serialiseManifest(edited), { contentType: 'application/json' });
    const result = await verifyArchive(store, 'acme', { head: head2 });
    expect(result.firstBrokenLink).toMatchObject({
      kind: 'altered-manifest',
      settlementId: 'atlas_2025-01_r0',
      key,
    });
  });

  it('detects and names a replaced manifest, even one re-sealed to match a forged file', async () => {
    const fileKey = 'archive/atlas_2025-01_r0/statement/statement.pdf';
    const forged = encode('%PDF-1.3 a forged statement');
    await store.put(fileKey, forged, { contentType: 'application/pdf' });
    const key = 'archive/atlas_2025-01_r0/manifest.json';
    const manifest = Manifest.parse(JSON.parse(new TextDecoder().decode(await store.get(key))));
    const { hash: _hash, format: _format, ...body } = manifest;
    const { sha256Hex } = await import('../../../shared/archive/manifest.ts');
    const resealed = sealManifest({
      ...body,
      files: body.files.map((f) =>
        f.key === fileKey ? { ...f, sha256: sha256Hex(forged), size: forged.byteLength } : f,
      ),
    });
    await store.put(key, serialiseManifest(resealed), { contentType: 'application/json' });
    const result = await verifyArchive(store, 'acme', { head: head2 });
    expect(result.status).toBe('broken');
    expect(result.firstBrokenLink).toMatchObject({
      kind: 'replaced-manifest',
      settlementId: 'atlas_2025-01_r0',
      key,
    });
    expect(result.firstBrokenLink?.message).toContain('atlas_2025-02_r0 recorded');
  });

  it('detects a replaced last manifest through the recorded chain head', async () => {
    const key = 'archive/atlas_2025-02_r0/manifest.json';
    const manifest = Manifest.parse(JSON.parse(new TextDecoder().decode(await store.get(key))));
    const { hash: _hash, format: _format, ...body } = manifest;
    await store.put(key, serialiseManifest(sealManifest({ ...body, archivedAt: '2025-03-03T10:00:00Z' })), {
      contentType: 'application/json',
    });
    const result = await verifyArchive(store, 'acme', { head: head2 });
    expect(result.firstBrokenLink).toMatchObject({
      kind: 'replaced-manifest',
      settlementId: 'atlas_2025-02_r0',
      key,
    });
  });

  it('detects a broken chain when a whole settlement disappears from the middle', async () => {
    const third = await writeArchive(
      store,
      {
        tenantId: 'acme',
        settlementId: 'atlas_2025-03_r0',
        files: filesOf('c'),
        archivedAt: '2025-04-02T10:00:00Z',
      },
      head2,
    );
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    for (const blob of await store.list('archive/atlas_2025-02_r0/'))
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: blob.key }));
    const result = await verifyArchive(store, 'acme', { head: third.head });
    expect(result.firstBrokenLink).toMatchObject({
      kind: 'broken-chain',
      settlementId: 'atlas_2025-03_r0',
      sequence: 3,
    });
    expect(result.firstBrokenLink?.message).toContain('sequence 2 is missing');
  });

  it('detects a chain link rewritten to point elsewhere', async () => {
    const key = 'archive/atlas_2025-02_r0/manifest.json';
    const manifest = Manifest.parse(JSON.parse(new TextDecoder().decode(await store.get(key))));
    const { hash: _hash, format: _format, ...body } = manifest;
    const relinked = sealManifest({ ...body, previousManifestHash: 'f'.repeat(64) });
    await store.put(key, serialiseManifest(relinked), { contentType: 'application/json' });
    const result = await verifyArchive(store, 'acme', { head: { ...head2, hash: relinked.hash } });
    expect(result.status).toBe('broken');
    expect(result.firstBrokenLink).toMatchObject({
      kind: 'replaced-manifest',
      settlementId: 'atlas_2025-01_r0',
    });
  });

  it('reports a prefix without manifest as an incomplete archive, not as tampering', async () => {
    await store.put('archive/atlas_2025-03_r0/raw/toggl/page-1.json', encode('{}'), {
      contentType: 'application/json',
    });
    const result = await verifyArchive(store, 'acme', { head: head2 });
    expect(result.status).toBe('incomplete');
    expect(result.firstBrokenLink).toBeUndefined();
    expect(result.settlements.at(-1)).toMatchObject({
      settlementId: 'atlas_2025-03_r0',
      status: 'incomplete',
    });
    expect(result.issues[0]).toMatchObject({ kind: 'incomplete-archive', severity: 'incomplete' });
  });

  it('reports a deleted last manifest as broken when the chain head remembers it', async () => {
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'archive/atlas_2025-02_r0/manifest.json' }));
    const result = await verifyArchive(store, 'acme', { head: head2 });
    expect(result.status).toBe('broken');
    expect(result.firstBrokenLink).toMatchObject({
      kind: 'broken-chain',
      settlementId: 'atlas_2025-02_r0',
      sequence: 2,
    });
  });

  it('flags a file slipped into an archived settlement', async () => {
    await store.put('archive/atlas_2025-01_r0/statement/extra.pdf', encode('x'), {
      contentType: 'application/pdf',
    });
    const result = await verifyArchive(store, 'acme', { head: head2 });
    expect(result.firstBrokenLink).toMatchObject({
      kind: 'unlisted-file',
      key: 'archive/atlas_2025-01_r0/statement/extra.pdf',
    });
  });

  it('returns the existing head when a completed archive step is retried, and refuses different content', async () => {
    const again = await writeArchive(
      store,
      {
        tenantId: 'acme',
        settlementId: 'atlas_2025-02_r0',
        files: filesOf('b'),
        archivedAt: '2025-03-09T10:00:00Z',
      },
      head1,
    );
    expect(again.alreadyArchived).toBe(true);
    expect(again.head).toEqual(head2);
    await expect(
      writeArchive(
        store,
        { tenantId: 'acme', settlementId: 'atlas_2025-02_r0', files: filesOf('other') },
        null,
      ),
    ).rejects.toThrow(ArchiveConflictError);
  });

  describe('final files listed where Finalise wrote them', () => {
    const id = 'atlas_2025-03_r0';
    const finalKey = `final/${id}/statement.pdf`;
    let head3: ChainHead;

    beforeEach(async () => {
      const body = encode('%PDF-1.3 final statement');
      await store.put(finalKey, body, { contentType: 'application/pdf' });
      const third = await writeArchive(
        store,
        {
          tenantId: 'acme',
          settlementId: id,
          files: filesOf('c').filter((f) => !f.path.startsWith('statement/')),
          stored: [{ key: finalKey, body, contentType: 'application/pdf' }],
          archivedAt: '2025-04-02T10:00:00Z',
        },
        head2,
      );
      head3 = third.head;
    });

    it('hashes them into the manifest without writing them again, and verifies', async () => {
      expect((await store.list(`archive/${id}/`)).map((b) => b.key)).not.toContain(
        `archive/${id}/statement/statement.pdf`,
      );
      const manifest = Manifest.parse(
        JSON.parse(new TextDecoder().decode(await store.get(`archive/${id}/manifest.json`))),
      );
      expect(manifest.format).toBe('settlement-archive-manifest/2');
      expect(manifest.files.map((f) => f.key)).toContain(finalKey);
      const result = await verifyArchive(store, 'acme', { head: head3 });
      expect(result.status).toBe('ok');
      expect(result.settlements.at(-1)).toMatchObject({ settlementId: id, files: 4, status: 'ok' });
    });

    it('detects a changed final file and one slipped in beside it', async () => {
      await store.put(finalKey, encode('%PDF-1.3 forged'), { contentType: 'application/pdf' });
      const changed = await verifyArchive(store, 'acme', { head: head3 });
      expect(changed.firstBrokenLink).toMatchObject({
        kind: 'changed-file',
        key: finalKey,
        settlementId: id,
      });
      await store.put(finalKey, encode('%PDF-1.3 final statement'), { contentType: 'application/pdf' });
      await store.put(`final/${id}/extra.pdf`, encode('x'), { contentType: 'application/pdf' });
      const slipped = await verifyArchive(store, 'acme', { head: head3 });
      expect(slipped.firstBrokenLink).toMatchObject({ kind: 'unlisted-file', key: `final/${id}/extra.pdf` });
    });

    it("refuses a stored file outside the settlement's own final prefix", async () => {
      const body = encode('x');
      for (const key of ['final/other_2025-03_r0/statement.pdf', `archive/${id}/x.pdf`, `final/${id}/../x`])
        await expect(
          writeArchive(
            store,
            {
              tenantId: 'acme',
              settlementId: 's9',
              files: [],
              stored: [{ key, body, contentType: 'text/plain' }],
            },
            null,
          ),
        ).rejects.toThrow(ArchiveInputError);
    });
  });

  it('refuses unsafe paths and the reserved manifest name', async () => {
    const body = encode('x');
    for (const path of ['../escape', '/absolute', 'manifest.json', 'a//b'])
      await expect(
        writeArchive(
          store,
          { tenantId: 'acme', settlementId: 's1', files: [{ path, body, contentType: 'text/plain' }] },
          null,
        ),
      ).rejects.toThrow(ArchiveInputError);
  });
});

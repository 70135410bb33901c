import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  computeManifestHash,
  sealManifest,
  sha256Hex,
} from '../../../shared/archive/manifest.ts';

const body = {
  tenantId: 'acme',
  settlementId: 'atlas_2025-Q1_r0',
  sequence: 1,
  archivedAt: '2025-04-02T10:00:00Z',
  previousManifestHash: null,
  files: [
    {
      key: 'archive/atlas_2025-Q1_r0/b.pdf',
      sha256: sha256Hex('b'),
      size: 1,
      contentType: 'application/pdf',
    },
    {
      key: 'archive/atlas_2025-Q1_r0/a.json',
      sha256: sha256Hex('a'),
      size: 1,
      contentType: 'application/json',
    },
  ],
};

describe('manifest', () => {
  it('serialises canonically: sorted keys, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 'é', y: 2 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"y":2,"z":"é"}}',
    );
  });

  it('hashes the same manifest to the same value whatever the key order', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(Object.keys(body), { minLength: 6, maxLength: 6 }), (order) => {
        const shuffled = Object.fromEntries(order.map((k) => [k, body[k as keyof typeof body]]));
        expect(computeManifestHash(shuffled as never)).toBe(computeManifestHash(body as never));
      }),
    );
  });

  it('sorts the files by key and seals the manifest with the hash of the rest', () => {
    const manifest = sealManifest(body);
    expect(manifest.files.map((f) => f.key)).toEqual([
      'archive/atlas_2025-Q1_r0/a.json',
      'archive/atlas_2025-Q1_r0/b.pdf',
    ]);
    expect(manifest.hash).toBe(computeManifestHash(manifest));
    expect(computeManifestHash({ ...manifest, sequence: 2 })).not.toBe(manifest.hash);
  });

  it('refuses values a manifest never holds', () => {
    expect(() => canonicalJson({ size: 1.5 })).toThrow(TypeError);
  });
});

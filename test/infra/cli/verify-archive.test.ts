import { describe, expect, it } from 'vitest';
import { runVerifyArchive } from '../../../infra/cli/commands/verify-archive.ts';
import { writeArchive } from '../../../shared/archive/archive.ts';
import { createMemoryBlobStore } from '../../../shared/archive/blob-store.ts';
import type { ChainHead } from '../../../shared/archive/manifest.ts';

const encode = (text: string) => new TextEncoder().encode(text);

async function archivedTenant() {
  const store = createMemoryBlobStore();
  let head: ChainHead | null = null;
  for (const month of ['01', '02']) {
    const result = await writeArchive(
      store,
      {
        tenantId: 'acme',
        settlementId: `atlas_2025-${month}_r0`,
        files: [
          { path: 'statement/statement.html', body: encode(`<p>${month}</p>`), contentType: 'text/html' },
        ],
        archivedAt: `2025-${month}-28T10:00:00Z`,
      },
      head,
    );
    head = result.head;
  }
  return { store, head };
}

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
    },
  };
}

describe('settle verify-archive', () => {
  it('prints ok per settlement and exits 0 when the chain is intact', async () => {
    const { store, head } = await archivedTenant();
    const { out, io } = capture();
    const code = await runVerifyArchive(['--tenant', 'acme'], io, { store, readHead: async () => head });
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/^ok\s+# {2}1 {2}atlas_2025-01_r0 {2}\(1 files\)$/m);
    expect(out.stdout).toMatch(/^ok\s+# {2}2 {2}atlas_2025-02_r0/m);
    expect(out.stdout).toContain('OK: chain intact up to sequence 2');
  });

  it('names the first broken link and exits 1 when a file was changed', async () => {
    const { store, head } = await archivedTenant();
    store.objects.set('archive/atlas_2025-01_r0/statement/statement.html', encode('<p>0l</p>'));
    const { out, io } = capture();
    const code = await runVerifyArchive(['--tenant', 'acme'], io, { store, readHead: async () => head });
    expect(code).toBe(1);
    expect(out.stdout).toMatch(/^broken\s+# {2}1 {2}atlas_2025-01_r0/m);
    expect(out.stdout).toContain(
      'BROKEN: first broken link at atlas_2025-01_r0 (sequence 1): changed-file archive/atlas_2025-01_r0/statement/statement.html',
    );
  });

  it('exits 3 when an archive is only incomplete', async () => {
    const { store, head } = await archivedTenant();
    store.objects.set('archive/atlas_2025-03_r0/raw/a.json', encode('{}'));
    const { out, io } = capture();
    expect(await runVerifyArchive(['--tenant', 'acme'], io, { store, readHead: async () => head })).toBe(3);
    expect(out.stdout).toMatch(/^incomplete\s+- {2}atlas_2025-03_r0/m);
  });

  it('prints the full result as JSON on request', async () => {
    const { store } = await archivedTenant();
    const { out, io } = capture();
    expect(await runVerifyArchive(['--tenant', 'acme', '--json'], io, { store })).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ tenantId: 'acme', status: 'ok' });
  });

  it('exits 2 with the usage when the tenant is missing or an option is unknown', async () => {
    const { store } = await archivedTenant();
    for (const argv of [[], ['--tenant'], ['--bogus', 'x']]) {
      const { out, io } = capture();
      expect(await runVerifyArchive(argv, io, { store })).toBe(2);
      expect(out.stderr).toContain('usage: settle verify-archive --tenant <tenantId>');
    }
  });
});

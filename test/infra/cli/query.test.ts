import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFacts } from '../../../bench/analytics-data.ts';
import { runQuery } from '../../../infra/cli/commands/query.ts';
import { main } from '../../../infra/cli/settle.ts';
import { capture, runCommand } from '../../support/cli-io.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'settle-query-'));
  await writeSyntheticFacts(root, {
    tenant: 'acme',
    projects: 3,
    months: 2,
    start: '2026-09',
    timeRecords: 1,
    revisedShare: 0,
  });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function run(argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await runQuery(
    argv,
    { stdout: stdout.stream, stderr: stderr.stream },
    {
      locate: async (tenant) => {
        expect(tenant).toBe('acme');
        return { root, threads: 1 };
      },
    },
  );
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('settle query', () => {
  it('answers a named query from the Parquet facts as a table', async () => {
    const result = await run(['margin', '--tenant', 'acme']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^project_id\s+project_name\s+period/);
    expect(lines.at(-1)).toBe('(6 rows)');
    expect(result.stdout).toContain('p00002');
  });

  it('prints JSON with decimals as exact strings', async () => {
    const result = await run(['utilisation', '--tenant', 'acme', '--format', 'json']);
    const rows = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(6);
    const margin = JSON.parse(
      (await run(['margin', '--tenant', 'acme', '--format', 'json'])).stdout,
    ) as Array<Record<string, unknown>>;
    expect(margin[0]?.cost).toMatch(/^-?\d+\.\d{4}$/);
  });

  it('names the known queries when the one asked for does not exist', async () => {
    await expect(run(['margins', '--tenant', 'acme'])).rejects.toThrow(
      /no query margins .*named queries: .*margin/,
    );
  });

  it('shows its usage and exits 2 without a tenant or with an unknown format', async () => {
    expect((await run(['margin'])).code).toBe(2);
    const bad = await run(['margin', '--tenant', 'acme', '--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('usage: settle query');
  });

  it('runs as settle query: lists the queries without a tenant, refuses a tenant with no local state', async () => {
    const list = await runCommand(main, ['query', '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^margin\s+\S/m);
    const unknown = await runCommand(main, [
      'query',
      'margin',
      '--tenant',
      'nobody',
      '--data-dir',
      join(root, 'no-such-tenant'),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown tenant 'nobody'");
    const undeclared = await runCommand(main, ['query', 'margin', '--tenant', 'acme', '--limit', '5']);
    expect(undeclared.code).toBe(2);
    expect(undeclared.stderr).toContain("Unknown option '--limit'");
  });
});

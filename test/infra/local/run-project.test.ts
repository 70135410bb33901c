import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../infra/cli/settle.ts';
import { capture } from '../../support/cli-io.ts';

/**
 * `settle run` as a user runs it, through the command line: progress, state kept across runs,
 * revisions, `--fresh`, and a failing source ending in one line that says what to do.
 */

const DEMO = 'demo/acme';
const CHARTER = join(DEMO, 'charter.json');
const dataDir = join(mkdtempSync(join(tmpdir(), 'settle-run-')), 'acme');

async function settle(...argv: string[]) {
  const out = capture();
  const err = capture();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

const run = (...extra: string[]) =>
  settle(
    'run',
    '--tenant',
    'acme',
    '--charter',
    CHARTER,
    '--files',
    DEMO,
    '--yes',
    '--data-dir',
    dataDir,
    ...extra,
  );

describe('settle run', () => {
  it('prints one line per state, names each source, and keeps handler logs out of the terminal', async () => {
    const result = await run('--period', '2026-10');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('(as of 2026-10-31)');
    for (const source of [
      'Collect toggl',
      'Collect invoices (quickbooks)',
      'Collect cloud (aws-cost-explorer)',
    ]) {
      expect(result.stdout).toContain(source);
    }
    expect(result.stdout).not.toMatch(/^\s*[{"]/m);
    expect(result.stdout).not.toContain('"level"');
    expect(result.stdout).not.toContain('Choice');
    expect(result.stdout).toContain('statement ST-ACME-2026-000001');
    const logs = readdirSync(join(dataDir, 'logs'));
    expect(logs.some((f) => f.endsWith('.ndjson'))).toBe(true);
  }, 240_000);

  it('refuses a revision of a period that was never settled, creating nothing', async () => {
    const result = await run('--period', '2026-11', '--revision', '1', '--reason', 'late invoice');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('2026-11 corrects a settled period, but 2026-11 was never settled here');
    expect(result.stderr).toContain('what to do: settle revision 0 first');
    const status = await settle('status', '--tenant', 'acme', '--data-dir', dataDir);
    expect(status.stdout).not.toContain('2026-11');
  }, 120_000);

  it('keeps the tenant’s state: a revision continues the numbering and the archive chain', async () => {
    const result = await run('--period', '2026-10', '--revision', '1', '--reason', 'late supplier invoice');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('statement ST-ACME-2026-000002');
    expect(result.stdout).toContain('verify-archive: OK — 2 settlement(s)');
    const status = await settle('status', '--tenant', 'acme', '--data-dir', dataDir);
    expect(status.stdout).toMatch(/atlas-portal\t2026-10\tr0\tsettled\tST-ACME-2026-000001\t/);
    expect(status.stdout).toMatch(/atlas-portal\t2026-10\tr1\tsettled\tST-ACME-2026-000002/);
    const verify = await settle('verify-archive', '--tenant', 'acme', '--data-dir', dataDir);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('archive of tenant acme: 2 settlement(s)');
  }, 240_000);

  it('starts afresh only when asked with --fresh', async () => {
    const result = await run('--period', '2026-10', '--fresh');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('statement ST-ACME-2026-000001');
    expect(result.stdout).toContain('verify-archive: OK — 1 settlement(s)');
  }, 240_000);

  it('ends a failed run with one line saying what failed, where, and what to do', async () => {
    const files = mkdtempSync(join(tmpdir(), 'settle-run-files-'));
    cpSync(DEMO, files, { recursive: true });
    const charter = JSON.parse(readFileSync(CHARTER, 'utf8'));
    charter.sources[0].options.tz = 'Mars/Olympus';
    writeFileSync(join(files, 'charter.json'), JSON.stringify(charter));
    const failedDir = join(mkdtempSync(join(tmpdir(), 'settle-run-failed-')), 'acme');
    const result = await settle(
      'run',
      '--tenant',
      'acme',
      '--charter',
      join(files, 'charter.json'),
      '--files',
      files,
      '--period',
      '2026-10',
      '--yes',
      '--data-dir',
      failedDir,
    );
    expect(result.code).toBe(1);
    const last = result.stdout.trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(/^✗ Failed in Collect toggl: SourceConfigError: .*Mars\/Olympus/);
    expect(last).toContain("what to do: fix the source's binding in the charter");
    expect(last).toContain(`(handler log: ${join(failedDir, 'logs')}`);
    expect(result.stdout).not.toContain('    at ');
    const log = readdirSync(join(failedDir, 'logs'))
      .map((f) => readFileSync(join(failedDir, 'logs', f), 'utf8'))
      .join('');
    // Every line of the handler log is one JSON record.
    for (const line of log.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(log).toContain('settlement failed');
    expect(existsSync(join(failedDir, 'statements'))).toBe(false);

    // Fixed, then redriven: the same execution continues from the state it failed in and settles.
    const status = await settle('status', '--tenant', 'acme', '--data-dir', failedDir);
    expect(status.stdout).toMatch(
      /atlas-portal\t2026-10\tr0\tfailed\t\tSourceConfigError\tattempt 1\truns 1\n/,
    );
    writeFileSync(join(files, 'charter.json'), readFileSync(CHARTER, 'utf8'));
    const redriven = await settle(
      'redrive',
      '--tenant',
      'acme',
      '--charter',
      join(files, 'charter.json'),
      '--files',
      files,
      '--period',
      '2026-10',
      '--yes',
      '--data-dir',
      failedDir,
    );
    expect(redriven.code, redriven.stdout + redriven.stderr).toBe(0);
    expect(redriven.stdout).toContain(
      'Redriving atlas-portal-2026-10-r0 (redrive 1) from the state it failed in',
    );
    expect(redriven.stdout).toContain('statement ST-ACME-2026-000001');
    const after = await settle('status', '--tenant', 'acme', '--data-dir', failedDir);
    expect(after.stdout).toMatch(
      /atlas-portal\t2026-10\tr0\tsettled\tST-ACME-2026-000001\t\tattempt 1\truns 2 \(redriven\)/,
    );
    // The execution as kept: one ARN, redriven once, its history continuing after ExecutionRedriven.
    const kept = JSON.parse(
      readFileSync(join(failedDir, 'executions', 'settlement-acme', 'atlas-portal-2026-10-r0.json'), 'utf8'),
    ) as { status: string; redriveCount: number; history: Array<{ type: string; state?: string }> };
    expect(kept).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    const redrive = kept.history.findIndex((e) => e.type === 'ExecutionRedriven');
    expect(kept.history[redrive]?.state).toBe('RecordFailure');
    const failedBefore = kept.history.slice(0, redrive).filter((e) => e.type === 'StateFailed');
    expect(failedBefore.map((e) => e.state)).toContain('RecordFailure');
    const enteredAfter = kept.history.slice(redrive).filter((e) => e.type === 'StateEntered');
    expect(enteredAfter.map((e) => e.state).slice(0, 3)).toEqual([
      'RecordFailure',
      'Open',
      'AlreadySettled?',
    ]);
    // A settled execution cannot be redriven again.
    const again = await settle(
      'redrive',
      '--tenant',
      'acme',
      '--charter',
      join(files, 'charter.json'),
      '--files',
      files,
      '--period',
      '2026-10',
      '--data-dir',
      failedDir,
    );
    expect(again.code).toBe(2);
    expect(again.stderr + again.stdout).toContain('is settled, not failed: nothing to redrive');
  }, 360_000);
});

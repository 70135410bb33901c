import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCompute } from '../../../infra/cli/commands/compute.ts';
import { runCommand } from '../../support/cli-io.ts';

const run = (command: typeof runCompute, argv: string[]) => runCommand(command, argv);

const dir = mkdtempSync(join(tmpdir(), 'settle-compute-'));
// The demo charter without its contract clauses: these records are time, cost and the Discovery
// acceptance, not the Jira issues the clauses' confirmed evidence names.
const { clauses: _clauses, ...demoCharter } = JSON.parse(readFileSync('demo/acme/charter.json', 'utf8'));
const charterFile = join(dir, 'charter.json');
writeFileSync(charterFile, JSON.stringify(demoCharter, null, 2));
const recordsFile = join(dir, 'records.ndjson');
const lines = [
  {
    kind: 'time',
    source: 'toggl',
    sourceId: '1',
    projectRef: 'atlas',
    person: 'anna.schmidt@acme.example',
    start: '2026-10-05T09:00:00+02:00',
    seconds: 36000,
    billable: true,
    billableSeconds: 36000,
  },
  {
    kind: 'time',
    source: 'toggl',
    sourceId: '2',
    projectRef: 'atlas',
    person: 'anna.schmidt@acme.example',
    start: '2026-10-20T09:00:00+02:00',
    seconds: 36000,
    billable: true,
    billableSeconds: 36000,
  },
  {
    kind: 'cost',
    source: 'aws-cost-explorer',
    sourceId: 'c1',
    projectRef: 'atlas',
    category: 'cloud',
    amount: '1843.2176543219',
    currency: 'USD',
    date: '2026-10-01',
    vendor: 'Amazon Web Services',
  },
  {
    kind: 'evidence',
    source: 'csv',
    sourceId: 'a1',
    projectRef: 'atlas',
    type: 'acceptance',
    milestone: 'm1-discovery',
    date: '2026-10-16',
    reference: 'acceptance/m1.pdf',
  },
].map((r) => JSON.stringify(r));
writeFileSync(
  recordsFile,
  `${[...lines, '{not json', '', JSON.stringify({ kind: 'time', source: 'toggl', sourceId: 'x', projectRef: 'atlas', seconds: -5 })].join('\n')}\n`,
);

describe('settle compute', () => {
  it('prints the statement and quarantines bad lines without failing', async () => {
    const result = await run(runCompute, [
      '--charter',
      charterFile,
      '--records',
      recordsFile,
      '--period',
      '2026-10',
    ]);
    expect(result.code).toBe(0);
    const statement = JSON.parse(result.stdout);
    expect(statement.period).toEqual({
      selector: '2026-10',
      kind: 'month',
      from: '2026-10-01',
      to: '2026-11-01',
    });
    expect(statement.asOf).toBe('2026-10-31');
    // 10 h × 72 + 10 h × 75 = 1,470.00 labour; 1843.2176543219 USD × 0.9210 = 1,697.60 cloud
    expect(statement.totals.byCategory.labour.amount).toBe('1470.00');
    expect(statement.totals.byCategory.cloud.amount).toBe('1697.60');
    // 10 h × 120 + 10 h × 125
    expect(statement.billing.net.amount).toBe('2450.00');
    expect(statement.quarantine).toEqual([
      { source: 'toggl', reason: 'invalid-record', count: 1 },
      { source: 'unknown', reason: 'invalid-json', count: 1 },
    ]);
    // One SHA-256 per non-empty line, sorted, joined by newlines, hashed again.
    const lineDigests = readFileSync(recordsFile, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => createHash('sha256').update(line.trim()).digest('hex'))
      .sort();
    expect(statement.inputsHash.records).toBe(
      `sha256:${createHash('sha256').update(lineDigests.join('\n')).digest('hex')}`,
    );
    expect(statement.checks.find((c: { id: string }) => c.id === 'acceptance:m1-discovery').status).toBe(
      'pass',
    );
    expect(result.stderr).toContain('6 records (2 quarantined)');
  });

  it('gives byte-identical output for the same inputs', async () => {
    const argv = [
      '--charter',
      charterFile,
      '--records',
      recordsFile,
      '--period',
      '2026-10',
      '--as-of',
      '2026-10-31',
    ];
    const first = await run(runCompute, argv);
    const second = await run(runCompute, argv);
    expect(first.stdout.length).toBeGreaterThan(1000);
    expect(second.stdout).toBe(first.stdout);
  });

  it('gives the same statement when the same records come in another order', async () => {
    const shuffled = join(dir, 'records-reversed.ndjson');
    writeFileSync(shuffled, `${readFileSync(recordsFile, 'utf8').trim().split('\n').reverse().join('\n')}\n`);
    const args = (file: string) => [
      '--charter',
      charterFile,
      '--records',
      file,
      '--period',
      '2026-10',
      '--as-of',
      '2026-10-31',
    ];
    const inOrder = await run(runCompute, args(recordsFile));
    const reversed = await run(runCompute, args(shuffled));
    expect(JSON.parse(reversed.stdout).inputsHash).toEqual(JSON.parse(inOrder.stdout).inputsHash);
    expect(reversed.stdout).toBe(inOrder.stdout);
  });

  it('answers usage errors with exit code 2', async () => {
    expect((await run(runCompute, ['--charter', charterFile])).code).toBe(2);
    expect(
      (
        await run(runCompute, [
          '--charter',
          charterFile,
          '--records',
          recordsFile,
          '--milestone',
          'm1-discovery',
        ])
      ).code,
    ).toBe(2);
    expect(
      (await run(runCompute, ['--charter', charterFile, '--records', join(dir, 'missing.ndjson')])).code,
    ).toBe(2);
    const both = await run(runCompute, [
      '--charter',
      charterFile,
      '--records',
      recordsFile,
      '--period',
      '2026-10',
      '--milestone',
      'x',
    ]);
    expect(both.code).toBe(2);
  });

  it('refuses an invalid charter with exit code 1 and its problems', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ ...JSON.parse(readFileSync(charterFile, 'utf8')), currency: 'euro' }),
    );
    const result = await run(runCompute, ['--charter', bad, '--records', recordsFile, '--period', '2026-10']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('$.currency: must be an ISO 4217 code such as EUR');
  });
});

describe('settle compute exit codes', () => {
  it('exits 3 when a blocking check fails, still printing the statement', async () => {
    // Without the acceptance record, the Discovery milestone's blocking sign-off check fails.
    const file = join(dir, 'no-acceptance.ndjson');
    writeFileSync(file, `${lines.slice(0, 3).join('\n')}\n`);
    const result = await run(runCompute, [
      '--charter',
      charterFile,
      '--records',
      file,
      '--period',
      '2026-10',
    ]);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout).projectId).toBe('atlas-portal');
    expect(result.stderr).toContain('BLOCKING checks failed');
  });

  it('exits 3 when every record is quarantined', async () => {
    const file = join(dir, 'all-bad.ndjson');
    writeFileSync(file, '{not json\n{"kind":"time"}\n');
    const result = await run(runCompute, [
      '--charter',
      charterFile,
      '--records',
      file,
      '--period',
      '2026-10',
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('every record was quarantined');
  });
});

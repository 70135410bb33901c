import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNormalize } from '../../../infra/cli/commands/normalize.ts';

const demo = (name: string) => fileURLToPath(new URL(`../../../demo/acme/${name}`, import.meta.url));
const fixtures = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

async function run(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runNormalize(argv, { stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

describe('settle normalize', () => {
  it('writes NDJSON records and a summary with total seconds', async () => {
    const { code, stdout, stderr } = await run([
      '--source',
      'toggl',
      fixtures('toggl/detailed-report.csv'),
      '--tz',
      'Europe/Berlin',
      '--project',
      'atlas',
    ]);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatchObject({ kind: 'time', projectRef: 'atlas', source: 'toggl' });
    expect(stderr).toContain('6 record(s), 0 quarantined');
    expect(stderr).toContain('time: 43220 s');
  });

  it('sums amounts per currency exactly and counts quarantined items by reason', async () => {
    const { code, stderr } = await run([
      '--source',
      'quickbooks',
      fixtures('quickbooks/query-bill.json'),
      '--project',
      'atlas',
    ]);
    expect(code).toBe(0);
    expect(stderr).toContain('amount EUR: 12634.66');
    expect(stderr).toContain('amount USD: 8850');
    expect(stderr).toContain('quarantined invalid-amount: 1');
  });

  it('reads the real SAP and Clockify Reports API samples, with the totals worked out by hand', async () => {
    const sap = await run([
      '--source',
      'sap',
      fixtures('real/sap/latona-sandbox-supplier-invoice-5100000001-2016.json'),
    ]);
    expect(sap.code).toBe(0);
    expect(sap.stderr).toContain('1 record(s), 0 quarantined');
    expect(sap.stderr).toContain('amount USD: 1511.63');
    expect(sap.stderr).toContain('reversed by document 5100000002/2016, which is not in this data');
    const clockify = await run([
      '--source',
      'clockify',
      fixtures('real/clockify/procat-reports-detailed-one-entry.json'),
      '--option',
      'projectMap={"6694bb8babec074beb0731cb":"procat"}',
    ]);
    expect(clockify.code).toBe(0);
    // 06:19:41 → 07:30:41 is 1 h 11 min: 4 260 s, all billable.
    expect(clockify.stderr).toContain('projects: procat (1)');
    expect(clockify.stderr).toContain('time: 4260 s (1.18 h), billable 4260 s (1.18 h)');
  });

  it('uses a generic profile', async () => {
    const { code, stdout } = await run([
      '--source',
      'csv',
      '--profile',
      'acceptance',
      demo('acceptance-2026-10.csv'),
      '--project',
      'atlas',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'evidence', milestone: 'm1-discovery' });
  });

  it('exits 0 with a quarantined file when the content is unreadable', async () => {
    const { code, stdout, stderr } = await run(['--source', 'sap', demo('overheads-2026-10.csv')]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('quarantined unparseable-file: 1');
  });

  it('exits non-zero only when the file cannot be read, or on usage errors', async () => {
    expect((await run(['--source', 'toggl', '/no/such/file.csv'])).code).toBe(2);
    expect((await run(['--source', 'nope', 'x'])).code).toBe(2);
    expect((await run(['--source', 'toggl'])).code).toBe(2);
  });

  it('prints help with every source, and the options of one source with --source', async () => {
    const general = await run(['--help']);
    expect(general.code).toBe(0);
    expect(general.stdout).toContain('--option KEY=VALUE');
    for (const source of ['toggl', 'clockify', 'sap', 'aws-cost-explorer', 'azure-cost', 'quickbooks'])
      expect(general.stdout).toContain(`  ${source}`);
    const clockify = await run(['--help', '--source', 'clockify']);
    expect(clockify.code).toBe(0);
    expect(clockify.stdout).toMatch(/dateOrder\s+string\s+date order of slashed dates/);
    expect(clockify.stdout).toMatch(/Live mode only[\s\S]*workspaceId/);
  });

  it('passes connector options with --option, JSON maps included, and lists the projects found', async () => {
    const { code, stdout, stderr } = await run([
      '--source',
      'toggl',
      fixtures('toggl/detailed-report.csv'),
      '--option',
      'tz=Europe/Berlin',
      '--option',
      'projectMap={"Atlas customer portal":"atlas"}',
    ]);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(6);
    expect(stderr).toContain('projects: atlas (6)');
  });

  it('keeps the vendor project as projectRef without --project, so the summary shows what the file holds', async () => {
    const { code, stderr } = await run(['--source', 'clockify', fixtures('clockify/detailed-report.json')]);
    expect(code).toBe(0);
    expect(stderr).toContain('3 record(s), 1 quarantined');
    expect(stderr).toContain('projects: Atlas customer portal (3)');
    expect(stderr).not.toContain('missing-project');
  });

  it('refuses an ambiguous day/month file naming the option, and reads it with --option dateOrder', async () => {
    const refused = await run([
      '--source',
      'clockify',
      fixtures('clockify/detailed-report.csv'),
      '--project',
      'atlas',
    ]);
    expect(refused.code).toBe(0);
    expect(refused.stderr).toContain('quarantined ambiguous-date-order: 3');
    expect(refused.stderr).toContain('--option dateOrder=DMY');
    const read = await run([
      '--source',
      'clockify',
      fixtures('clockify/detailed-report.csv'),
      '--project',
      'atlas',
      '--option',
      'dateOrder=MDY',
      '--tz',
      'Europe/Berlin',
    ]);
    expect(read.stderr).toContain('3 record(s), 0 quarantined');
    expect(read.stderr).toContain('time: 40530 s');
  });

  it('refuses an unknown option or a value of the wrong type, naming what the source takes', async () => {
    const unknown = await run([
      '--source',
      'sap',
      fixtures('sap/supplier-invoices-page-1.json'),
      '--option',
      'colour=red',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('sap has no option colour; it has projectRef, projectMap');
    const wrong = await run([
      '--source',
      'sap',
      fixtures('sap/supplier-invoices-page-1.json'),
      '--option',
      'postedStatuses=5',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--option postedStatuses: must be a JSON list');
  });
});

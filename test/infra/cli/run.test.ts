import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asOfFor, isCalendarDate, preflightRun } from '../../../infra/cli/commands/run.ts';
import { main } from '../../../infra/cli/settle.ts';
import { validateCharter } from '../../../shared/domain/charter.ts';
import { capture } from '../../support/cli-io.ts';

const DEMO = 'demo/acme';
const CHARTER = join(DEMO, 'charter.json');
const TODAY = '2026-12-02';
const request = { tenant: 'acme', charterPath: CHARTER, filesDir: DEMO, period: '2026-10' };

function demoCharter() {
  const result = validateCharter(JSON.parse(readFileSync(CHARTER, 'utf8')));
  if (!result.ok) throw new Error('demo charter invalid');
  return result.charter;
}

async function problemsOf(overrides: Partial<Parameters<typeof preflightRun>[0]>, today = TODAY) {
  const result = await preflightRun({ ...request, ...overrides }, today);
  return result.ok ? [] : result.problems;
}

describe('the checks before a settlement run', () => {
  it('accepts the demo project and defaults the as-of date to the end of a closed month', async () => {
    const result = await preflightRun(request, TODAY);
    expect(result).toMatchObject({ ok: true, asOf: '2026-10-31', revision: 0 });
  });

  it('gives the same as-of date whatever later day the run happens', () => {
    const charter = demoCharter();
    expect(asOfFor(charter, '2026-10', '2026-11-05')).toBe('2026-10-31');
    expect(asOfFor(charter, '2026-10', '2027-03-01')).toBe('2026-10-31');
    // A month still running is measured up to today.
    expect(asOfFor(charter, '2026-12', TODAY)).toBe(TODAY);
  });

  it.each([
    ['2026-1', '--period \'2026-1\': invalid period "2026-1"'],
    ['2026-13', "--period '2026-13'"],
    ['october', "--period 'october'"],
    ['milestone:m1-discovery', 'the charter settles by periodic, not by milestone'],
    ['2027-05', '--period 2027-05 has not begun yet (today is 2026-12-02)'],
    ['2026-08', "--period 2026-08 is outside the project's schedule (2026-10-01 to 2027-01-29)"],
  ])('refuses the period %s before anything starts', async (period, message) => {
    const problems = await problemsOf({ period });
    expect(problems.join('\n')).toContain(message);
  });

  it('names a charter that cannot be read, is not JSON, or is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preflight-'));
    expect((await problemsOf({ charterPath: join(dir, 'none.json') })).join()).toContain(
      'cannot read it (ENOENT)',
    );
    writeFileSync(join(dir, 'broken.json'), '{"schemaVersion": 1,');
    expect((await problemsOf({ charterPath: join(dir, 'broken.json') })).join()).toContain('not JSON');
    const charter = JSON.parse(readFileSync(CHARTER, 'utf8'));
    charter.currency = 'euro';
    writeFileSync(join(dir, 'invalid.json'), JSON.stringify(charter));
    expect((await problemsOf({ charterPath: join(dir, 'invalid.json') })).join()).toContain('$.currency');
  });

  it('names each source file missing from --files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preflight-files-'));
    writeFileSync(join(dir, 'toggl-detailed-2026-10.csv'), 'x');
    const problems = await problemsOf({ filesDir: dir });
    expect(problems).toContain(
      `--files ${dir}: source 'invoices' needs quickbooks-bills-2026-10.json, which is not there`,
    );
    expect(problems.some((p) => p.includes("'toggl'"))).toBe(false);
    expect((await problemsOf({ filesDir: join(dir, 'nowhere') })).join()).toContain(
      'not a readable directory',
    );
  });

  it('checks the tenant id, the revision, its reason and the as-of date', async () => {
    expect((await problemsOf({ tenant: 'Acme Corp' })).join()).toContain("--tenant 'Acme Corp'");
    expect((await problemsOf({ revision: 'one' })).join()).toContain("--revision 'one': a whole number");
    expect((await problemsOf({ revision: '1' })).join()).toContain(
      '--revision 1 re-opens a settled period: give --reason',
    );
    expect(await problemsOf({ revision: '1', reason: 'late invoice' })).toEqual([]);
    expect((await problemsOf({ asOf: '2026-10-32' })).join()).toContain(
      "--as-of '2026-10-32': a date YYYY-MM-DD",
    );
    expect((await problemsOf({ asOf: '2026-09-30' })).join()).toContain(
      '--as-of 2026-09-30 is before the period starts',
    );
  });

  it('knows calendar dates from look-alikes', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('26-01-01')).toBe(false);
  });

  it('creates nothing and exits 2 when settle run is given a mistyped period', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'preflight-run-')), 'tenant');
    const out = capture();
    const err = capture();
    const code = await main(
      [
        'run',
        '--tenant',
        'acme',
        '--charter',
        CHARTER,
        '--files',
        DEMO,
        '--period',
        '2026-1',
        '--data-dir',
        dataDir,
      ],
      { stdout: out.stream, stderr: err.stream },
    );
    expect(code).toBe(2);
    expect(err.text()).toContain("settle run: --period '2026-1'");
    expect(err.text()).toContain('Nothing was started.');
    expect(out.text()).toBe('');
    expect(existsSync(dataDir)).toBe(false);
  });
});

import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../infra/cli/settle.ts';
import { capture } from '../../support/cli-io.ts';

async function settle(...argv: string[]) {
  const out = capture();
  const err = capture();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

const COMMANDS = [
  ['run'],
  ['revise'],
  ['demo'],
  ['import'],
  ['status'],
  ['approve'],
  ['verify-archive'],
  ['report', 'portfolio'],
  ['compute'],
  ['normalize'],
  ['charter', 'validate'],
  ['charter', 'schema'],
  ['charter', 'reference'],
];

const scratch = () => mkdtempSync(join(tmpdir(), 'settle-cli-'));

describe('the settle command line', () => {
  it('lists every command in its help', async () => {
    const result = await settle('--help');
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toContain(command.join(' '));
    expect(result.stdout).toContain('Exit codes: 0 ok (settled), 1 failure, 2 usage error');
  });

  it.each(COMMANDS)('answers --help for %s %s with its usage and exit code 0', async (...command) => {
    for (const flag of ['--help', '-h']) {
      const result = await settle(...command, flag);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`usage: settle ${command.join(' ')}`);
      expect(result.stderr).toBe('');
    }
  });

  it('answers --help for a command group with the usage of each subcommand', async () => {
    const result = await settle('charter', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: settle charter validate FILE');
    expect(result.stdout).toContain('usage: settle charter schema');
  });

  it.each(COMMANDS)(
    'answers an unknown flag on %s %s with a usage line and exit code 2',
    async (...command) => {
      const result = await settle(...command, '--frobnicate');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("Unknown option '--frobnicate'");
      expect(result.stderr).toContain(`usage: settle ${command.join(' ')}`);
      expect(result.stderr).not.toContain('TypeError');
    },
  );

  it('rejects an unknown command with the help and exit code 2', async () => {
    const result = await settle('frobnicate');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });

  it('names the missing option of a command that needs a tenant', async () => {
    const result = await settle('status');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--tenant is required');
    expect(result.stderr).toContain('usage: settle status --tenant T');
  });

  it.each([
    ['status'],
    ['verify-archive'],
    ['report', 'portfolio', '--from', '2026-01-01', '--to', '2026-12-31'],
  ])('refuses an unknown tenant for %s with exit code 2 and creates nothing', async (...command) => {
    const dataDir = join(scratch(), 'acmee');
    const result = await settle(...command, '--tenant', 'acmee', '--data-dir', dataDir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown tenant 'acmee'");
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses to import a charter whose files are missing, creating nothing', async () => {
    const dataDir = join(scratch(), 'newco');
    const files = scratch();
    const result = await settle(
      'import',
      '--tenant',
      'newco',
      '--charter',
      'demo/acme/charter.json',
      '--files',
      files,
      '--data-dir',
      dataDir,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `settle import: --files ${files}: source 'toggl' needs toggl-detailed-2026-10.csv`,
    );
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses a tenant id that could not name AWS resources', async () => {
    const result = await settle('status', '--tenant', 'ACME Corp');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--tenant 'ACME Corp'");
  });

  it.each([
    [['--from', '2026-13-01', '--to', '2026-12-31'], "--from '2026-13-01': a calendar date YYYY-MM-DD"],
    [['--from', '2026-02-30', '--to', '2026-12-31'], "--from '2026-02-30': a calendar date YYYY-MM-DD"],
    [['--from', '2026-12-31', '--to', '2026-01-01'], '--to 2026-01-01 is before --from 2026-12-31'],
    [['--from', '2026-01-01', '--to', '2026-12-31', '--locale', 'fr'], "--locale 'fr': en or zh-CN"],
  ])('validates the dates and locale of a portfolio report (%j)', async (args, message) => {
    const result = await settle('report', 'portfolio', '--tenant', 'acme', ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('explains an approval link that is not a link, without a TypeError', async () => {
    const result = await settle('approve', 'not-a-link');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("'not-a-link' is not a link: paste the whole address from the email");
    expect(result.stderr).not.toContain('TypeError');
  });

  it('explains an approval link whose run has ended, without a TypeError', async () => {
    // A port that was free a moment ago: nothing answers there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await settle('approve', `http://127.0.0.1:${port}/approvals/abc?s=def`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `nothing answers at http://127.0.0.1:${port}: the run that sent this link has ended`,
    );
    expect(result.stderr).not.toContain('TypeError');
    expect(result.stderr).not.toContain('fetch failed');
  });

  it('says which port is busy and which flag chooses another, instead of hanging', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const result = await settle(
        'demo',
        '--yes',
        '--port',
        String(port),
        '--data-dir',
        join(scratch(), 'demo'),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toContain(`--port ${port + 1}`);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  it('refuses a port that is not a number', async () => {
    const result = await settle('demo', '--port', 'eighty');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--port 'eighty': a port number 0–65535");
  });

  it('validates a charter through the dispatcher', async () => {
    const result = await settle('charter', 'validate', 'demo/acme/charter.json');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid (project atlas-portal');
  });
});

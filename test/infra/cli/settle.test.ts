import { describe, expect, it } from 'vitest';
import { main } from '../../../infra/cli/settle.ts';
import { capture } from '../../support/cli-io.ts';

describe('the settle command line', () => {
  it('lists every command in its help', async () => {
    const out = capture();
    const err = capture();
    expect(await main(['--help'], { stdout: out.stream, stderr: err.stream })).toBe(0);
    for (const command of [
      'run',
      'import',
      'status',
      'approve',
      'verify-archive',
      'compute',
      'normalize',
      'report portfolio',
      'charter validate',
    ]) {
      expect(out.text()).toContain(command);
    }
  });

  it('rejects an unknown command with usage and exit code 2', async () => {
    const out = capture();
    const err = capture();
    expect(await main(['frobnicate'], { stdout: out.stream, stderr: err.stream })).toBe(2);
    expect(err.text()).toContain("unknown command 'frobnicate'");
  });

  it('names the missing option of a command that needs a tenant', async () => {
    const out = capture();
    const err = capture();
    expect(await main(['status'], { stdout: out.stream, stderr: err.stream })).toBe(2);
    expect(err.text()).toContain('--tenant is required');
  });

  it('validates a charter through the dispatcher', async () => {
    const out = capture();
    const err = capture();
    expect(
      await main(['charter', 'validate', 'demo/acme/charter.json'], {
        stdout: out.stream,
        stderr: err.stream,
      }),
    ).toBe(0);
  });
});

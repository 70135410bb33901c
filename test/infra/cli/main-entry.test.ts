import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// What npm start, npm run settle and bin/settle.mjs run: the JavaScript entry that turns the compile
// cache on before settle.ts loads, then runs the command line with settle.ts's exit codes.
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['infra/cli/main.mjs', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('the command line entry (infra/cli/main.mjs)', () => {
  it('answers --help with the usage and exit code 0', () => {
    const result = run('demo', '--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('settle demo');
    expect(result.stdout).toContain('--yes');
  });

  it('ends an unknown flag with a usage line and exit code 2', () => {
    const result = run('demo', '--no-such-flag');
    expect(result.status).toBe(2);
    expect(result.stderr + result.stdout).toContain('--no-such-flag');
  });
});

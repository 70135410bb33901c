import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCharterValidate } from '../../../infra/cli/commands/charter.ts';
import { runCommand } from '../../support/cli-io.ts';

const run = (command: typeof runCharterValidate, argv: string[]) => runCommand(command, argv);

const dir = mkdtempSync(join(tmpdir(), 'settle-charter-'));
const charterFile = 'demo/acme/charter.json';

describe('settle charter validate', () => {
  it('accepts a valid charter', async () => {
    const result = await run(runCharterValidate, ['validate', charterFile]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid (project atlas-portal, time-and-materials, EUR)');
  });

  it('prints every problem with its path and exits 1', async () => {
    const bad = join(dir, 'bad-charter.json');
    const charter = JSON.parse(readFileSync(charterFile, 'utf8'));
    charter.milestones[0].plannedEnd = '2026-01-01';
    charter.approvers = [];
    writeFileSync(bad, JSON.stringify(charter));
    const result = await run(runCharterValidate, [bad]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('$.milestones[0].plannedEnd: plannedEnd is before plannedStart');
    expect(result.stdout).toContain('$.approvers: at least one approver is required');
  });

  it('reports a file that is not JSON', async () => {
    const bad = join(dir, 'not.json');
    writeFileSync(bad, '{');
    const result = await run(runCharterValidate, [bad]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('$: not JSON');
  });
});

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

describe('settle charter schema and reference', () => {
  it('prints a JSON Schema with every charter field, described', async () => {
    const { runCharterSchema } = await import('../../../infra/cli/commands/charter.ts');
    const { Charter } = await import('../../../shared/domain/charter.ts');
    const result = await runCommand((_argv, io) => runCharterSchema(io), []);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(Charter.shape).sort());
    for (const [name, field] of Object.entries(
      schema.properties as Record<string, { description?: string }>,
    )) {
      expect(field.description, name).toBeTruthy();
    }
    expect(schema.required).toContain('approvers');
  });

  it('keeps docs/charter-reference.md in step with the schema (npm run docs:charter)', async () => {
    const { renderCharterReference } = await import('../../../infra/cli/commands/charter.ts');
    const { charterJsonSchema } = await import('../../../shared/domain/charter-schema.ts');
    const expected = renderCharterReference(charterJsonSchema());
    expect(readFileSync('docs/charter-reference.md', 'utf8')).toBe(expected);
    expect(expected).toContain('| `sources[].connector` |');
    expect(expected).toContain('| `contract (retainer).monthlyFee` |');
  });
});

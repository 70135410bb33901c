import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runClauses } from '../../../infra/cli/commands/clauses.ts';
import { main } from '../../../infra/cli/settle.ts';
import { runCommand } from '../../support/cli-io.ts';

const DEMO = 'demo/acme';

function demoCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clauses-'));
  cpSync(DEMO, dir, { recursive: true });
  return dir;
}

describe('settle clauses', () => {
  it('suggests evidence per clause of the demo charter, with score, matched words and no-match', async () => {
    const { code, stdout } = await runCommand(runClauses, [
      'suggest',
      '--charter',
      join(DEMO, 'charter.json'),
      '--as-of',
      '2026-11-05',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      '8 clauses, 15 evidence items (7 issues, 1 records, 2 milestones) as of 2026-11-05',
    );
    expect(stdout).toMatch(
      /3\.1 Checkout \(en, blocking\)[\s\S]*?suggested: task:ATL-21 {2}score 0\.\d{4} {2}matched: checkout, payment/,
    );
    expect(stdout).toMatch(
      /3\.2 Single sign-on[\s\S]*?ATL-23 Login via Azure AD B2C \(SSO\) \[not fulfilled: In Progress\]/,
    );
    expect(stdout).toMatch(/5\.2 Steering committee \(en\)\n.*\n {2}suggested: no match/);
  });

  it('prints machine-readable suggestions with --json', async () => {
    const { code, stdout } = await runCommand(runClauses, [
      'suggest',
      '--charter',
      join(DEMO, 'charter.json'),
      '--as-of',
      '2026-11-05',
      '--json',
    ]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.threshold).toBe(0.09);
    const checkout = json.clauses.find((c: { clause: string }) => c.clause === '3.1');
    expect(checkout.best.ref).toBe('task:ATL-21');
    expect(checkout.confirmed).toEqual(['task:ATL-21']);
  });

  it('records a confirmed mapping in the charter, replacing an earlier one for the clause', async () => {
    const dir = demoCopy();
    const charter = join(dir, 'charter.json');
    const { code, stdout } = await runCommand(runClauses, [
      'confirm',
      '--charter',
      charter,
      '--clause',
      '4.1',
      '--evidence',
      'task:ATL-35',
      '--by',
      'Maria Lopez',
      '--on',
      '2026-11-06',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('Confirmed clause 4.1 ← task:ATL-35');
    const written = JSON.parse(readFileSync(charter, 'utf8'));
    expect(written.clauses.confirmed.at(-1)).toEqual({
      clause: '4.1',
      evidence: ['task:ATL-35'],
      confirmedBy: 'Maria Lopez',
      confirmedOn: '2026-11-06',
    });
    await runCommand(runClauses, [
      'confirm',
      '--charter',
      charter,
      '--clause',
      '4.1',
      '--evidence',
      'milestone:m2-mvp',
      '--by',
      'X',
    ]);
    const again = JSON.parse(readFileSync(charter, 'utf8'));
    expect(again.clauses.confirmed.filter((m: { clause: string }) => m.clause === '4.1')).toHaveLength(1);
  });

  it('refuses an unknown clause or a malformed reference', async () => {
    const dir = demoCopy();
    const charter = join(dir, 'charter.json');
    const unknown = await runCommand(runClauses, [
      'confirm',
      '--charter',
      charter,
      '--clause',
      '9.9',
      '--evidence',
      'task:X-1',
      '--by',
      'A',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no clause "9.9"');
    const bad = await runCommand(runClauses, [
      'confirm',
      '--charter',
      charter,
      '--clause',
      '4.1',
      '--evidence',
      'ticket:X',
      '--by',
      'A',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("must be 'task:<key>'");
  });

  it('splits a Chinese contract file into the charter clauses, keeping what a person set', async () => {
    const dir = demoCopy();
    const charter = join(dir, 'charter.json');
    writeFileSync(
      join(dir, 'contract-zh.md'),
      '第一条 交付\n乙方应交付源代码。\n第二条 培训\n乙方应对甲方人员进行操作培训。\n',
    );
    const dry = await runCommand(runClauses, [
      'split',
      '--charter',
      charter,
      '--contract',
      join(dir, 'contract-zh.md'),
    ]);
    expect(dry.stdout).toContain('2 clauses (not written');
    const { code } = await runCommand(runClauses, [
      'split',
      '--charter',
      charter,
      '--contract',
      join(dir, 'contract-zh.md'),
      '--write',
    ]);
    // The demo's confirmations name clauses the new contract does not have: the charter stays unchanged.
    expect(code).toBe(1);
    const json = JSON.parse(readFileSync(charter, 'utf8'));
    json.clauses = { items: [{ id: '第一条', text: '旧文本', blocking: true }], confirmed: [] };
    writeFileSync(charter, JSON.stringify(json));
    const ok = await runCommand(runClauses, [
      'split',
      '--charter',
      charter,
      '--contract',
      join(dir, 'contract-zh.md'),
      '--write',
    ]);
    expect(ok.code).toBe(0);
    const items = JSON.parse(readFileSync(charter, 'utf8')).clauses.items;
    expect(items).toEqual([
      { id: '第一条', title: '交付', text: '乙方应交付源代码。', language: 'zh', blocking: true },
      {
        id: '第二条',
        title: '培训',
        text: '乙方应对甲方人员进行操作培训。',
        language: 'zh',
        blocking: false,
      },
    ]);
  });

  it('runs as settle clauses …, with its options in --help and an undeclared option refused', async () => {
    const help = await runCommand(main, ['clauses', 'confirm', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: settle clauses confirm --charter FILE --clause ID');
    expect(help.stdout).toContain('--by NAME');
    const suggested = await runCommand(main, [
      'clauses',
      'suggest',
      '--charter',
      join(DEMO, 'charter.json'),
      '--as-of',
      '2026-11-05',
    ]);
    expect(suggested.code).toBe(0);
    expect(suggested.stdout).toContain('8 clauses, 15 evidence items');
    const unknown = await runCommand(main, ['clauses', 'split', '--charter', 'x.json', '--by', 'A']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--by'");
  });
});

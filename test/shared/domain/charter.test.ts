import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateCharter } from '#domain/charter.ts';

const demo = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('charter', () => {
  const files = [
    'demo/acme/charter.json',
    ...readdirSync('demo/charters')
      .filter((f) => f.endsWith('.json'))
      .map((f) => `demo/charters/${f}`),
  ];

  it.each(files)('accepts the example charter %s', (file) => {
    const result = validateCharter(demo(file));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('binds the demo tenant to its six data sources', () => {
    const result = validateCharter(demo('demo/acme/charter.json'));
    if (!result.ok) throw new Error('invalid');
    expect(result.charter.sources.map((s) => `${s.id}:${s.connector}:${s.path}`)).toEqual([
      'toggl:toggl:toggl-detailed-2026-10.csv',
      'invoices:quickbooks:quickbooks-bills-2026-10.json',
      'cloud:aws-cost-explorer:cost-explorer-2026-10.json',
      'overheads:csv:overheads-2026-10.csv',
      'acceptance:csv:acceptance-2026-10.csv',
      'jira:jira:jira-issues-2026-11-05.json',
    ]);
    expect(result.charter.projectRef).toBe('atlas');
  });

  it('lists every problem with its JSON path', () => {
    const charter = demo('demo/acme/charter.json');
    charter.currency = 'euro';
    charter.milestones[1].plannedEnd = '2026-01-01';
    charter.rateCards[0].costRate = '-1';
    charter.approvers[0].email = 'not-an-email';
    charter.colour = 'blue';
    charter.milestones[1].id = 'm1-discovery';
    const result = validateCharter(charter);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '$.currency',
        '$.milestones[1].plannedEnd',
        '$.rateCards[0].costRate',
        '$.approvers[0].email',
        '$.colour',
      ]),
    );
    expect(result.problems.find((p) => p.path === '$.colour')?.message).toBe('unknown key');
  });

  it('reports cross-field problems: duplicates, retainer mode, fixed price without billable milestones', () => {
    const base = demo('demo/charters/retainer-support.json');
    const r1 = validateCharter({ ...base, settlement: { mode: 'whole' } });
    expect(r1.ok ? [] : r1.problems).toContainEqual({
      path: '$.settlement.mode',
      message: 'a retainer contract is settled periodically (mode "periodic")',
    });
    const fp = demo('demo/charters/fixed-price-two-milestones.json');
    for (const m of fp.milestones) delete m.billingAmount;
    fp.milestones[1].id = fp.milestones[0].id;
    const r2 = validateCharter(fp);
    const messages = r2.ok ? [] : r2.problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages).toContain(
      '$.milestones: a fixed-price contract needs at least one milestone with a billingAmount',
    );
    expect(messages).toContain('$.milestones[1].id: duplicate milestone id "design"');
  });

  it('requires a reason on every adjustment and write-off', () => {
    const charter = demo('demo/charters/time-and-materials-software.json');
    charter.contract.adjustments[0].reason = '';
    const result = validateCharter(charter);
    expect(result.ok ? [] : result.problems).toContainEqual({
      path: '$.contract.adjustments[0].reason',
      message: 'a reason is required',
    });
  });
});

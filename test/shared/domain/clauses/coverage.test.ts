import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateCharter } from '#domain/charter.ts';
import { hasBlockingFailures } from '#domain/checks.ts';
import { computeStatement } from '#domain/compute.ts';
import type { SettlementRecord } from '#domain/records.ts';
import { serializeStatement } from '#domain/statement.ts';
import { charterWith, evidence, task } from '../fixtures.ts';

const clauses = {
  items: [
    {
      id: '4.1',
      title: 'ERP interface',
      text: 'The Supplier shall deliver the interface to the ERP system.',
      blocking: true,
      due: '2026-10-15',
    },
    { id: '4.2', text: 'The Supplier shall run a load test with 200 users.', due: '2026-10-15' },
    { id: '第五条', text: '乙方应交付设计文档并经甲方验收。', blocking: true, milestone: 'm1' },
    { id: '4.4', text: 'The Supplier shall train the operators.', blocking: true, due: '2026-12-01' },
  ],
  confirmed: [
    { clause: '4.1', evidence: ['task:ERP-1'], confirmedBy: 'PM', confirmedOn: '2026-10-10' },
    {
      clause: '第五条',
      evidence: ['deliverable:m1:1', 'evidence:DOC-ACC-1'],
      confirmedBy: 'PM',
      confirmedOn: '2026-10-21',
    },
  ],
};

const charter = (extra: object = {}) =>
  charterWith({
    milestones: [
      {
        id: 'm1',
        name: 'Design',
        plannedStart: '2026-10-01',
        plannedEnd: '2026-10-20',
        plannedValue: '1000.00',
        acceptanceCriteria: ['设计文档经甲方验收'],
      },
    ],
    clauses,
    ...extra,
  });

const records = (resolvedAt: string): SettlementRecord[] => [
  task('ERP-1', 5, true, { summary: 'ERP interface', resolvedAt }),
  // Word for word the text of clause 4.2 and Done: still not evidence until a person confirms it.
  task('ERP-2', 3, true, { summary: 'The Supplier shall run a load test with 200 users.' }),
  evidence('acceptance', 'm1', '2026-10-19', 'DOC-ACC-1'),
];

const settle = (c: ReturnType<typeof charter>, recs: SettlementRecord[], asOf = '2026-10-31') =>
  computeStatement({ charter: c, records: recs, period: '2026-10', asOf, revision: 0, quarantine: [] });

describe('clause coverage in the statement', () => {
  it('counts confirmed evidence fulfilled as of the settlement date, and only that', () => {
    const s = settle(charter(), records('2026-10-12T10:00:00Z'));
    const byId = Object.fromEntries((s.clauses ?? []).map((c) => [c.id, c]));
    expect(byId['4.1']).toMatchObject({ status: 'fulfilled', due: true, blocking: true, confirmedBy: 'PM' });
    expect(byId['4.1']?.evidence).toEqual([
      { ref: 'task:ERP-1', label: 'ERP-1 ERP interface', fulfilled: true, date: '2026-10-12', state: 'done' },
    ]);
    expect(byId['4.2']).toMatchObject({ status: 'unconfirmed', due: true, blocking: false, evidence: [] });
    expect(byId.第五条).toMatchObject({ status: 'fulfilled', language: 'zh', due: true });
    expect(byId['4.4']).toMatchObject({ status: 'unconfirmed', due: false });

    const checks = Object.fromEntries(
      s.checks.filter((c) => c.id.startsWith('clause:')).map((c) => [c.id, c]),
    );
    expect(Object.keys(checks)).toEqual(['clause:4.1', 'clause:4.2', 'clause:第五条']); // 4.4 is not yet due
    expect(checks['clause:4.1']).toMatchObject({ status: 'pass', severity: 'blocking' });
    expect(checks['clause:4.2']).toMatchObject({ status: 'fail', severity: 'warning' });
    expect(checks['clause:4.2']?.detail).toContain('no confirmed evidence');
    // An unconfirmed clause with a perfect suggestion is a warning, not a block: a score never blocks.
    expect(hasBlockingFailures(s)).toBe(false);
  });

  it('blocks on a blocking clause whose evidence was done only after the settlement date, naming the clause', () => {
    const s = settle(charter(), records('2026-11-03T10:00:00Z'));
    const check = s.checks.find((c) => c.id === 'clause:4.1');
    expect(check).toMatchObject({ status: 'fail', severity: 'blocking', evidence: ['task:ERP-1'] });
    expect(check?.title).toContain('4.1 ERP interface');
    expect(check?.detail).toBe('not fulfilled: task:ERP-1 (Done)');
    expect(hasBlockingFailures(s)).toBe(true);
  });

  it('reports a confirmed reference that is not in the records as unfulfilled', () => {
    const s = settle(charter(), records('2026-10-12T10:00:00Z').slice(1));
    expect(s.clauses?.find((c) => c.id === '4.1')?.evidence[0]).toMatchObject({
      ref: 'task:ERP-1',
      fulfilled: false,
      state: 'not found in the records',
    });
    expect(hasBlockingFailures(s)).toBe(true);
  });

  it('lets a recorded waiver unblock a clause', () => {
    const waived = charter({
      waivers: [{ check: 'clause:4.1', by: 'CFO', reason: 'interface moved to phase 2', date: '2026-11-01' }],
    });
    const s = settle(waived, records('2026-11-03T10:00:00Z'));
    expect(s.checks.find((c) => c.id === 'clause:4.1')?.status).toBe('waived');
    expect(hasBlockingFailures(s)).toBe(false);
  });

  it('checks every clause at final settlement', () => {
    const s = computeStatement({
      charter: charter(),
      records: records('2026-10-12T10:00:00Z'),
      period: 'final',
      asOf: '2026-10-31',
      revision: 0,
      quarantine: [],
    });
    expect(s.checks.find((c) => c.id === 'clause:4.4')).toMatchObject({
      status: 'fail',
      severity: 'blocking',
    });
  });

  it('gives the same bytes whatever the record order, and no clause table without clauses', () => {
    const recs = records('2026-10-12T10:00:00Z');
    expect(serializeStatement(settle(charter(), [...recs].reverse()))).toBe(
      serializeStatement(settle(charter(), recs)),
    );
    const plain = settle(charterWith(), recs);
    expect(plain.clauses).toBeUndefined();
    expect(plain.checks.some((c) => c.id.startsWith('clause:'))).toBe(false);
  });

  it('never lets unconfirmed evidence change the clause table, however well it matches', () => {
    const base = settle(charter(), records('2026-10-12T10:00:00Z'));
    const texts = clauses.items.map((c) => c.text);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: fc.stringMatching(/^X-[1-9]\d{0,3}$/),
            summary: fc.constantFrom(...texts),
            done: fc.boolean(),
          }),
          { maxLength: 8 },
        ),
        (extra) => {
          const more = [
            ...records('2026-10-12T10:00:00Z'),
            ...extra.map((t) => task(t.key, 1, t.done, { summary: t.summary })),
          ];
          const s = settle(charter(), more);
          expect(s.clauses).toEqual(base.clauses);
          expect(s.checks.filter((c) => c.id.startsWith('clause:'))).toEqual(
            base.checks.filter((c) => c.id.startsWith('clause:')),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('needs the clauses inline: a contract file alone gives no table, and confirmations need items', () => {
    const fileOnly = charterWith({ clauses: { file: 'contract.md' } });
    expect(settle(fileOnly, records('2026-10-12T10:00:00Z')).clauses).toBeUndefined();
    const result = validateCharter({
      ...JSON.parse(JSON.stringify(charterWith())),
      clauses: {
        file: 'contract.md',
        confirmed: [
          { clause: '4.1', evidence: ['task:ERP-1'], confirmedBy: 'PM', confirmedOn: '2026-10-10' },
        ],
      },
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toContain('settle clauses split --write');
  });

  it('rejects a confirmation for an unknown clause or a malformed evidence reference, with the path', () => {
    const base = JSON.parse(JSON.stringify(charter()));
    base.clauses.confirmed.push({
      clause: '9.9',
      evidence: ['ticket:X'],
      confirmedBy: 'PM',
      confirmedOn: '2026-10-10',
    });
    const result = validateCharter(base);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toEqual([
      '$.clauses.confirmed[2].evidence[0]',
      '$.clauses.confirmed[2].clause',
    ]);
  });
});

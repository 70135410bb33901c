import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSettlementFacts, factPartition, weekdaysBetween } from '#analytics/facts.ts';
import type { ApprovalEvent } from '#approval/model.ts';
import { computeStatement } from '#domain/compute.ts';
import { charterWith, cost, evidence, time } from '../shared/domain/fixtures.ts';

const H = 3600;
const charter = charterWith({
  rateCards: [
    { role: 'engineer', currency: 'EUR', costRate: '60.00', billRate: '100.00', effectiveFrom: '2026-01-01' },
  ],
  people: [
    { id: 'anna', role: 'engineer' },
    { id: 'ben', role: 'engineer' },
  ],
});

function statementOf(seconds: number[], amounts: string[]) {
  const records = [
    ...seconds.map((s, i) =>
      time(i % 2 ? 'anna' : 'ben', `2026-10-${String((i % 28) + 1).padStart(2, '0')}T09:00:00Z`, s),
    ),
    ...amounts.map((a, i) => cost('materials', a, `2026-10-${String((i % 28) + 1).padStart(2, '0')}`)),
    time('anna', '2026-11-03T09:00:00Z', 2 * H),
    evidence('nps', 'm1', '2026-10-20', 'survey-1', { score: 9 }),
    evidence('nps', 'm1', '2026-10-21', 'survey-2', { score: 4 }),
  ];
  const statement = computeStatement({
    charter,
    records,
    period: '2026-10',
    asOf: '2026-11-05',
    revision: 0,
    quarantine: [],
  });
  return { statement, records };
}

const log: ApprovalEvent[] = [
  {
    settlementId: 's',
    requestId: 'r0',
    step: 0,
    type: 'sent',
    at: '2026-11-05T08:00:00.000Z',
    actor: 'system',
  },
  {
    settlementId: 's',
    requestId: 'r0',
    step: 0,
    type: 'reminded',
    at: '2026-11-06T08:00:00.000Z',
    actor: 'system',
  },
  {
    settlementId: 's',
    requestId: 'r0',
    step: 0,
    type: 'decided',
    at: '2026-11-06T09:30:00.000Z',
    actor: 'pm@example.com',
    detail: { decision: 'approved', comment: 'fine' },
  },
];

const build = (seconds: number[], amounts: string[]) => {
  const { statement, records } = statementOf(seconds, amounts);
  return {
    statement,
    facts: buildSettlementFacts({
      tenantId: 'acme',
      settlementId: 'p1_2026-10_r0',
      statement,
      statementNumber: 'ST-1',
      dataReadyAt: '2026-11-05T07:00:00.000Z',
      finalisedAt: '2026-11-06T10:00:00.000Z',
      people: 2,
      approvalLog: log,
      records,
    }),
  };
};

describe('settled facts of one settlement', () => {
  it('sum their cost and billing lines to the statement totals, exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 12 * H }), { maxLength: 20 }),
        fc.array(
          fc.integer({ min: -50_000, max: 500_000 }).map((c) => new Decimal(c).div(100).toFixed(2)),
          {
            maxLength: 10,
          },
        ),
        (seconds, amounts) => {
          const { statement, facts } = build(seconds, amounts);
          const total = (type: string) =>
            facts.tables.statement_lines
              .filter((l) => l.line_type === type)
              .reduce((s, l) => s.plus(String(l.amount)), new Decimal(0));
          expect(total('cost').eq(statement.totals.cost.amount)).toBe(true);
          expect(total('billing').eq(statement.billing.net.amount)).toBe(true);
          expect(facts.tables.settlements[0]?.margin).toBe(statement.totals.margin.amount);
          const worked = facts.tables.time_records.reduce((s, r) => s + Number(r.seconds), 0);
          expect(worked).toBe(statement.hours.workedSeconds);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keep only the period’s records and count the NPS answers dated in it', () => {
    const { facts } = build([8 * H], ['100.00']);
    expect(facts.tables.time_records.map((r) => r.work_date)).toEqual(['2026-10-01']);
    expect(facts.tables.cost_records.map((r) => [r.amount, r.currency])).toEqual([['100.00', 'EUR']]);
    const row = facts.tables.settlements[0];
    expect([row?.nps_promoters, row?.nps_passives, row?.nps_detractors]).toEqual([1, 0, 1]);
    expect(row?.capacity_seconds).toBe(2 * weekdaysBetween('2026-10-01', '2026-11-01') * 8 * H);
  });

  it('time each approval step from the email to the decision, with reminders', () => {
    const { facts } = build([H], []);
    expect(facts.tables.approval_steps).toEqual([
      expect.objectContaining({
        step: 0,
        approver: 'pm@example.com',
        decision: 'approved',
        comment: 'fine',
        wait_seconds: 91_800,
        reminders: 1,
        escalated: false,
      }),
    ]);
    expect(facts.tables.settlements[0]?.approved_at).toBe('2026-11-06T09:30:00.000Z');
  });

  it('file a monthly period under its month and an open-ended one under its as-of month', () => {
    expect(factPartition('acme', '2026-11-01', '2026-11-05')).toEqual({
      tenant: 'acme',
      year: 2026,
      month: 10,
    });
    expect(factPartition('acme', '9999-12-31', '2026-11-05')).toEqual({
      tenant: 'acme',
      year: 2026,
      month: 11,
    });
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Charter } from '#domain/charter.ts';
import { approversFor, computeStatement, summariseStatement, verifyContract } from '#domain/compute.ts';
import { CurrencyMismatchError, MissingExchangeRateError } from '#domain/errors.ts';
import { money } from '#domain/money.ts';
import type { SettlementRecord } from '#domain/records.ts';
import { Statement } from '#domain/statement.ts';
import { charterWith, cost, evidence, task, time } from './fixtures.ts';

const H = 3600;

function compute(
  charter: Charter,
  records: SettlementRecord[],
  period: string,
  asOf: string,
  revision = 0,
): Statement {
  const statement = computeStatement({ charter, records, period, asOf, revision, quarantine: [] });
  // Every statement the engine produces satisfies its own schema.
  return Statement.parse(statement);
}

function line(statement: Statement, id: string) {
  const found = statement.lines.find((l) => l.id === id);
  if (!found) throw new Error(`no line ${id} in ${statement.lines.map((l) => l.id).join(', ')}`);
  return found;
}

describe('time and materials with a rate change mid-month', () => {
  const charter = charterWith({
    rateCards: [
      {
        role: 'engineer',
        currency: 'EUR',
        costRate: '60.00',
        billRate: '100.00',
        effectiveFrom: '2026-01-01',
      },
      {
        role: 'engineer',
        currency: 'EUR',
        costRate: '66.00',
        billRate: '110.00',
        effectiveFrom: '2026-10-16',
      },
      {
        role: 'designer',
        currency: 'EUR',
        costRate: '50.00',
        billRate: '90.00',
        effectiveFrom: '2026-01-01',
      },
    ],
    people: [
      { id: 'anna', role: 'engineer' },
      { id: 'ben', role: 'engineer' },
      { id: 'chloe', role: 'designer' },
    ],
    contract: {
      type: 'time-and-materials',
      adjustments: [
        { id: 'w1', kind: 'write-off', amount: '100.00', reason: 'Onboarding not billed', period: '2026-10' },
      ],
    },
  });
  const records = [
    time('anna', '2026-10-05T09:00:00+02:00', 8 * H), // old rate
    time('anna', '2026-10-20T09:00:00+02:00', 8 * H, { billableSeconds: 7 * H }), // new rate, 7 h billable
    time('anna', '2026-10-21T09:00:00+02:00', 1 * H, { billable: false, billableSeconds: 0 }), // new rate, internal
    time('ben', '2026-10-07T09:00:00+02:00', 1234), // rounding case
    time('chloe', '2026-10-10T09:00:00+02:00', 5.5 * H),
    time('anna', '2026-11-02T09:00:00+01:00', 8 * H), // next month: not in October
  ];
  const s = compute(charter, records, '2026-10', '2026-10-31');

  it('prices hours before and after the change at their own rates', () => {
    expect(line(s, 'labour|engineer|anna||2026-01-01|0').amount.amount).toBe('480.00'); // 8 h × 60
    expect(line(s, 'labour|engineer|anna||2026-10-16|1').amount.amount).toBe('594.00'); // 9 h × 66
    expect(line(s, 'labour|engineer|ben||2026-01-01|0').amount.amount).toBe('20.57'); // 1234 s × 60 / 3600 = 20.5666…
    expect(line(s, 'labour|designer|chloe||2026-01-01|2').amount.amount).toBe('275.00'); // 5.5 h × 50
    expect(s.totals.byCategory.labour.amount).toBe('1369.57');
  });

  it('bills billable seconds, not worked seconds, at the bill rate of the day', () => {
    const amounts = Object.fromEntries(s.billing.lines.map((l) => [l.id, l.amount.amount]));
    expect(amounts).toEqual({
      'time|designer|chloe|2026-01-01|2': '495.00', // 5.5 h × 90
      'time|engineer|anna|2026-01-01|0': '800.00', // 8 h × 100
      'time|engineer|anna|2026-10-16|1': '770.00', // 7 h billable × 110 (8 h worked)
      'time|engineer|ben|2026-01-01|0': '34.28', // 1234 s × 100 / 3600 = 34.2777…
      'write-off|w1': '-100.00',
    });
    expect(s.billing.gross.amount).toBe('2099.28');
    expect(s.billing.net.amount).toBe('1999.28');
    expect(s.billing.lines.find((l) => l.id === 'write-off|w1')?.reason).toBe('Onboarding not billed');
  });

  it('counts worked and billable seconds of the period only', () => {
    expect(s.hours).toEqual({
      workedSeconds: 8 * H + 8 * H + H + 1234 + 5.5 * H,
      billableSeconds: 8 * H + 7 * H + 1234 + 5.5 * H,
    });
    expect(s.records.outsidePeriod).toBe(1);
  });

  it('chooses approvers by the settlement amount', () => {
    const chain = charterWith({
      approvers: [
        {
          role: 'pm',
          email: 'pm@acme.example',
          name: 'PM',
          backup: { name: 'Deputy', email: 'deputy@acme.example' },
        },
        { role: 'finance', email: 'finance@acme.example', name: 'Finance', minAmount: '10000.00' },
      ],
    });
    expect(approversFor(chain, money('9999.99', 'EUR')).map((a) => a.email)).toEqual(['pm@acme.example']);
    expect(approversFor(chain, money('10000.00', 'EUR')).map((a) => a.email)).toEqual([
      'pm@acme.example',
      'finance@acme.example',
    ]);
    expect(approversFor(chain, '-12000').length).toBe(2);
    expect(() => approversFor(chain, money('10', 'USD'))).toThrow(CurrencyMismatchError);
    expect(approversFor(chain, s.totals.settlementAmount).map((a) => a.role)).toEqual(['pm']);
  });
});

describe('fixed price with two milestones', () => {
  const charter = Charter.parse(
    JSON.parse(readFileSync('demo/charters/fixed-price-two-milestones.json', 'utf8')),
  );
  const records = [
    time('c1@example.com', '2026-10-01T09:00:00+01:00', 10 * H),
    evidence('acceptance', 'design', '2026-10-14', 'DOC-ACC-1'),
    task('ERP-1', 40, true, { milestone: 'design' }),
    task('ERP-2', 40, true, { milestone: 'design' }),
    task('ERP-3', 120, false, { milestone: 'go-live' }),
    evidence('acceptance', 'go-live', '2026-12-17', 'DOC-ACC-2'),
  ].map((r) => ({ ...r, projectRef: 'helios' }));

  it('bills an accepted milestone once, less 5 % retention', () => {
    const s = compute(charter, records, 'milestone:design', '2026-10-15');
    expect(s.billing.lines.map((l) => [l.id, l.amount.amount])).toEqual([
      ['milestone|design', '40000.00'],
      ['retention', '-2000.00'],
    ]);
    expect(s.billing.net.amount).toBe('38000.00');
    expect(s.totals.byCategory.labour.amount).toBe('600.00'); // 10 h × 60 GBP
    expect(s.currency).toBe('GBP');
    const checks = Object.fromEntries(s.checks.map((c) => [c.id, c.status]));
    expect(checks).toMatchObject({
      completion: 'pass',
      'acceptance:design': 'pass',
      'milestone-date:design': 'pass',
    });
    expect(s.checks.find((c) => c.id === 'acceptance:design')?.evidence).toEqual(['DOC-ACC-1']);
    expect(verifyContract(s).blocking).toBe(false);
  });

  it('does not bill a milestone whose sign-off is missing, and blocks', () => {
    const s = compute(charter, records, 'milestone:go-live', '2026-12-18');
    expect(s.billing.lines).toEqual([]);
    expect(s.billing.net.amount).toBe('0.00');
    const acceptance = s.checks.find((c) => c.id === 'acceptance:go-live');
    expect(acceptance?.status).toBe('pending'); // due today: not yet a failure
    const late = compute(charter, records, 'milestone:go-live', '2026-12-21');
    expect(late.checks.find((c) => c.id === 'acceptance:go-live')).toMatchObject({
      status: 'fail',
      severity: 'blocking',
      detail: 'missing evidence: sign-off (planned end 2026-12-18)',
    });
    expect(late.checks.find((c) => c.id === 'completion')).toMatchObject({ status: 'fail' }); // 0 of 120 FP done
    expect(verifyContract(late).blocking).toBe(true);
  });

  it('records a waiver with who and why, and the waived check no longer blocks', () => {
    const waived = Charter.parse({
      ...JSON.parse(readFileSync('demo/charters/fixed-price-two-milestones.json', 'utf8')),
      waivers: [
        {
          check: 'acceptance:go-live',
          by: 'cfo@example.com',
          reason: 'Sign-off delayed by client holidays',
          date: '2026-12-20',
        },
        {
          check: 'completion',
          by: 'cfo@example.com',
          reason: 'Scope cut agreed in change request 4',
          date: '2026-12-20',
        },
      ],
    });
    const s = compute(waived, records, 'milestone:go-live', '2026-12-21');
    expect(s.checks.find((c) => c.id === 'acceptance:go-live')).toMatchObject({
      status: 'waived',
      waiver: { by: 'cfo@example.com', reason: 'Sign-off delayed by client holidays', date: '2026-12-20' },
    });
    expect(verifyContract(s).blocking).toBe(false);
  });
});

describe('retainer', () => {
  const charter = Charter.parse(JSON.parse(readFileSync('demo/charters/retainer-support.json', 'utf8')));

  it('bills the fee plus overage beyond the included hours', () => {
    const s = compute(
      charter,
      [
        time('sre1@example.com', '2026-10-02T10:00:00Z', 40 * H),
        time('sre2@example.com', '2026-10-03T10:00:00Z', 25.5 * H),
        time('sre2@example.com', '2026-10-04T10:00:00Z', 2 * H, { billable: false, billableSeconds: 0 }),
      ].map((r) => ({ ...r, projectRef: 'lyra' })),
      '2026-10',
      '2026-10-31',
    );
    // 65.5 billable h − 60 included = 5.5 h × 140 = 770.00; fee 8000.00
    expect(s.billing.lines.map((l) => [l.kind, l.amount.amount])).toEqual([
      ['retainer-fee', '8000.00'],
      ['retainer-overage', '770.00'],
    ]);
    expect(s.billing.net.amount).toBe('8770.00');
    expect(s.totals.cost.amount).toBe('4185.00'); // 67.5 h × 62
    expect(s.totals.margin.amount).toBe('4585.00');
  });

  it('bills only the fee when the hours stay within the retainer', () => {
    const s = compute(
      charter,
      [{ ...time('sre1@example.com', '2026-10-02T10:00:00Z', 10 * H), projectRef: 'lyra' }],
      '2026-10',
      '2026-10-31',
    );
    expect(s.billing.net.amount).toBe('8000.00');
  });
});

describe('two currencies', () => {
  const charter = charterWith({
    rateCards: [{ person: 'contractor', currency: 'GBP', costRate: '50.00', effectiveFrom: '2026-01-01' }],
    fxRates: [
      { from: 'USD', to: 'EUR', rate: '0.90', date: '2026-10-01' },
      { from: 'USD', to: 'EUR', rate: '0.95', date: '2026-10-15' },
      { from: 'GBP', to: 'EUR', rate: '1.15', date: '2026-09-30' },
    ],
  });

  it('converts each cost at the rate of its date and labour at the period-end rate', () => {
    const s = compute(
      charter,
      [
        cost('cloud', '100.00', '2026-10-03', { currency: 'USD', vendor: 'AWS' }), // × 0.90 = 90.00
        cost('cloud', '100.00', '2026-10-20', { currency: 'USD', vendor: 'AWS' }), // × 0.95 = 95.00
        cost('cloud', '10.00', '2026-10-20', { vendor: 'AWS' }), // EUR
        time('contractor', '2026-10-06T09:00:00+02:00', 2 * H, { role: 'dev' }), // 2 h × 50 GBP × 1.15
      ],
      '2026-10',
      '2026-10-31',
    );
    expect(line(s, 'cloud|AWS||')).toMatchObject({
      amount: { amount: '195.00', currency: 'EUR' },
      original: [{ amount: '200.00', currency: 'USD' }],
      records: 3,
    });
    const labour = s.lines.find((l) => l.category === 'labour');
    expect(labour).toMatchObject({
      amount: { amount: '115.00', currency: 'EUR' },
      rate: { amount: '50.00', currency: 'GBP' },
      original: [{ amount: '100.00', currency: 'GBP' }],
    });
    expect(s.totals.cost).toEqual({ amount: '310.00', currency: 'EUR' });
  });

  it('fails with a typed error when a currency has no rate', () => {
    expect(() =>
      compute(charter, [cost('other', '5.00', '2026-10-03', { currency: 'CHF' })], '2026-10', '2026-10-31'),
    ).toThrow(MissingExchangeRateError);
  });
});

describe('indirect allocation', () => {
  const charter = charterWith({
    rateCards: [
      { role: 'engineer', currency: 'EUR', costRate: '60', effectiveFrom: '2026-01-01' },
      { role: 'designer', currency: 'EUR', costRate: '50', effectiveFrom: '2026-01-01' },
      { role: 'project-manager', currency: 'EUR', costRate: '80', effectiveFrom: '2026-01-01' },
    ],
    people: [
      { id: 'e', role: 'engineer' },
      { id: 'd', role: 'designer' },
      { id: 'p', role: 'project-manager' },
    ],
    indirect: [{ id: 'oh', name: 'Overheads', pool: { source: 'category' }, base: 'hours', over: 'role' }],
  });
  const records = [
    time('e', '2026-10-05T09:00:00Z', 10 * H),
    time('d', '2026-10-05T09:00:00Z', 10 * H),
    time('p', '2026-10-05T09:00:00Z', 10 * H),
    cost('indirect', '600.00', '2026-10-31', { vendor: 'Landlord' }),
    cost('indirect', '400.00', '2026-10-31', { vendor: 'Depreciation' }),
    cost('materials', '50.00', '2026-10-31', { vendor: 'PO supplier', commitment: true }),
  ];

  it('splits the 1,000.00 pool by hours 1 : 1 : 1 and the parts sum to the pool', () => {
    const s = compute(charter, records, '2026-10', '2026-10-31');
    expect(s.allocations).toHaveLength(1);
    expect(s.allocations[0]?.pool.amount).toBe('1000.00');
    // 333.333… each: the odd cent goes to the first key in code-point order.
    expect(s.allocations[0]?.parts.map((p) => [p.target, p.weight, p.amount.amount])).toEqual([
      ['designer', '36000', '333.34'],
      ['engineer', '36000', '333.33'],
      ['project-manager', '36000', '333.33'],
    ]);
    expect(s.totals.byCategory.indirect.amount).toBe('1000.00');
    expect(s.totals.cost.amount).toBe('2900.00'); // 600 + 500 + 800 + 1000
  });

  it('reports purchase orders as commitments, not cost', () => {
    const s = compute(charter, records, '2026-10', '2026-10-31');
    expect(s.totals.commitments.amount).toBe('50.00');
    expect(s.commitments.map((c) => c.id)).toEqual(['commitment|materials|PO supplier||']);
    expect(s.totals.byCategory.materials.amount).toBe('0.00');
  });

  it('allocates by direct cost when the charter says so', () => {
    const byCost = charterWith({
      ...charter,
      indirect: [
        { id: 'oh', name: 'Overheads', pool: { source: 'fixed', amount: '190.00' }, base: 'direct-cost' },
      ],
    });
    const s = compute(byCost, records, '2026-10', '2026-10-31');
    // direct cost 500 : 600 : 800 of 1900 → 50.00 / 60.00 / 80.00
    expect(s.allocations[0]?.parts.map((p) => p.amount.amount)).toEqual(['50.00', '60.00', '80.00']);
  });
});

describe('the construction case: ten sites, one with an 18 % material overrun', () => {
  const charter = Charter.parse(
    JSON.parse(readFileSync('demo/charters/construction-ten-sites.json', 'utf8')),
  );
  const spend: Record<string, string[]> = {
    'site-01': ['60000.00', '40000.00'],
    'site-02': ['98500.00'],
    'site-03': ['101200.00'],
    'site-04': ['99000.00'],
    'site-05': ['102500.00'],
    'site-06': ['100000.00'],
    'site-07': ['50000.00', '40000.00', '28000.00'], // 118,000 on a 100,000 budget
    'site-08': ['97300.00'],
    'site-09': ['103000.00'],
    'site-10': ['100400.00'],
  };
  const records: SettlementRecord[] = Object.entries(spend).flatMap(([site, amounts]) => [
    ...amounts.map((amount, i) =>
      cost('materials', amount, `2026-0${5 + i}-15`, {
        projectRef: 'riverside',
        workPackage: site,
        vendor: i === 2 ? 'Beton Nord' : 'Baustoff AG',
        document: 'requisition',
      }),
    ),
    cost('equipment', '19500.00', '2026-06-30', {
      projectRef: 'riverside',
      workPackage: site,
      vendor: 'Kran Verleih',
    }),
  ]);
  const s = compute(charter, records, 'final', '2026-10-31');

  it('flags the site with the 18 % material overrun as critical and names it first', () => {
    const row = s.variance.rows.find((r) => r.id === 'category=materials|workPackage=site-07');
    expect(row).toMatchObject({
      budget: { amount: '100000.00' },
      actual: { amount: '118000.00' },
      variance: { amount: '18000.00' },
      percent: '18.00',
      status: 'critical',
    });
    expect(s.variance.causes[0]).toMatchObject({
      row: 'category=materials|workPackage=site-07',
      status: 'critical',
    });
    expect(s.variance.causes[0]?.drivers.map((d) => [d.name, d.amount.amount])).toEqual([
      ['Baustoff AG', '90000.00'],
      ['Beton Nord', '28000.00'],
    ]);
    expect(s.variance.causes[0]?.message).toContain('materials at site-07: 18.00 % over budget');
  });

  it('leaves the other nine sites unflagged', () => {
    const flagged = s.variance.rows.filter((r) => r.status !== 'ok').map((r) => r.id);
    expect(flagged).toEqual(['category=materials|workPackage=site-07']);
    expect(s.variance.basis).toBe('to-date');
    expect(s.variance.rows).toHaveLength(20);
  });

  it('summarises the overrun among the top variances', () => {
    const summary = summariseStatement(s);
    expect(summary.topVariances[0]).toMatchObject({
      id: 'category=materials|workPackage=site-07',
      percent: '18.00',
    });
    expect(summary.causes).toHaveLength(1);
    expect(summary.totals.cost).toBe('1214900.00'); // 1,019,900 materials + 10 × 19,500 equipment
  });
});

import { describe, expect, it } from 'vitest';
import { buildProjectReview, computeNps, type ProjectReview, summarisePortfolio } from '#statement/review.ts';
import { renderPortfolio } from '../../../infra/cli/commands/report.ts';
import { loadView } from './fixture.ts';

const review = (): ProjectReview =>
  buildProjectReview(loadView(), {
    nps: { promoters: 6, passives: 3, detractors: 1 },
    billableHours: '1040',
    capacityHours: '1280',
  });

describe('project review', () => {
  it('computes ROI, NPS and utilisation from the statement and the review facts', () => {
    const r = review();
    expect(r.revenue).toBe('115187.23');
    expect(r.cost).toBe('110428.13');
    expect(r.roiPercent).toBe('4.3'); // 4759.10 / 110428.13
    expect(r.nps).toBe('50.0');
    expect(r.utilisationPercent).toBe('81.3'); // 1040 / 1280
    expect(r.cpi).toBe('0.9164');
    expect(r.approverComments.map((c) => c.who)).toEqual(['anna.schmidt@acme.example', 'cfo@acme.example']);
  });

  it('gives no NPS without responses and no utilisation without capacity', () => {
    expect(computeNps({ promoters: 0, passives: 0, detractors: 0 })).toBeNull();
    const r = buildProjectReview(loadView(), { billableHours: '10', capacityHours: '0' });
    expect(r.nps).toBeNull();
    expect(r.utilisationPercent).toBeNull();
  });

  it('never adds amounts across currencies in the portfolio totals', () => {
    const eur = review();
    const cny = { ...review(), projectId: 'hangzhou', currency: 'CNY', revenue: '100.00', cost: '50.00' };
    const totals = summarisePortfolio([eur, eur, cny]);
    expect(totals.map((t) => [t.currency, t.revenue, t.projects])).toEqual([
      ['CNY', '100', 1],
      ['EUR', '230374.46', 1],
    ]);
  });
});

describe('renderPortfolio', () => {
  it('lists the reviews whose period overlaps the range, in HTML and CSV', () => {
    const q1 = review();
    const q2 = {
      ...review(),
      statementNumber: 'ST-2025-000077',
      period: { label: '2025-Q2', from: '2025-04-01', to: '2025-06-30' },
    };
    const old = { ...review(), period: { label: '2024-Q4', from: '2024-10-01', to: '2024-12-31' } };
    const { html, csv } = renderPortfolio([q2, old, q1], {
      from: '2025-01-01',
      to: '2025-06-30',
      locale: 'en',
    });
    const rows = csv.slice(1).trimEnd().split('\r\n');
    expect(rows).toHaveLength(3);
    expect(rows[1]?.startsWith('atlas,Atlas mobile banking,2025-Q1,')).toBe(true);
    expect(rows[2]).toContain('ST-2025-000077');
    expect(html).toContain('€230,374.46');
    expect(html).toContain('Cloud overrun explained by the March load tests.');
    expect(html).not.toContain('2024-Q4');
  });

  it('labels the portfolio in Chinese', () => {
    const { html } = renderPortfolio([review()], { from: '2025-01-01', to: '2025-03-31', locale: 'zh-CN' });
    expect(html).toContain('项目组合复盘');
    expect(html).toContain('€115,187.23');
  });
});

import { describe, expect, it } from 'vitest';
import { approvalSummaryOf } from '#approval/from-charter.ts';
import { renderApprovalPage } from '#approval/page.ts';
import { computeStatement } from '#domain/compute.ts';
import type { SettlementRecord } from '#domain/records.ts';
import { charterWith, cost, time } from '../domain/fixtures.ts';

// A site's materials 18 % over budget, as in the construction demo, seen by a Chinese approver.
const charter = charterWith({
  currency: 'CNY',
  locale: 'zh-CN',
  counterparty: { type: 'internal', name: '工程管理部' },
  rateCards: [{ role: '施工人员', currency: 'CNY', costRate: '45.00', effectiveFrom: '2026-01-01' }],
  people: [{ id: 'crew-07', name: '07号工地综合班组', role: '施工人员' }],
  budget: {
    lines: [
      { category: 'materials', workPackage: '07号工地', amount: '1000000.00' },
      { category: 'labour', workPackage: '07号工地', amount: '10000.00' },
    ],
  },
});
const cny = { currency: 'CNY', workPackage: '07号工地' };
const records: SettlementRecord[] = [
  cost('materials', '662400.00', '2026-10-05', {
    ...cny,
    vendor: '华润商品混凝土有限公司',
    quantity: '1380',
    unit: 'm³',
  }),
  cost('materials', '517600.00', '2026-10-12', {
    ...cny,
    vendor: '沙钢集团钢材销售有限公司',
    quantity: '116.3',
    unit: 't',
  }),
  { ...time('crew-07', '2026-10-06T07:30:00+08:00', 8 * 3600), workPackage: '07号工地' },
];
const statement = computeStatement({
  charter,
  records,
  period: '2026-10',
  asOf: '2026-10-31',
  revision: 0,
  quarantine: [],
});
const summary = approvalSummaryOf(statement, charter, {
  settlementId: 'p1_2026-10_r0',
  jsonKey: 'drafts/p1/statement.json',
  htmlKey: 'drafts/p1/statement.html',
  pdfKey: 'drafts/p1/statement.pdf',
});

function page(locale: 'en' | 'zh-CN') {
  return renderApprovalPage({
    locale,
    request: {
      requestId: 'r1',
      step: 0,
      steps: 1,
      approver: { role: '项目总监', name: '李明', email: 'li.ming@huajian.example' },
      expiresAt: '2026-11-08T00:00:00.000Z',
    } as Parameters<typeof renderApprovalPage>[0]['request'],
    grant: { email: 'li.ming@huajian.example', name: '李明', kind: 'approver', issuedAt: 'x' },
    summary,
    pdfUrl: undefined,
    secret: 's'.repeat(43),
  });
}

describe('the approval page in Chinese', () => {
  it('names the site’s category, states the cause in Chinese and formats amounts as ¥', () => {
    const html = page('zh-CN');
    expect(html).toContain('<td>材料 · 07号工地</td>');
    expect(html).toContain('¥180,000.00 (18.0%)');
    expect(html).toContain(
      '原因: 材料 · 07号工地：超出预算 18.0%（+¥180,000.00，预算 ¥1,000,000.00）；主要来源：华润商品混凝土有限公司 ¥662,400.00、沙钢集团钢材销售有限公司 ¥517,600.00',
    );
    expect(html).not.toContain('over budget');
    expect(html).not.toContain('largest:');
  });

  it('titles every contract check in Chinese', () => {
    const html = page('zh-CN');
    expect(statement.checks.length).toBeGreaterThan(0);
    for (const check of statement.checks) expect(html).not.toContain(check.title);
    expect(html).toContain('每个工时均有费率表中的费率');
    expect(html).toContain('每位人员均有角色');
  });

  it('keeps the English page as it was: the engine’s cause and titles', () => {
    const html = page('en');
    expect(html).toContain('materials at 07号工地: 18.00 % over budget');
    expect(html).toContain('Every hour has a rate on the rate card');
    expect(html).toContain('(18.0 %)');
  });
});

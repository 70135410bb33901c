import { describe, expect, it } from 'vitest';
import { renderClauseSection } from '#approval/clause-section.ts';
import { renderApprovalPage } from '#approval/page.ts';
import { ApprovalSummary } from '#approval/summary.ts';

const pm = { email: 'pm@x.test', name: 'PM', role: 'Project manager' };

const summary = ApprovalSummary.parse({
  settlementId: 's1',
  project: { id: 'p1', name: 'Atlas' },
  period: { id: '2026-10' },
  currency: 'EUR',
  totals: { cost: { amount: '10.00', currency: 'EUR' }, billing: { amount: '20.00', currency: 'EUR' } },
  statement: { jsonKey: 'a', htmlKey: 'b' },
  approval: { amount: { amount: '20.00', currency: 'EUR' }, approvers: [pm] },
  clauses: [
    {
      id: '3.1',
      title: 'Checkout',
      text: 'Checkout',
      status: 'passed',
      blocking: true,
      evidence: ['ATL-21 (2026-10-28)'],
    },
    { id: '5.2', text: 'Steering committee <monthly>', status: 'warning', evidence: [] },
    { id: '4.1', text: 'Pentest', status: 'pending', blocking: true },
  ],
});

describe('the approval page clause section', () => {
  it('lists each clause with its confirmed evidence and status', () => {
    const html = renderApprovalPage({
      locale: 'en',
      request: {
        requestId: 'r'.repeat(22),
        settlementId: 's1',
        step: 0,
        steps: 1,
        approver: pm,
        expiresAt: '2026-11-10T00:00:00Z',
      } as Parameters<typeof renderApprovalPage>[0]['request'],
      grant: { email: pm.email, name: pm.name, kind: 'approver', issuedAt: 'x' },
      summary,
      pdfUrl: undefined,
      secret: 's'.repeat(43),
    });
    expect(html).toContain('<h2>Contract clauses</h2>');
    expect(html).toMatch(/3\.1 Checkout.*ATL-21 \(2026-10-28\).*class="n passed">Fulfilled \(blocking\)/);
    expect(html).toMatch(/5\.2.*no confirmed evidence.*class="n warning">Not fulfilled</);
    expect(html).toMatch(/4\.1.*class="n muted">Not yet due \(blocking\)/);
  });

  it('speaks Chinese on the zh-CN page and is empty without clauses', () => {
    const zh = renderClauseSection('zh-CN', summary.clauses);
    expect(zh).toContain('<h2>合同条款</h2>');
    expect(zh).toContain('已履行 (阻断性)');
    expect(zh).toContain('未到期');
    expect(renderClauseSection('en', [])).toBe('');
    expect(renderClauseSection('en', undefined)).toBe('');
  });
});

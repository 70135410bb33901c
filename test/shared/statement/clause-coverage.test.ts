import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { clauseCoverageCells, clauseCoverageHtml } from '#statement/clause-coverage.ts';
import { renderStatementHtml } from '#statement/html.ts';
import { renderStatementPdf } from '#statement/pdf.ts';
import { parseStatementView, type StatementView } from '#statement/view.ts';
import { loadChineseView, loadView } from './fixture.ts';

const clauses: StatementView['clauses'] = [
  {
    id: '3.1',
    title: 'Checkout',
    text: "The MVP shall include an online checkout integrated with the client's payment provider.",
    status: 'fulfilled',
    blocking: true,
    due: true,
    evidence: ['ATL-21 Checkout API (2026-10-28)'],
  },
  {
    id: '第五条',
    text: '乙方应每月召开指导委员会并提交会议纪要。',
    status: 'unconfirmed',
    blocking: false,
    due: true,
    evidence: [],
  },
  {
    id: '4.1',
    title: 'Penetration test',
    text: 'Before go-live the Supplier shall commission an independent penetration test.',
    status: 'unfulfilled',
    blocking: true,
    due: false,
    evidence: ['ATL-35 Pentest with Bastion Security Labs (To Do)'],
  },
];

const withClauses = (view: StatementView) => parseStatementView({ ...view, clauses });

describe('the clause coverage table of a statement', () => {
  it('shows each clause with its confirmed evidence and status in the English HTML statement', () => {
    const html = renderStatementHtml(withClauses(loadView()));
    expect(html).toContain('<h2>Contract clause coverage</h2>');
    expect(html).toMatch(
      /<tr data-clause="3.1">.*Checkout.*ATL-21 Checkout API \(2026-10-28\).*status-pass">Fulfilled · blocking</s,
    );
    expect(html).toMatch(/<tr data-clause="第五条">.*flag-warning">No confirmed evidence</s);
    expect(html).toMatch(/<tr data-clause="4.1">.*Not fulfilled \(not yet due\) · blocking/s);
    // After the contract checklist, before the milestones.
    expect(html.indexOf('Contract clause coverage')).toBeGreaterThan(html.indexOf('Contract checklist'));
  });

  it('is labelled in Chinese in the zh-CN statement', () => {
    const html = renderStatementHtml(withClauses(loadChineseView()));
    expect(html).toContain('<h2>合同条款履行对照</h2>');
    expect(html).toContain('已履行 · 阻断性');
    expect(html).toContain('无已确认证据');
    expect(html).toContain('未履行 (未到期) · 阻断性');
  });

  it('adds nothing to a statement without clauses', () => {
    const view = loadView();
    expect(clauseCoverageHtml(view)).toBe('');
    expect(renderStatementHtml(view)).not.toContain('clause');
  });

  it('escapes clause text', () => {
    const html = clauseCoverageHtml({
      locale: 'en',
      clauses: [
        {
          id: '<b>',
          text: '"x" & <script>',
          status: 'unconfirmed',
          blocking: false,
          due: true,
          evidence: [],
        },
      ],
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&quot;x&quot; &amp; &lt;script&gt;');
  });

  it('draws the same rows in the PDF statement', async () => {
    const view = withClauses(loadView());
    expect(clauseCoverageCells(view).rows[0]).toEqual([
      '3.1 Checkout',
      clauses[0]?.text,
      'ATL-21 Checkout API (2026-10-28)',
      'Fulfilled · blocking',
    ]);
    const pdf = await renderStatementPdf(view);
    const extracted = await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), {
      mergePages: true,
    });
    // Cells wrap: compare with line breaks as spaces.
    const text = extracted.text.replace(/\s+/g, ' ');
    expect(text).toContain('Contract clause coverage');
    expect(text).toContain('3.1 Checkout');
    expect(text).toContain('No confirmed evidence');
  });
});

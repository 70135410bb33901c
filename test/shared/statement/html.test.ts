import { describe, expect, it } from 'vitest';
import { renderStatementHtml } from '#statement/html.ts';
import { parseStatementView } from '#statement/view.ts';
import { loadChineseView, loadHuajianView, loadView } from './fixture.ts';

describe('renderStatementHtml', () => {
  it('makes no external request: no src, href or url() pointing anywhere', () => {
    const html = renderStatementHtml(loadView());
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/<script/i);
  });

  it('draws the labour-role chart only when the budget has labour roles', () => {
    expect(loadView().totals.labourByRole.length).toBeGreaterThan(0);
    expect(renderStatementHtml(loadView())).toContain('<figure id="chart-role">');
    // The construction demo budgets by category and site: no role to chart, no empty chart.
    expect(loadHuajianView().totals.labourByRole).toEqual([]);
    const html = renderStatementHtml(loadHuajianView());
    expect(html).not.toContain('chart-role');
    expect(html).toContain('<figure id="chart-category">');
  });

  it('escapes text from the data', () => {
    const html = renderStatementHtml(loadView());
    expect(html).toContain('OK &lt;to&gt; invoice &amp; archive');
    expect(html).not.toContain('OK <to>');
  });

  it('shows the totals formatted for the currency and locale', () => {
    const html = renderStatementHtml(loadView());
    expect(html).toContain('data-total="netDue">€109,427.87<');
    const zh = renderStatementHtml(loadChineseView());
    expect(zh).toContain('data-total="netDue">¥109,427.87<');
    expect(zh).toContain('应付净额');
    expect(zh).toContain('<html lang="zh-CN">');
  });

  it('marks a draft and names the statement a credit note corrects', () => {
    const view = loadView();
    const note = renderStatementHtml(
      parseStatementView({
        ...view,
        number: 'DRAFT',
        kind: 'credit-note',
        corrects: 'ST-2025-000042',
        revision: 1,
      }),
    );
    expect(note).toContain('<h1>Credit note<span class="draft">Draft</span></h1>');
    expect(note).toContain('<th>Corrects statement</th><td>ST-2025-000042</td>');
  });

  it('rejects a credit note that does not say which statement it corrects', () => {
    expect(() => parseStatementView({ ...loadView(), kind: 'credit-note' })).toThrow(/corrects/);
  });
});

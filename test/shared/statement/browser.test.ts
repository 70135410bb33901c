import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStatementHtml } from '#statement/html.ts';
import { launchChromium } from '../../support/browser.ts';
import { loadChineseView, loadView } from './fixture.ts';

// One browser for the whole file: launching is the slow part.
describe('the HTML statement in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
    page.on('request', (request) => {
      if (!request.url().startsWith('data:') && request.url() !== 'about:blank') requests.push(request.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the totals', async () => {
    await page.setContent(renderStatementHtml(loadView()), { waitUntil: 'load' });
    expect(await page.locator('[data-total="netDue"]').isVisible()).toBe(true);
    expect(await page.locator('[data-total="totalCost"]').textContent()).toBe('€110,428.13');
    expect(await page.locator('[data-total="billing"]').textContent()).toBe('€115,187.23');
    expect(await page.locator('[data-total="netDue"]').textContent()).toBe('€109,427.87');
    expect(await page.locator('main').textContent()).toContain('Net amount due');
  });

  it('draws both bar charts and the Gantt as SVG with visible bars', async () => {
    for (const id of ['chart-category', 'chart-role', 'chart-gantt']) {
      const svg = page.locator(`#${id} svg`);
      await expect(svg.count()).resolves.toBe(1);
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(500);
      // Bars are the data paths (ECharts tags them with the series index).
      const bars = await page.locator(`#${id} svg path[ecmeta_ssr_type="chart"]`).count();
      expect(bars).toBeGreaterThanOrEqual(id === 'chart-gantt' ? 7 : 8);
    }
    const categoryBars = await page.locator('#chart-category svg path[ecmeta_ssr_type="chart"]').count();
    expect(categoryBars).toBe(14); // 7 categories × (budget, actual)
  });

  it('makes no network request and prints to a multi-page A4 PDF', async () => {
    expect(requests).toEqual([]);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.screenshot({ path: '/tmp/statement.en.png', fullPage: true });
  });

  it('renders the Chinese statement with Chinese labels', async () => {
    await page.setContent(renderStatementHtml(loadChineseView()), { waitUntil: 'load' });
    expect(await page.locator('[data-total="netDue"]').textContent()).toBe('¥109,427.87');
    expect(await page.locator('main').textContent()).toContain('应付净额');
  });
});

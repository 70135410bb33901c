/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientViewOf } from '#statement/audience.ts';
import { statementFonts } from '#statement/fonts.ts';
import { renderStatementHtml } from '#statement/html.ts';
import type { StatementView } from '#statement/view.ts';
import { CHROMIUM_ARGS, chromiumPath } from '../../support/browser.ts';
import { loadChineseView, loadView } from './fixture.ts';

/** Screenshots to look at, kept out of git (test-artefacts/ is ignored). */
const SCREENS = new URL('../../../test-artefacts/screens/', import.meta.url);

const WIDTHS = [390, 1280] as const;
const MIN_TEXT_PX = 11;

const withForecast = (view: StatementView): StatementView => ({
  ...view,
  forecastWarning: {
    eac: '120030.58',
    budgetAtCompletion: '100000.00',
    percent: '20.03',
    thresholdPercent: 10,
  },
});

const VIEWS: [string, StatementView][] = [
  ['en', withForecast(loadView())],
  ['zh-CN', withForecast(loadChineseView())],
  ['en.client', clientViewOf(loadView())],
  ['zh-CN.client', clientViewOf(loadChineseView())],
];

/** What a person on this width would be hurt by: overflow of the page or the summary, text too small. */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate((minPx) => {
    const problems: string[] = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width)
      problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
    const summary = document.querySelector('.summary');
    if (!summary) problems.push('no summary');
    else {
      if (summary.scrollWidth > summary.clientWidth) problems.push('summary overflows its box');
      for (const tile of summary.querySelectorAll('div')) {
        const box = tile.getBoundingClientRect();
        if (box.right > width || box.left < 0)
          problems.push(`summary tile "${tile.textContent}" is off-screen (${box.left}–${box.right})`);
        const amount = tile.querySelector('strong');
        if (amount && amount.scrollWidth > amount.clientWidth + 1)
          problems.push(`summary amount "${amount.textContent}" is cut`);
      }
    }
    // Every element that holds text directly, HTML and SVG (SVG text at its drawn scale).
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set<Element>();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!element || seen.has(element) || !node.textContent?.trim()) continue;
      seen.add(element);
      let size = Number.parseFloat(getComputedStyle(element).fontSize);
      const svg = element.closest('svg');
      if (svg) {
        const drawn = svg.getBoundingClientRect().width;
        const own = Number(svg.getAttribute('width')) || drawn;
        size = size * (drawn / own);
      }
      if (size < minPx - 0.01)
        problems.push(`text "${node.textContent.trim().slice(0, 30)}" at ${size.toFixed(1)} px`);
    }
    return problems;
  }, MIN_TEXT_PX);
}

describe('the HTML statement on a phone and on a desktop', { timeout: 120_000 }, () => {
  let browser: Browser;

  beforeAll(async () => {
    // The reader's browser has fonts of its own; this one is given the fonts shipped with the
    // project (through fontconfig) so that a machine without CJK fonts shows Chinese, not boxes.
    const fonts = statementFonts();
    const config = join(mkdtempSync(join(tmpdir(), 'fonts-')), 'fonts.conf');
    writeFileSync(
      config,
      `<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>${[
        ...new Set(Object.values(fonts).map((f) => dirname(f))),
      ]
        .map((d) => `<dir>${d}</dir>`)
        .join(
          '',
        )}<include ignore_missing="yes">/etc/fonts/fonts.conf</include><cachedir>${dirname(config)}</cachedir></fontconfig>`,
    );
    browser = await chromium.launch({
      executablePath: await chromiumPath(),
      args: CHROMIUM_ARGS,
      env: { ...process.env, FONTCONFIG_FILE: config },
    });
    mkdirSync(SCREENS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const [name, view] of VIEWS)
    for (const width of WIDTHS)
      it(`shows the ${name} statement at ${width} px without sideways overflow or text under ${MIN_TEXT_PX} px`, async () => {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        try {
          await page.setContent(renderStatementHtml(view), { waitUntil: 'load' });
          await page.screenshot({
            path: new URL(`statement.${name}.${width}.png`, SCREENS).pathname,
            fullPage: true,
          });
          expect(await layoutProblems(page)).toEqual([]);
          expect(await page.locator('[data-total="netDue"]').isVisible()).toBe(true);
        } finally {
          await page.close();
        }
      });
});

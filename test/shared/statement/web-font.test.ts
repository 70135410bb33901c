import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStatementHtml, STATEMENT_FONT_FAMILY } from '#statement/html.ts';
import {
  cjkCodePoints,
  cjkFontFace,
  EMBEDDED_CJK_FAMILY,
  embedCjkFont,
  unicodeRange,
  withEmbeddedFamily,
} from '#statement/web-font.ts';
import { launchChromium } from '../../support/browser.ts';
import { glyphPixels } from '../../support/glyphs.ts';
import { loadChineseView, loadView } from './fixture.ts';

describe('the CJK code points of a document', () => {
  it('lists each CJK character once, ascending, and nothing else', () => {
    expect(cjkCodePoints('合同 total 合同，¥1 应付')).toEqual(
      [0x5408, 0x540c, 0x5e94, 0x4ed8, 0xff0c].sort((a, b) => a - b),
    );
    expect(cjkCodePoints('Net amount due €1,234.56')).toEqual([]);
  });

  it('joins neighbouring code points into ranges', () => {
    expect(unicodeRange([0x4e00, 0x4e01, 0x4e02, 0x5408, 0xff0c, 0xff0d])).toBe(
      'U+4E00-4E02,U+5408,U+FF0C-FF0D',
    );
  });

  it('places the embedded family just before the generic sans-serif', () => {
    expect(withEmbeddedFamily('system-ui, "PingFang SC", sans-serif')).toBe(
      `system-ui, "PingFang SC","${EMBEDDED_CJK_FAMILY}",sans-serif`,
    );
    expect(() => withEmbeddedFamily('serif')).toThrow(RangeError);
  });
});

describe('the embedded subset', () => {
  it('is a WOFF2 font limited to exactly the CJK code points of the text', async () => {
    const css = (await cjkFontFace('合同结算 Total 应付净额')) ?? '';
    const base64 = /base64,([^)]+)\)/.exec(css)?.[1] ?? '';
    const bytes = Buffer.from(base64, 'base64');
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('wOF2');
    const wanted = cjkCodePoints('合同结算应付净额');
    expect(css).toContain(`unicode-range:${unicodeRange(wanted)}`);
    // A subset of a few characters stays small (the full face is 17 MB).
    expect(bytes.length).toBeLessThan(12_000);
  });

  it('leaves a document without CJK text unchanged', async () => {
    const html = renderStatementHtml(loadView());
    expect(await embedCjkFont(html, STATEMENT_FONT_FAMILY)).toBe(html);
    expect(html).not.toContain('@font-face');
  });
});

// One browser for the file: launching is the slow part. Chromium from @sparticuz/chromium has no CJK font.
describe('the Chinese HTML statement in headless Chromium without CJK fonts', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 390, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads the embedded face and draws Chinese with it instead of boxes', async () => {
    const html = await embedCjkFont(renderStatementHtml(loadChineseView()), STATEMENT_FONT_FAMILY);
    await page.setContent(html, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);
    const faces = await page.evaluate(() =>
      [...document.fonts].map((f) => ({ family: f.family, status: f.status })),
    );
    expect(faces).toContainEqual({ family: EMBEDDED_CJK_FAMILY, status: 'loaded' });
    expect(
      await page.evaluate(
        (family) => document.fonts.check(`16px "${family}"`, '应付净额'),
        EMBEDDED_CJK_FAMILY,
      ),
    ).toBe(true);
    expect(await page.locator('main').textContent()).toContain('应付净额');

    const stack = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    expect(stack).toContain(`"${EMBEDDED_CJK_FAMILY}", sans-serif`);
    const withoutEmbedded = stack.replace(`"${EMBEDDED_CJK_FAMILY}", `, '');
    // Without the embedded face this machine has no glyph for either character: both are the same box.
    expect(await glyphPixels(page, `40px ${withoutEmbedded}`, '应')).toBe(
      await glyphPixels(page, `40px ${withoutEmbedded}`, '付'),
    );
    // With it, the page's own stack draws two different characters, exactly as the embedded face does.
    const drawn = await glyphPixels(page, `40px ${stack}`, '应');
    expect(drawn).not.toBe(await glyphPixels(page, `40px ${stack}`, '付'));
    expect(drawn).toBe(await glyphPixels(page, `40px "${EMBEDDED_CJK_FAMILY}"`, '应'));
    expect(drawn).not.toBe(await glyphPixels(page, `40px ${withoutEmbedded}`, '应'));
    // A character the statement does not use is not in the subset: still a box.
    expect(html).not.toContain('鑫');
    expect(await glyphPixels(page, `40px ${stack}`, '鑫')).toBe(
      await glyphPixels(page, `40px ${withoutEmbedded}`, '鑫'),
    );
  }, 60_000);

  it('embeds no font in the English statement', async () => {
    await page.setContent(renderStatementHtml(loadView()), { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);
    expect(await page.evaluate(() => document.fonts.size)).toBe(0);
  });
});

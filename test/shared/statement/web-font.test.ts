import * as fontkit from 'fontkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStatementHtml, STATEMENT_FONT_FAMILY } from '#statement/html.ts';
import {
  cjkCodePoints,
  cjkFontFace,
  EMBEDDED_CJK_FAMILY,
  embedCjkFont,
  subsetCodePoints,
  unicodeRange,
  withEmbeddedFamily,
} from '#statement/web-font.ts';
import { launchChromium } from '../../support/browser.ts';
import { glyphPixels } from '../../support/glyphs.ts';
import { loadChineseView, loadHuajianView, loadView } from './fixture.ts';

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

  it('lists every character beyond ASCII for the subset: CJK, ¥, dashes, middle dots', () => {
    expect(subsetCodePoints('材料 · 07号 ¥1,234.56 – x')).toEqual(
      [0x00a5, 0x00b7, 0x2013, 0x53f7, 0x6599, 0x6750].sort((a, b) => a - b),
    );
    expect(subsetCodePoints('Net amount due 1,234.56')).toEqual([]);
  });

  it('puts the embedded family in front of the stack', () => {
    expect(withEmbeddedFamily('"DejaVu Sans", Helvetica, sans-serif')).toBe(
      `"${EMBEDDED_CJK_FAMILY}", "DejaVu Sans", Helvetica, sans-serif`,
    );
  });
});

describe('the embedded subset', () => {
  it('is a regular and a bold WOFF face limited to exactly the non-ASCII code points of the text', async () => {
    const css = (await cjkFontFace('合同结算 Total 应付净额 ¥1,234.56')) ?? '';
    const faces = [...css.matchAll(/base64,([^)]+)\)[^}]*font-weight:(\d+)/g)];
    expect(faces.map((face) => face[2])).toEqual(['400', '700']);
    const wanted = unicodeRange(
      cjkCodePoints('合同结算应付净额')
        .concat(0xa5)
        .sort((a, b) => a - b),
    );
    expect(css.match(/unicode-range:[^}]+/g)).toEqual([`unicode-range:${wanted}`, `unicode-range:${wanted}`]);
    for (const [, base64] of faces) {
      const bytes = Buffer.from(base64 ?? '', 'base64');
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('wOFF');
      // A subset of a few characters stays small (the full face is 17 MB).
      expect(bytes.length).toBeLessThan(12_000);
    }
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
    expect(stack.startsWith(`"${EMBEDDED_CJK_FAMILY}", `)).toBe(true);
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

/** The embedded faces of a document: weight and the parsed font. */
function embeddedFaces(html: string): { weight: string; font: fontkit.Font }[] {
  return [...html.matchAll(/@font-face\{([^}]*)\}/g)].map(([, rule = '']) => {
    expect(rule).toContain(`font-family:"${EMBEDDED_CJK_FAMILY}"`);
    const base64 = /base64,([^)]+)\)/.exec(rule)?.[1] ?? '';
    const font = fontkit.create(Buffer.from(base64, 'base64'));
    if (!('hasGlyphForCodePoint' in font)) throw new Error('the embedded face is a collection');
    return { weight: /font-weight:(\d+)/.exec(rule)?.[1] ?? 'none', font };
  });
}

/** An element whose own text (its child text nodes) has characters beyond ASCII, as the page lays it out. */
interface LaidOutText {
  readonly tag: string;
  /** Its own text. */
  readonly text: string;
  /** All its text, descendants' included: what the platform fonts were counted over. */
  readonly allText: string;
  readonly fontFamily: string;
  readonly fontWeight: number;
  /** The platform fonts Chromium drew its text with (CSS.getPlatformFontsForNode). */
  readonly fonts: readonly {
    familyName: string;
    postScriptName: string;
    isCustomFont: boolean;
    glyphCount: number;
  }[];
}

const beyondAscii = (text: string) => [...text].filter((char) => (char.codePointAt(0) ?? 0) > 0x9f);

// Browsers keep per-node font choices internal; the DevTools protocol reports what each node was drawn with.
async function laidOutTexts(page: Page): Promise<LaidOutText[]> {
  const marker = 'data-font-probe';
  const count = await page.evaluate((marker) => {
    let n = 0;
    for (const element of document.body.querySelectorAll('*')) {
      const own = [...element.childNodes]
        .filter((node) => node.nodeType === Node.TEXT_NODE)
        .map((node) => node.textContent ?? '')
        .join('');
      if ([...own].some((char) => (char.codePointAt(0) ?? 0) > 0x9f))
        element.setAttribute(marker, String(n++));
    }
    return n;
  }, marker);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const texts: LaidOutText[] = [];
  for (let i = 0; i < count; i++) {
    const selector = `[${marker}="${i}"]`;
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    const own = await page.evaluate((selector) => {
      const element = document.querySelector(selector);
      if (!element) throw new Error(`${selector} is gone`);
      const style = getComputedStyle(element);
      return {
        tag: element.tagName.toLowerCase(),
        text: [...element.childNodes]
          .filter((node) => node.nodeType === Node.TEXT_NODE)
          .map((node) => node.textContent ?? '')
          .join(''),
        allText: element.textContent ?? '',
        fontFamily: style.fontFamily,
        fontWeight: Number(style.fontWeight),
      };
    }, selector);
    texts.push({ ...own, fonts });
  }
  await cdp.detach();
  return texts;
}

// The zh-CN demo statement as the pipeline renders it (body, headings, summary labels, tables and the
// ECharts SVG text), on this machine, which has no CJK font (`fc-list :lang=zh` lists none): the
// embedded faces are the only glyphs for its Chinese.
describe('the zh-CN demo statement in headless Chromium without CJK fonts', () => {
  let browser: Browser;
  let html: string;

  beforeAll(async () => {
    html = await embedCjkFont(renderStatementHtml(loadHuajianView()), STATEMENT_FONT_FAMILY);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('embeds a regular and a bold face holding every non-ASCII character of its text and its chart labels', async () => {
    const faces = embeddedFaces(html);
    expect(faces.map((face) => face.weight)).toEqual(['400', '700']);
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    const { text, chartText } = await page.evaluate(() => ({
      text: document.body.textContent ?? '',
      chartText: [...document.querySelectorAll('svg text')].map((node) => node.textContent ?? '').join('\n'),
    }));
    await page.close();
    const used = new Set([...beyondAscii(text), ...beyondAscii(chartText)]);
    // The statement's own words, its zh-CN amounts and dates, and the charts' title, legend and axis labels.
    for (const char of ['项', '汇', '预', '¥', '年', '·', '（']) expect(used).toContain(char);
    for (const char of ['按', '别', '比', '预', '算', '实', '际'])
      expect(beyondAscii(chartText)).toContain(char);
    for (const { weight, font } of faces) {
      const missing = [...used].filter((char) => !font.hasGlyphForCodePoint(char.codePointAt(0) ?? 0));
      expect({ weight, missing }).toEqual({ weight, missing: [] });
    }
  }, 60_000);

  for (const width of [390, 1280])
    it(`stacks no table cell a character or two per line at ${width} px`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        await page.setContent(html, { waitUntil: 'load' });
        await page.evaluate(() => document.fonts.ready);
        const cells = await page.evaluate(() =>
          [...document.querySelectorAll('td, th')].map((cell) => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
            return { text: (cell.textContent ?? '').trim(), lines };
          }),
        );
        // The variance table's labels (类别 + 工作包, 设备 · 01号工地) are among what was checked.
        expect(cells.map((cell) => cell.text)).toContain('类别 + 工作包');
        // A cell whose lines hold two characters or fewer on average is stacked, not wrapped.
        const stacked = cells.filter(
          (cell) => [...cell.text].length >= 4 && cell.lines > [...cell.text].length / 2,
        );
        expect(stacked).toEqual([]);
      } finally {
        await page.close();
      }
    }, 60_000);

  for (const width of [390, 1280])
    it(`draws every non-ASCII character at ${width} px with the embedded faces, bold text with the bold face`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        await page.setContent(html, { waitUntil: 'load' });
        await page.evaluate(() => document.fonts.ready);
        const texts = await laidOutTexts(page);
        // Headings, summary labels and chart text are among what was checked.
        const tags = new Set(texts.map((text) => text.tag));
        for (const tag of ['h1', 'h2', 'span', 'th', 'td', 'text']) expect(tags).toContain(tag);
        expect(texts.find((text) => text.tag === 'h1')?.text).toBe('项目结算单');

        const wrong = texts.flatMap((text) => {
          const embedded = text.fonts.filter(
            (font) => font.isCustomFont && font.familyName === 'Noto Sans SC',
          );
          const drawn = embedded.reduce((sum, font) => sum + font.glyphCount, 0);
          const wanted = beyondAscii(text.allText).length;
          // Where the element's text is all its own, its weight says which face: bold text in the bold one.
          const face = text.fontWeight >= 600 ? 'NotoSansSC-Bold' : 'NotoSansSC-Regular';
          const weightRight =
            text.text !== text.allText || embedded.every((font) => font.postScriptName === face);
          return text.fontFamily.startsWith(`"${EMBEDDED_CJK_FAMILY}"`) && drawn === wanted && weightRight
            ? []
            : [
                {
                  tag: text.tag,
                  text: text.allText,
                  face,
                  drawn,
                  wanted,
                  fontFamily: text.fontFamily,
                  fonts: text.fonts,
                },
              ];
        });
        expect(wrong).toEqual([]);
      } finally {
        await page.close();
      }
    }, 60_000);
});

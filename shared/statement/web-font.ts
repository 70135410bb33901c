import { sfntToWoff, subsetSfnt } from '#statement/font-subset.ts';
import { statementFontBytes } from '#statement/fonts.ts';

/**
 * Chinese text in an HTML document (statement, approval page) must not depend on the reader's
 * fonts: a phone or a headless browser without a CJK font shows boxes. A document with CJK text
 * therefore carries subsets of Noto Sans SC (the faces the PDF embeds), regular and bold, holding
 * every non-ASCII character it uses (CJK, full-width punctuation, ¥, –, ·), as WOFF `data:` URIs
 * limited by `unicode-range`. ASCII stays with the document's own stack; documents without CJK
 * text are left as they are.
 *
 * The embedded family comes FIRST in the body's stack. Behind installed families (DejaVu Sans,
 * Helvetica, …) Chromium shapes the text laid out while the face is still loading with the
 * system fallback, and keeps that result for each font size and weight it met then: the first
 * heading, the first label of each size stayed boxes after the face had loaded. First in the
 * stack, the loading face holds the text back (`font-display: block`) until it can draw it, and
 * `unicode-range` confines it to the characters it has. Elements that set their own family (the
 * charts' SVG text) inherit the body's stack for the same reason (see charts.ts).
 */

/** The family name of the embedded faces (distinct from "Noto Sans SC" so an installed copy is neither used nor shadowed). */
export const EMBEDDED_CJK_FAMILY = 'Statement Noto Sans SC';

// The same ranges as needsCjkFont (shared/statement/fonts.ts), matched per code point.
const CJK_CHAR =
  /[\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]/gu;

/** The CJK code points of `text`, ascending, each once. */
export function cjkCodePoints(text: string): number[] {
  const points = new Set<number>();
  for (const [char] of text.matchAll(CJK_CHAR)) points.add(char.codePointAt(0) ?? 0);
  return [...points].sort((a, b) => a - b);
}

/**
 * The code points a document's embedded subset holds: every character of `text` outside ASCII
 * (C1 controls aside), ascending, each once. Amounts and dates formatted in zh-CN bring ¥ and
 * 年月日; chart labels, headings and names are all part of the document's text.
 */
export function subsetCodePoints(text: string): number[] {
  const points = new Set<number>();
  for (const char of text) {
    const point = char.codePointAt(0) ?? 0;
    if (point > 0x9f) points.add(point);
  }
  return [...points].sort((a, b) => a - b);
}

/** A CSS `unicode-range` value for ascending code points, runs of neighbours joined (`U+4E00-4E02`). */
export function unicodeRange(points: readonly number[]): string {
  const parts: string[] = [];
  const hex = (n: number) => n.toString(16).toUpperCase();
  let i = 0;
  while (i < points.length) {
    const start = points[i] ?? 0;
    let end = start;
    while (points[i + 1] === end + 1) end = points[++i] ?? end;
    parts.push(start === end ? `U+${hex(start)}` : `U+${hex(start)}-${hex(end)}`);
    i++;
  }
  return parts.join(',');
}

// The two 10 MB source fonts are read and parsed once per process (shared with the PDF renderer; a
// warm Lambda reuses them); a subset then takes HarfBuzz 2–5 ms and its WOFF packaging as long
// (font-subset.ts). The demo's Chinese statement embeds 184 characters: 49 KB as TrueType, 34 KB as
// WOFF (27 KB as WOFF2, whose Brotli took 0.3–0.7 s of CPU per face).
async function subsetOf(face: 'cjk' | 'cjkBold', points: readonly number[]): Promise<Buffer> {
  return sfntToWoff(await subsetSfnt(statementFontBytes(face), points));
}

/**
 * The `@font-face` rules (weight 400 and 700) of the Noto Sans SC subsets holding every non-ASCII
 * character of `text`, or undefined when `text` has no CJK character. Bold text (headings, totals,
 * table heads at 600) gets the bold face, not a synthesized or fallback one.
 */
export async function cjkFontFace(text: string): Promise<string | undefined> {
  if (cjkCodePoints(text).length === 0) return undefined;
  const points = subsetCodePoints(text);
  const [regular, bold] = await Promise.all([subsetOf('cjk', points), subsetOf('cjkBold', points)]);
  const rule = (woff: Buffer, weight: number) =>
    `@font-face{font-family:"${EMBEDDED_CJK_FAMILY}";src:url(data:font/woff;base64,${woff.toString('base64')}) format("woff");font-weight:${weight};font-display:block;unicode-range:${unicodeRange(points)}}`;
  return `${rule(regular, 400)}\n${rule(bold, 700)}`;
}

/** The font-family list with the embedded family in front (see the module comment for why first). */
export function withEmbeddedFamily(fontFamily: string): string {
  return `"${EMBEDDED_CJK_FAMILY}", ${fontFamily}`;
}

/**
 * The CSS to add to a document whose text is `text` and whose body font stack is `fontFamily`:
 * the `@font-face` rules of the subsets and the body's font-family led by their family, or '' without CJK text.
 */
export async function cjkFontCss(text: string, fontFamily: string): Promise<string> {
  const face = await cjkFontFace(text);
  return face ? `${face}\nbody{font-family:${withEmbeddedFamily(fontFamily)}}` : '';
}

/**
 * An HTML document with the CJK faces embedded in a `<style>` before `</head>` (unchanged without
 * CJK text). `fontFamily` is the document's body font stack.
 */
export async function embedCjkFont(html: string, fontFamily: string): Promise<string> {
  const css = await cjkFontCss(html, fontFamily);
  if (!css) return html;
  const at = html.indexOf('</head>');
  if (at < 0) throw new RangeError('the document has no </head> to embed the CJK font before');
  return `${html.slice(0, at)}<style>${css}</style>\n${html.slice(at)}`;
}

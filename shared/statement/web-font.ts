import { readFile } from 'node:fs/promises';
import subsetFont from 'subset-font';
import { statementFonts } from '#statement/fonts.ts';

/**
 * Chinese text in an HTML document (statement, approval page) must not depend on the reader's
 * fonts: a phone or a headless browser without a CJK font shows boxes. A document with CJK text
 * therefore carries a subset of Noto Sans SC (the face the PDF embeds) holding exactly the code
 * points it uses, as a WOFF2 `data:` URI limited by `unicode-range`. Its family sits just before
 * the generic `sans-serif`, so a CJK font installed on the reader's machine still wins and the
 * embedded face is only the per-character fallback. Documents without CJK text are left as they are.
 */

/** The family name of the embedded face (distinct from "Noto Sans SC" so an installed copy is not shadowed). */
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

// The 17 MB source font is read once per process (a warm Lambda reuses it); subset-font keeps
// its harfbuzz wasm instance for the life of the process too.
let cjkSource: Promise<Buffer> | undefined;

/**
 * The `@font-face` rule of a Noto Sans SC subset holding exactly the CJK code points of `text`,
 * or undefined when `text` has none.
 */
export async function cjkFontFace(text: string): Promise<string | undefined> {
  const points = cjkCodePoints(text);
  if (points.length === 0) return undefined;
  cjkSource ??= readFile(statementFonts().cjk);
  const woff2 = await subsetFont(await cjkSource, String.fromCodePoint(...points), { targetFormat: 'woff2' });
  return `@font-face{font-family:"${EMBEDDED_CJK_FAMILY}";src:url(data:font/woff2;base64,${woff2.toString('base64')}) format("woff2");font-display:block;unicode-range:${unicodeRange(points)}}`;
}

/**
 * The font-family list with the embedded family placed before its final generic `sans-serif`.
 * @throws RangeError when the list does not end in `sans-serif` (the rule would not apply).
 */
export function withEmbeddedFamily(fontFamily: string): string {
  const generic = /,\s*sans-serif\s*$/;
  if (!generic.test(fontFamily))
    throw new RangeError(`font-family list "${fontFamily}" does not end in sans-serif`);
  return fontFamily.replace(generic, `,"${EMBEDDED_CJK_FAMILY}",sans-serif`);
}

/**
 * The CSS to add to a document whose text is `text` and whose body font stack is `fontFamily`:
 * the `@font-face` of the subset and the body's font-family with its family, or '' without CJK text.
 */
export async function cjkFontCss(text: string, fontFamily: string): Promise<string> {
  const face = await cjkFontFace(text);
  return face ? `${face}\nbody{font-family:${withEmbeddedFamily(fontFamily)}}` : '';
}

/**
 * An HTML document with the CJK face embedded in a `<style>` before `</head>` (unchanged without
 * CJK text). `fontFamily` is the document's body font stack.
 */
export async function embedCjkFont(html: string, fontFamily: string): Promise<string> {
  const css = await cjkFontCss(html, fontFamily);
  if (!css) return html;
  const at = html.indexOf('</head>');
  if (at < 0) throw new RangeError('the document has no </head> to embed the CJK font before');
  return `${html.slice(0, at)}<style>${css}</style>\n${html.slice(at)}`;
}

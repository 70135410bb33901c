import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The fonts every statement PDF embeds. They come with the project's dependencies (Noto Sans for
 * Latin text, Noto Sans SC for Chinese), never from the machine, so a PDF has the same bytes
 * wherever it is rendered; pdfkit embeds only the glyphs a document uses.
 *
 * In a Lambda bundle the files sit in `fonts/` beside `index.mjs` (the bundling step copies
 * `STATEMENT_FONT_FILES` there); from the source tree they are read from node_modules.
 */

export type FontFace = 'latin' | 'latinBold' | 'cjk' | 'cjkBold';

/** Each face: its npm package and the file inside it. */
export const STATEMENT_FONT_FILES: Readonly<Record<FontFace, { package: string; file: string }>> = {
  latin: { package: '@expo-google-fonts/noto-sans', file: '400Regular/NotoSans_400Regular.ttf' },
  latinBold: { package: '@expo-google-fonts/noto-sans', file: '700Bold/NotoSans_700Bold.ttf' },
  cjk: { package: '@expo-google-fonts/noto-sans-sc', file: '400Regular/NotoSansSC_400Regular.ttf' },
  cjkBold: { package: '@expo-google-fonts/noto-sans-sc', file: '700Bold/NotoSansSC_700Bold.ttf' },
};

/** The folder a bundle keeps the font files in, beside its entry module. */
export const BUNDLED_FONT_FOLDER = 'fonts';

export class StatementFontError extends Error {
  override name = 'StatementFontError';
}

const require = createRequire(import.meta.url);
let resolved: Record<FontFace, string> | undefined;

function locate(face: FontFace): string {
  const { package: name, file } = STATEMENT_FONT_FILES[face];
  const base = file.split('/').pop() ?? file;
  const bundled = join(dirname(fileURLToPath(import.meta.url)), BUNDLED_FONT_FOLDER, base);
  if (existsSync(bundled)) return bundled;
  let packageRoot: string;
  try {
    packageRoot = dirname(require.resolve(`${name}/package.json`));
  } catch (cause) {
    throw new StatementFontError(`the statement font package ${name} is not installed (run npm ci)`, {
      cause,
    });
  }
  const path = join(packageRoot, file);
  if (!existsSync(path)) throw new StatementFontError(`the statement font file ${path} is missing`);
  return path;
}

/** Absolute paths of the four statement font files (resolved once per process). */
export function statementFonts(): Readonly<Record<FontFace, string>> {
  resolved ??= {
    latin: locate('latin'),
    latinBold: locate('latinBold'),
    cjk: locate('cjk'),
    cjkBold: locate('cjkBold'),
  };
  return resolved;
}

const bytes: Partial<Record<FontFace, Buffer>> = {};

/**
 * The bytes of a statement font file, read once per process: every PDF and every HTML subset of a
 * run (draft, final, each audience and language) and a warm Lambda share them.
 */
export function statementFontBytes(face: FontFace): Buffer {
  bytes[face] ??= readFileSync(statementFonts()[face]);
  return bytes[face];
}

// CJK ideographs, kana, hangul, CJK punctuation and full-width forms — and arrows and dingbats
// (→, ✓), which the Latin face lacks: text with any of these is set in the CJK face (which covers
// Latin too).
const CJK_TEXT =
  /[\u2190-\u21ff\u2700-\u27bf\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]/;

/** True when a string needs the CJK face. */
export function needsCjkFont(text: string): boolean {
  return CJK_TEXT.test(text);
}

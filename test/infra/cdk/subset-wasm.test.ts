import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  copyStatementFonts,
  copySubsetWasm,
  settlementEsbuildOptions,
} from '../../../infra/cdk/settlement-function.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** An ESM bundle built like a function's (SETTLEMENT_BUNDLING) in a folder outside the project. */
async function bundle(options: { entry: string } | { code: string }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'subset-bundle-'));
  await build({
    ...('entry' in options
      ? { entryPoints: [options.entry] }
      : { stdin: { contents: options.code, resolveDir: ROOT, loader: 'ts' } }),
    outfile: join(dir, 'index.mjs'),
    ...settlementEsbuildOptions(),
    logLevel: 'silent',
  });
  return dir;
}

const WASM = join('node_modules', 'harfbuzzjs', 'dist', 'harfbuzz-subset.wasm');

describe('the harfbuzz wasm in a Lambda bundle', () => {
  it('subsets Noto Sans SC inside a bundle that has only its own folder', async () => {
    const dir = await bundle({
      code: `import { cjkFontFace } from '#statement/web-font.ts';
        const css = await cjkFontFace('合同结算 total');
        const b64 = /base64,([^)]+)\\)/.exec(css ?? '')?.[1] ?? '';
        console.log(JSON.stringify({ magic: Buffer.from(b64, 'base64').subarray(0, 4).toString('latin1'), css: css?.slice(-60) }));`,
    });
    const run = () =>
      execFileSync(process.execPath, [join(dir, 'index.mjs')], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    execSync(copyStatementFonts(ROOT, dir));
    // Without the copied wasm the bundle cannot subset: the copy is what makes it work.
    expect(run).toThrow(/harfbuzz-subset\.wasm/);
    execSync(copySubsetWasm(ROOT, dir));
    expect(existsSync(join(dir, WASM))).toBe(true);
    const out = JSON.parse(run()) as { magic: string; css: string };
    expect(out.magic).toBe('wOFF');
    expect(out.css).toContain('unicode-range:U+5408,U+540C,U+7B97,U+7ED3');
  }, 120_000);

  it('is copied into the bundles that render statements and left out of the others', async () => {
    for (const [file, wanted] of [
      ['draft-statement.ts', true],
      ['finalise-settlement.ts', true],
      ['approval-api.ts', true],
      ['collect-source.ts', false],
    ] as const) {
      const dir = await bundle({ entry: join(ROOT, 'functions', file) });
      execSync(copySubsetWasm(ROOT, dir));
      expect({ file, copied: existsSync(join(dir, WASM)) }).toEqual({ file, copied: wanted });
      if (wanted) expect(readFileSync(join(dir, WASM)).subarray(0, 4).toString('latin1')).toBe('\0asm');
    }
  }, 180_000);
});

import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyStatementFonts } from '../../../infra/cdk/settlement-function.ts';

const projectRoot = new URL('../../../', import.meta.url).pathname;

function bundleDir(code: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  writeFileSync(join(dir, 'index.mjs'), code);
  return dir;
}

describe('copyStatementFonts', () => {
  it('copies the four statement fonts into a bundle that renders PDFs', () => {
    const dir = bundleDir('const f="400Regular/NotoSansSC_400Regular.ttf";');
    execSync(copyStatementFonts(projectRoot, dir));
    expect(readdirSync(join(dir, 'fonts')).sort()).toEqual([
      'NotoSansSC_400Regular.ttf',
      'NotoSansSC_700Bold.ttf',
      'NotoSans_400Regular.ttf',
      'NotoSans_700Bold.ttf',
    ]);
  });

  it('copies nothing into a bundle that does not render PDFs', () => {
    const dir = bundleDir('export const handler = () => 1;');
    execSync(copyStatementFonts(projectRoot, dir));
    expect(existsSync(join(dir, 'fonts'))).toBe(false);
  });
});

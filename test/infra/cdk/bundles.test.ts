import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { settlementEsbuildOptions } from '../../../infra/cdk/settlement-function.ts';
import { Tally } from '../../reliability/support/summary.ts';

/**
 * No Lambda bundle ships a local emulator: every functions/*.ts is bundled with the options of
 * the project's function construct (SETTLEMENT_BUNDLING), and esbuild's metafile lists every
 * input that went into it.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const EMULATORS = ['dynalite', 's3rver', 'aws-local-stepfunctions'] as const;

/** The emulator packages among the inputs of the bundle of `entry`. */
function emulatorsIn(entry: string): Promise<string[]> {
  return packagesIn(entry, EMULATORS);
}

/** Which of `packages` are among the inputs of the bundle of `entry`. */
async function packagesIn(entry: string, packages: readonly string[]): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    outdir: join(ROOT, '.local', 'bundle-check'),
    write: false,
    ...settlementEsbuildOptions(),
    metafile: true,
    logLevel: 'silent',
  });
  const found = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    for (const name of packages) if (input.includes(`node_modules/${name}/`)) found.add(name);
  }
  return [...found].sort();
}

const tally = new Tally('bundles');
afterAll(() => tally.flush());

const FUNCTIONS = readdirSync(join(ROOT, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .sort();

describe('dependencies', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  it('keeps the emulators out of the runtime dependencies', () => {
    const runtime = EMULATORS.filter((name) => name in manifest.dependencies);
    tally.check('supply-chain', runtime.length === 0, `runtime dependencies: ${runtime.join(', ')}`);
    expect(runtime).toEqual([]);
    expect(Object.keys(manifest.devDependencies)).toEqual(expect.arrayContaining([...EMULATORS]));
  });
});

describe('function bundles', () => {
  it('finds every function entry to check', () => {
    expect(FUNCTIONS.length).toBeGreaterThan(10);
  });

  it('notices an emulator when a module does pull one in', async () => {
    const found = await emulatorsIn(join(ROOT, 'infra', 'local', 'emulators.ts'));
    tally.check('supply-chain', found.includes('dynalite'), `the check sees dynalite: ${found}`);
    expect(found).toEqual(expect.arrayContaining(['dynalite', 's3rver']));
  }, 60_000);

  it.each(FUNCTIONS)(
    'bundles %s without any local emulator',
    async (file) => {
      const found = await emulatorsIn(join(ROOT, 'functions', file));
      tally.check('supply-chain', found.length === 0, `${file} bundles ${found.join(', ')}`);
      expect(found).toEqual([]);
    },
    60_000,
  );
});

describe('renderers', () => {
  // The statement's XLSX has its own small writer: no function bundles exceljs (or its ZIP and
  // stream libraries); it stays a development dependency, for tests that compare with it.
  it('notices exceljs where a module does pull it in', async () => {
    const support = join(ROOT, 'test', 'shared', 'connectors', 'xlsx-support.ts');
    expect(await packagesIn(support, ['exceljs'])).toEqual(['exceljs']);
  }, 60_000);

  it('keeps exceljs out of the runtime dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).not.toContain('exceljs');
  });

  it.each(FUNCTIONS)(
    'bundles %s without exceljs',
    async (file) => {
      expect(await packagesIn(join(ROOT, 'functions', file), ['exceljs', 'jszip'])).toEqual([]);
    },
    60_000,
  );
});

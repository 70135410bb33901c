import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { SETTLEMENT_BUNDLING } from '../infra/cdk/settlement-function.ts';
import { median, ROOT, runNode } from './lib.ts';

/**
 * B4 Lambda bundles: every functions/*.ts bundled with the options of the project's function
 * construct (SETTLEMENT_BUNDLING in infra/cdk/settlement-function.ts: minified ESM for node24,
 * `@aws-sdk/*` external), and its cold init: a fresh `node --enable-source-maps` (as
 * NODE_OPTIONS sets in Lambda) that imports the bundle, minus the same for an empty module, in
 * the same run. The bundles are written under .local/bench/b4 so that the external SDK resolves
 * from the project's node_modules, as it does from the runtime's copy in Lambda.
 */

export interface BundleFigure {
  readonly name: string;
  readonly bytes: number;
  readonly initMs: number;
  readonly samplesMs: number[];
  /** The largest inputs by bytes in the bundle (what makes it heavy). */
  readonly heaviest: Array<{ module: string; bytes: number }>;
}

export interface B4Result {
  readonly baselineMs: number;
  readonly runs: number;
  readonly functions: BundleFigure[];
}

const PROBE = `
const started = performance.now();
await import(process.argv[1]);
process.stdout.write(String(performance.now() - started));
process.exit(0);
`;

async function importMs(file: string): Promise<number> {
  const result = await runNode(['--enable-source-maps', '--input-type=module', '-e', PROBE, file], {
    env: {
      AWS_REGION: 'eu-central-1',
      TENANT_ID: 'bench',
      TABLE_NAME: 'settlement-bench',
      BUCKET_NAME: 'settlement-bench-working',
      ARCHIVE_BUCKET_NAME: 'settlement-bench-archive',
      POWERTOOLS_SERVICE_NAME: 'bench',
      LOG_LEVEL: 'WARN',
    },
  });
  if (result.code !== 0) throw new Error(`importing ${file} failed: ${result.stderr.slice(0, 800)}`);
  return Number(result.stdout);
}

/** A package name from an esbuild input path (node_modules/…/pkg or the project's own folder). */
function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input.split('/').slice(0, 2).join('/');
  const rest = input.slice(at + 'node_modules/'.length).split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? input);
}

export async function runB4(runs: number, log: (line: string) => void, only?: string[]): Promise<B4Result> {
  const outRoot = join(ROOT, '.local', 'bench', 'b4');
  await rm(outRoot, { recursive: true, force: true });
  await mkdir(outRoot, { recursive: true });
  const empty = join(outRoot, 'empty.mjs');
  await writeFile(empty, 'export const handler = async () => null;\n');
  const entries = (await readdir(join(ROOT, 'functions')))
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => !only || only.includes(basename(f, '.ts')))
    .sort();
  const built: Array<{ name: string; file: string; bytes: number; heaviest: BundleFigure['heaviest'] }> = [];
  for (const entry of entries) {
    const name = basename(entry, '.ts');
    const outfile = join(outRoot, name, 'index.mjs');
    const result = await build({
      entryPoints: [join(ROOT, 'functions', entry)],
      outfile,
      bundle: true,
      metafile: true,
      logLevel: 'error',
      platform: SETTLEMENT_BUNDLING.platform,
      format: 'esm',
      target: SETTLEMENT_BUNDLING.target,
      mainFields: [...SETTLEMENT_BUNDLING.mainFields],
      minify: SETTLEMENT_BUNDLING.minify,
      sourcemap: SETTLEMENT_BUNDLING.sourceMap,
      sourcesContent: SETTLEMENT_BUNDLING.sourcesContent,
      external: [...SETTLEMENT_BUNDLING.externalModules],
      banner: { js: SETTLEMENT_BUNDLING.banner },
      alias: { zod: SETTLEMENT_BUNDLING.esbuildArgs['--alias:zod'] },
    });
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
    const byPackage = new Map<string, number>();
    for (const [input, info] of Object.entries(output?.inputs ?? {})) {
      const pkg = packageOf(input);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + info.bytesInOutput);
    }
    const heaviest = [...byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([module, bytes]) => ({ module, bytes }));
    built.push({ name, file: outfile, bytes: (await stat(outfile)).size, heaviest });
  }
  log(`  B4: built ${built.length} bundles`);

  const baseline: number[] = [];
  const samples = new Map<string, number[]>(built.map((b) => [b.name, []]));
  // Interleaved rounds, so a slow moment of the machine spreads over all functions.
  for (let round = 0; round < runs; round += 1) {
    baseline.push(await importMs(empty));
    for (const b of built) samples.get(b.name)?.push(await importMs(b.file));
  }
  const baselineMs = median(baseline);
  return {
    baselineMs,
    runs,
    functions: built.map((b) => {
      const s = samples.get(b.name) ?? [];
      return {
        name: b.name,
        bytes: b.bytes,
        initMs: Math.max(0, median(s) - baselineMs),
        samplesMs: s,
        heaviest: b.heaviest,
      };
    }),
  };
}

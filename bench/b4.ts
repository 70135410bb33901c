import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { settlementEsbuildOptions } from '../infra/cdk/settlement-function.ts';
import { median, ROOT, runNode } from './lib.ts';

/**
 * B4 Lambda bundles: every functions/*.ts bundled with the options of the project's function
 * construct (SETTLEMENT_BUNDLING in infra/cdk/settlement-function.ts: minified ESM for node24,
 * `@aws-sdk/*` external), and its cold init: a fresh `node --enable-source-maps` (as
 * NODE_OPTIONS sets in Lambda) that imports the bundle, minus the same for an empty module, in
 * the same run; wall time and the process's CPU time (user + system) of the import.
 *
 * The init is split in two by a second probe: a fresh node that imports only the `@aws-sdk/*`
 * packages the bundle imports (esbuild's metafile lists them), which is what loading the runtime's
 * SDK costs that function; the rest is the bundle's own code. Nothing is loaded lazily, so there is
 * no first-call cost to add: what a cold start pays before the handler runs is the init figure.
 * The bundles are written under .local/bench/b4 so that the external SDK resolves from the
 * project's node_modules, as it does from the runtime's copy in Lambda.
 */

/** The functions that render documents (PDF, charts, XLSX): the size and init targets leave them out. */
export const RENDERING_FUNCTIONS: ReadonlySet<string> = new Set(['draft-statement', 'finalise-settlement']);

/** The targets of every other function. */
export const B4_TARGETS = { maxBytes: 300 * 1024, maxInitMs: 80 } as const;

export interface ImportCost {
  /** Median wall time, minus the empty module's. */
  readonly ms: number;
  /** Median CPU time (user + system) of the import, minus the empty module's. */
  readonly cpuMs: number;
}

export interface BundleFigure {
  readonly name: string;
  readonly bytes: number;
  /** Cold init: importing the bundle in a fresh process. */
  readonly init: ImportCost;
  /** Of which loading the external `@aws-sdk/*` packages the bundle imports. */
  readonly sdk: ImportCost;
  readonly sdkPackages: string[];
  readonly samplesMs: number[];
  readonly renders: boolean;
  readonly withinSize: boolean;
  readonly withinInit: boolean;
  /** The largest inputs by bytes in the bundle (what makes it heavy). */
  readonly heaviest: Array<{ module: string; bytes: number }>;
}

export interface B4Result {
  readonly baseline: ImportCost;
  readonly runs: number;
  /** 1-minute load average before and after the measurements (the machine is shared). */
  readonly loadAverage: readonly [number, number];
  readonly functions: BundleFigure[];
}

const PROBE = `
const started = performance.now();
const cpu = process.cpuUsage();
for (const target of process.argv.slice(1)) await import(target);
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 }));
process.exit(0);
`;

async function importCost(targets: readonly string[]): Promise<ImportCost> {
  const result = await runNode(['--enable-source-maps', '--input-type=module', '-e', PROBE, ...targets], {
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
  if (result.code !== 0) throw new Error(`importing ${targets} failed: ${result.stderr.slice(0, 800)}`);
  return JSON.parse(result.stdout) as ImportCost;
}

/** A package name from an esbuild input path (node_modules/…/pkg or the project's own folder). */
function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input.split('/').slice(0, 2).join('/');
  const rest = input.slice(at + 'node_modules/'.length).split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? input);
}

const minus = (samples: readonly ImportCost[], base: ImportCost): ImportCost => ({
  ms: Math.max(0, median(samples.map((s) => s.ms)) - base.ms),
  cpuMs: Math.max(0, median(samples.map((s) => s.cpuMs)) - base.cpuMs),
});

export async function runB4(runs: number, log: (line: string) => void, only?: string[]): Promise<B4Result> {
  const loadBefore = loadavg()[0] ?? 0;
  const outRoot = join(ROOT, '.local', 'bench', 'b4');
  await rm(outRoot, { recursive: true, force: true });
  await mkdir(outRoot, { recursive: true });
  const empty = join(outRoot, 'empty.mjs');
  await writeFile(empty, 'export const handler = async () => null;\n');
  // The SDK probe imports by file URL from here, so that packages resolve from the project's node_modules.
  const sdkProbe = (name: string) => join(outRoot, name, 'sdk.mjs');
  const entries = (await readdir(join(ROOT, 'functions')))
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => !only || only.includes(basename(f, '.ts')))
    .sort();
  const built: Array<{
    name: string;
    file: string;
    bytes: number;
    sdkPackages: string[];
    heaviest: BundleFigure['heaviest'];
  }> = [];
  for (const entry of entries) {
    const name = basename(entry, '.ts');
    const outfile = join(outRoot, name, 'index.mjs');
    const result = await build({
      entryPoints: [join(ROOT, 'functions', entry)],
      outfile,
      ...settlementEsbuildOptions(),
      metafile: true,
      logLevel: 'error',
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
    const sdkPackages = [
      ...new Set(
        (output?.imports ?? [])
          .filter((i) => i.external && i.path.startsWith('@aws-sdk/'))
          .map((i) => i.path),
      ),
    ].sort();
    await writeFile(sdkProbe(name), sdkPackages.map((p) => `import '${p}';\n`).join(''));
    built.push({ name, file: outfile, bytes: (await stat(outfile)).size, sdkPackages, heaviest });
  }
  log(`  B4: built ${built.length} bundles`);

  const baseline: ImportCost[] = [];
  const samples = new Map<string, { init: ImportCost[]; sdk: ImportCost[] }>(
    built.map((b) => [b.name, { init: [], sdk: [] }]),
  );
  // Interleaved rounds, so a slow moment of the machine spreads over all functions.
  for (let round = 0; round < runs; round += 1) {
    baseline.push(await importCost([empty]));
    for (const b of built) {
      samples.get(b.name)?.init.push(await importCost([b.file]));
      samples.get(b.name)?.sdk.push(await importCost([sdkProbe(b.name)]));
    }
    log(`  B4: round ${round + 1} of ${runs}`);
  }
  const base = { ms: median(baseline.map((b) => b.ms)), cpuMs: median(baseline.map((b) => b.cpuMs)) };
  return {
    baseline: base,
    runs,
    loadAverage: [loadBefore, loadavg()[0] ?? 0],
    functions: built.map((b) => {
      const s = samples.get(b.name) ?? { init: [], sdk: [] };
      const init = minus(s.init, base);
      const renders = RENDERING_FUNCTIONS.has(b.name);
      return {
        name: b.name,
        bytes: b.bytes,
        init,
        sdk: minus(s.sdk, base),
        sdkPackages: b.sdkPackages,
        samplesMs: s.init.map((x) => x.ms),
        renders,
        withinSize: b.bytes < B4_TARGETS.maxBytes,
        withinInit: init.ms < B4_TARGETS.maxInitMs,
        heaviest: b.heaviest,
      };
    }),
  };
}

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type B2Result, runB2 } from './b2.ts';
import { B4_TARGETS, type B4Result, runB4 } from './b4.ts';
import { clauseBenchRows, runClauseBench } from './clauses.ts';
import { costTable, inventoryOf, type NightlyCounts, type SettlementCounts } from './cost-model.ts';
import { BENCH_DIR, fmt, machine, median, runJsonChild, runNode, table } from './lib.ts';

/**
 * `npm run bench [-- b1 b2 b3 b4 b5 cost clauses] [--sizes 100000,1000000] [--runs N] [--projects N]`:
 * runs the benchmarks (all by default; B2 at 100 k unless --sizes or --with-1m), prints tables
 * and writes bench/results/latest.json. Every figure is a median over --runs fresh processes.
 */

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sizes: { type: 'string' },
    runs: { type: 'string', default: '3' },
    projects: { type: 'string', default: '1000' },
    'with-1m': { type: 'boolean', default: false },
  },
});
const wanted = new Set(positionals.map((p) => p.toLowerCase()));
const all = wanted.size === 0;
const want = (name: string) => all || wanted.has(name);
const runs = Math.max(1, Number(values.runs));
const sizes = (values.sizes ?? (values['with-1m'] ? '100000,1000000' : '100000')).split(',').map(Number);
const log = (line: string) => process.stderr.write(`${line}\n`);
const out = (line = '') => process.stdout.write(`${line}\n`);

const results: Record<string, unknown> = { machine: machine(), date: new Date().toISOString(), runs };
const m = results.machine as ReturnType<typeof machine>;
out(
  `Machine: ${m.cores} cores, ${m.cpuModel}, Node ${m.node}, ${m.memoryMb} MB RAM; medians over ${runs} runs\n`,
);

interface DemoRun {
  totalMs: number;
  executionMs: number;
  toArchivedMs: number;
  runtimeReadyMs: number;
  stateMs: Record<string, number>;
  counts: SettlementCounts & { executions: number; requests: { batchWriteItems: number } };
  maxRssMb?: number;
}

const demo: DemoRun[] = [];
if (want('b1') || want('b3') || want('cost')) {
  for (let i = 0; i < runs; i += 1) {
    log(`  B1: demo settlement run ${i + 1}/${runs}`);
    demo.push(await runJsonChild<DemoRun>('demo-run.ts'));
  }
}
/** The demo as users run it (`npm start -- --yes`): the whole command, wall time to its summary. */
const commandMs: number[] = [];
const commandCpuMs: number[] = [];
const commandLoad: number[] = [];
if (want('b1')) {
  for (let i = 0; i < runs; i += 1) {
    log(`  B1: settle demo --yes, run ${i + 1}/${runs}`);
    const dataDir = await mkdtemp(join(tmpdir(), 'bench-command-'));
    const result = await runNode([
      'infra/cli/main.mjs',
      'demo',
      '--yes',
      '--port',
      '0',
      '--data-dir',
      dataDir,
    ]);
    await rm(dataDir, { recursive: true, force: true });
    if (result.code !== 0)
      throw new Error(`settle demo exited ${result.code}:\n${result.stdout.slice(-2000)}`);
    commandMs.push(result.wallMs);
    if (result.cpuMs !== undefined) commandCpuMs.push(result.cpuMs);
    // On a shared machine the wall time says little without the load it ran under.
    commandLoad.push(loadavg()[0] ?? Number.NaN);
  }
}
if (demo.length && want('b1')) {
  const states = Object.keys(demo[0]?.stateMs ?? {});
  const b1 = {
    commandMs: median(commandMs),
    commandCpuMs: median(commandCpuMs),
    commandLoad: median(commandLoad),
    totalMs: median(demo.map((d) => d.totalMs)),
    executionMs: median(demo.map((d) => d.executionMs)),
    toArchivedMs: median(demo.map((d) => d.toArchivedMs)),
    runtimeReadyMs: median(demo.map((d) => d.runtimeReadyMs)),
    peakRssMb: median(demo.map((d) => d.maxRssMb ?? Number.NaN)),
    stateMs: Object.fromEntries(states.map((s) => [s, median(demo.map((d) => d.stateMs[s] ?? 0))])),
  };
  results.b1 = b1;
  out('B1 end to end: demo settlement (acme, 2026-10), local runtime, approvals through the HTTP endpoint');
  out(
    table(
      ['figure', 'median'],
      [
        ['npm start -- --yes: process start → summary (target < 5 s)', fmt.ms(b1.commandMs)],
        ['  its CPU time (user + system)', fmt.ms(b1.commandCpuMs)],
        ['  machine load average (1 min) at the end', b1.commandLoad.toFixed(1)],
        ['bench child: modules loaded → settled', fmt.ms(b1.totalMs)],
        ['  runtime ready (emulators, server)', fmt.ms(b1.runtimeReadyMs)],
        ['  execution start → archived', fmt.ms(b1.toArchivedMs)],
        ['  execution start → end', fmt.ms(b1.executionMs)],
        ['  peak RSS', fmt.mb(b1.peakRssMb)],
        ...Object.entries(b1.stateMs).map(([s, ms]) => [`  state ${s}`, fmt.ms(ms)]),
      ],
    ),
  );
  out();
}
if (demo.length && (want('b3') || want('cost'))) {
  const counts = demo[demo.length - 1]?.counts as DemoRun['counts'];
  results.b3 = { counts };
  out('B3 per-settlement counts (one demo settlement; Collect is a Map over 5 sources)');
  const r = counts.requests;
  out(
    table(
      ['count', 'value'],
      [
        ['state transitions', counts.stateTransitions],
        ['executions', counts.executions],
        ...Object.entries(counts.lambdaInvocations).map(([fn, n]) => [
          `Lambda ${fn}`,
          `${n} × ${fmt.ms((counts.lambdaMillis[fn] ?? 0) / n)}`,
        ]),
        ...Object.entries(r.dynamodb).map(([op, n]) => [`DynamoDB ${op}`, n]),
        ['DynamoDB Scan', r.dynamodb.Scan ?? 0],
        [
          'DynamoDB items per BatchWriteItem',
          (r.batchWriteItems / (r.dynamodb.BatchWriteItem || 1)).toFixed(1),
        ],
        ['DynamoDB read / write units', `${r.readUnits} / ${r.writeUnits}`],
        ...Object.entries(r.s3).map(([op, n]) => [`S3 ${op}`, n]),
        ['emails (SES messages)', counts.emails],
        ['email recipients (what SES bills)', counts.emailRecipients ?? '–'],
      ],
    ),
  );
  out();
}

if (want('b2')) {
  const b2: B2Result[] = [];
  for (const size of sizes) b2.push(await runB2(size, runs, log));
  results.b2 = b2;
  out('B2 engine throughput: `settle compute` vs DuckDB over the same NDJSON (fresh process each, median)');
  out(
    table(
      [
        'time entries',
        'CPUs',
        'file',
        'engine',
        'engine RSS',
        'DuckDB',
        'DuckDB RSS',
        'ratio',
        'totals equal',
      ],
      b2.flatMap((r) => [
        [
          r.entries.toLocaleString('en'),
          String(m.cores),
          fmt.mb(r.fileMb),
          fmt.ms(r.engine.wallMs),
          fmt.mb(r.engine.maxRssMb),
          fmt.ms(r.duckdb.wallMs),
          fmt.mb(r.duckdb.maxRssMb),
          `${r.ratio.toFixed(2)}×`,
          r.totals.equal
            ? `yes (${r.totals.labourLines}+${r.totals.costLines} lines)`
            : `NO: ${r.totals.mismatches[0]}`,
        ],
        ...(r.oneCpu
          ? [
              [
                r.entries.toLocaleString('en'),
                '1 (taskset)',
                fmt.mb(r.fileMb),
                fmt.ms(r.oneCpu.engineMs),
                fmt.mb(r.oneCpu.engineRssMb),
                fmt.ms(r.oneCpu.duckdbMs),
                fmt.mb(r.oneCpu.duckdbRssMb),
                `${r.oneCpu.ratio.toFixed(2)}×`,
                'same statement bytes',
              ],
            ]
          : []),
      ]),
    ),
  );
  for (const r of b2)
    out(
      `CPU time (user + system) at ${r.entries.toLocaleString('en')}: engine ${fmt.ms(r.engine.cpuMs)}, DuckDB ${fmt.ms(r.duckdb.cpuMs)} (${(r.engine.cpuMs / r.duckdb.cpuMs).toFixed(2)}×)`,
    );
  out(
    'Compared per statement line (labour: role × person × rate window; costs: category × vendor), each rounded',
  );
  out(
    'half-even to cents as ROUNDING_RULE says, and per role / category. Targets at 1 M: ≤ 1.5× DuckDB, < 256 MB.',
  );
  out();
}

if (want('b4')) {
  const b4: B4Result = await runB4(Math.max(runs, 5), log);
  results.b4 = b4;
  const kb = B4_TARGETS.maxBytes / 1024;
  out(`B4 Lambda bundles (esbuild as the CDK construct, @aws-sdk/* external); init = import in a fresh node`);
  out(
    `   --enable-source-maps minus an empty module (${fmt.ms(b4.baseline.ms)}), median of ${b4.runs}; wall and CPU (user + sys);`,
  );
  out(
    `   "of which SDK" = importing only the @aws-sdk/* packages the bundle imports; nothing is lazy, so there is no first-call cost to add.`,
  );
  out(
    `   Targets except for the renderers: < ${kb} KB, < ${B4_TARGETS.maxInitMs} ms init. Load average ${b4.loadAverage[0].toFixed(1)} → ${b4.loadAverage[1].toFixed(1)}.`,
  );
  const met = (f: (typeof b4.functions)[number], ok: boolean) =>
    f.renders ? 'renders' : ok ? 'met' : 'missed';
  out(
    table(
      [
        'function',
        'minified',
        'size',
        'init',
        'init CPU',
        'of which SDK (CPU)',
        'own code (CPU)',
        'init',
        'heaviest inputs',
      ],
      b4.functions.map((f) => [
        f.name,
        fmt.kb(f.bytes),
        met(f, f.withinSize),
        fmt.ms(f.init.ms),
        fmt.ms(f.init.cpuMs),
        `${fmt.ms(f.sdk.ms)} (${fmt.ms(f.sdk.cpuMs)})`,
        `${fmt.ms(Math.max(0, f.init.ms - f.sdk.ms))} (${fmt.ms(Math.max(0, f.init.cpuMs - f.sdk.cpuMs))})`,
        met(f, f.withinInit),
        f.heaviest.map((h) => `${h.module} ${fmt.kb(h.bytes)}`).join(', '),
      ]),
    ),
  );
  const judged = b4.functions.filter((f) => !f.renders);
  out(
    `   ${judged.filter((f) => f.withinSize).length} of ${judged.length} non-rendering bundles < ${kb} KB; ${judged.filter((f) => f.withinInit).length} of ${judged.length} < ${B4_TARGETS.maxInitMs} ms init.`,
  );
  out();
}

let nightly: (NightlyCounts & Record<string, unknown>) | undefined;
if (want('b5') || want('cost')) {
  const projects = Number(values.projects);
  log(`  B5: nightly over ${projects} due projects`);
  nightly = await runJsonChild<NightlyCounts & Record<string, unknown>>('nightly-run.ts', [String(projects)]);
  results.b5 = nightly;
  if (want('b5')) {
    out(`B5 nightly fan-out: ${projects} due projects in one tenant, local runtime (one run)`);
    out(
      table(
        ['figure', 'value'],
        [
          ['nightly wall time (start → all started)', fmt.ms(nightly.wallMs as number)],
          ['settlement executions started', nightly.settlementsStarted as number],
          [
            'second night: started / wall time',
            `${nightly.secondNightStarted} / ${fmt.ms(nightly.secondNightMs as number)}`,
          ],
          ['peak RSS (process)', fmt.mb(nightly.maxRssMb as number | undefined)],
          [
            'nightly state transitions (top level / in items)',
            `${nightly.perNight.standardTransitions} / ${nightly.nightlyItemTransitions}`,
          ],
        ],
      ),
    );
    out();
  }
}

if (want('clauses')) {
  const clauses = runClauseBench();
  results.clauses = clauses;
  out(
    `Clause matching: ${clauses.all.pairs} labelled clause–evidence pairs (${clauses.templates} public templates), no-match threshold ${clauses.threshold.default} (calibration half: ${clauses.threshold.calibrated})`,
  );
  out(table(['figure', 'all', 'held-out', 'en', 'zh'], clauseBenchRows(clauses)));
  out();
}

if (want('cost') || want('b3')) {
  const counts = (results.b3 as { counts: SettlementCounts } | undefined)?.counts;
  if (counts && nightly) {
    // The fixed costs of the stack as it is built: acme's synthesized template (cached by source hash).
    const { localTenant, synthesizedTemplate } = await import('../infra/local/iam/policies.ts');
    const stack = inventoryOf(await synthesizedTemplate(localTenant('acme', 'eu-central-1')));
    results.stack = stack;
    const cost = costTable(counts, nightly, stack);
    results.cost = cost.rows;
    out('Cost model: USD per 1,000 settlements (monthly settlement per project)');
    out(cost.text);
    out();
  }
}

await mkdir(join(BENCH_DIR, 'results'), { recursive: true });
await writeFile(join(BENCH_DIR, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
out(`Written bench/results/latest.json`);

import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Statement } from '#domain/statement.ts';
import { PERIOD, writeCharter, writeRecords } from './b2-data.ts';
import { BENCH_DIR, CAN_PIN_CPUS, median, ROOT, runNode } from './lib.ts';

/**
 * B2 engine throughput: `settle compute` over synthetic NDJSON against DuckDB over the same file,
 * each in a fresh process, and a line-by-line check that both give the same amounts.
 */

export const COST_RECORDS = 10_000;

interface DuckResult {
  loadMs: number;
  queryMs: number;
  totalMs: number;
  labour: Array<{ role: string; person: string; effective_from: string; seconds: string; cents: string }>;
  costs: Array<{ category: string; vendor: string; records: string; cents: string }>;
}

export interface B2Result {
  readonly entries: number;
  readonly costRecords: number;
  readonly fileMb: number;
  readonly runs: number;
  readonly engine: {
    readonly wallMs: number;
    readonly cpuMs: number;
    readonly maxRssMb: number | undefined;
    readonly samplesMs: number[];
  };
  readonly duckdb: {
    readonly wallMs: number;
    readonly cpuMs: number;
    readonly queryMs: number;
    readonly maxRssMb: number | undefined;
    readonly samplesMs: number[];
  };
  readonly ratio: number;
  /** Both pinned to one CPU (taskset -c 0), as the compute function with one vCPU runs. */
  readonly oneCpu?: {
    readonly engineMs: number;
    readonly engineRssMb: number | undefined;
    readonly duckdbMs: number;
    readonly duckdbRssMb: number | undefined;
    readonly ratio: number;
  };
  readonly totals: {
    readonly equal: boolean;
    readonly granularity: string;
    readonly labourLines: number;
    readonly costLines: number;
    readonly mismatches: string[];
    readonly labourByRole: Record<string, string>;
    readonly costsByCategory: Record<string, string>;
  };
}

const cents = (amount: string) => {
  const negative = amount.startsWith('-');
  const [whole = '0', frac = ''] = amount.replace('-', '').split('.');
  const value = BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0').slice(0, 2));
  return negative ? -value : value;
};
const asAmount = (minor: bigint) => {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  return `${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};

/** Compares the engine's statement lines with DuckDB's, line by line and per role/category. */

/**
 * `settle compute` printed the statement: 0, or 3 when a blocking check fails (the synthetic
 * records carry no acceptance for the demo charter's Discovery milestone, which is not what B2 measures).
 */
const printed = (code: number | null) => code === 0 || code === 3;
export function compareTotals(statement: Statement, duck: DuckResult): B2Result['totals'] {
  const mismatches: string[] = [];
  const engineLabour = new Map<string, bigint>();
  const engineCosts = new Map<string, bigint>();
  const byRole = new Map<string, bigint>();
  const byCategory = new Map<string, bigint>();
  for (const line of statement.lines) {
    const minor = cents(line.amount.amount);
    if (line.category === 'labour') {
      engineLabour.set(`${line.role}|${line.person}|${line.rateEffectiveFrom}`, minor);
      byRole.set(line.role ?? '', (byRole.get(line.role ?? '') ?? 0n) + minor);
    } else {
      engineCosts.set(`${line.category}|${line.vendor}`, minor);
    }
    byCategory.set(line.category, (byCategory.get(line.category) ?? 0n) + minor);
  }
  const duckByRole = new Map<string, bigint>();
  const duckByCategory = new Map<string, bigint>();
  const check = (kind: string, engine: Map<string, bigint>, rows: Array<[string, bigint]>) => {
    const seen = new Set<string>();
    for (const [key, value] of rows) {
      seen.add(key);
      const mine = engine.get(key);
      if (mine !== value) mismatches.push(`${kind} ${key}: engine ${mine ?? 'none'} vs duckdb ${value}`);
    }
    for (const key of engine.keys())
      if (!seen.has(key)) mismatches.push(`${kind} ${key}: only in the engine`);
  };
  check(
    'labour',
    engineLabour,
    duck.labour.map((r) => {
      const value = BigInt(r.cents);
      duckByRole.set(r.role, (duckByRole.get(r.role) ?? 0n) + value);
      duckByCategory.set('labour', (duckByCategory.get('labour') ?? 0n) + value);
      return [`${r.role}|${r.person}|${r.effective_from}`, value];
    }),
  );
  check(
    'cost',
    engineCosts,
    duck.costs.map((r) => {
      const value = BigInt(r.cents);
      duckByCategory.set(r.category, (duckByCategory.get(r.category) ?? 0n) + value);
      return [`${r.category}|${r.vendor}`, value];
    }),
  );
  for (const [role, v] of byRole) if (duckByRole.get(role) !== v) mismatches.push(`role ${role} total`);
  for (const [cat, v] of byCategory)
    if (duckByCategory.get(cat) !== v) mismatches.push(`category ${cat} total`);
  for (const [cat, money] of Object.entries(statement.totals.byCategory)) {
    if (cents(money.amount) !== (byCategory.get(cat) ?? 0n)) mismatches.push(`statement byCategory ${cat}`);
  }
  return {
    equal: mismatches.length === 0,
    granularity:
      'statement line (labour: role × person × rate window; costs: category × vendor), each rounded half-even to cents, then per role/category sums',
    labourLines: duck.labour.length,
    costLines: duck.costs.length,
    mismatches: mismatches.slice(0, 10),
    labourByRole: Object.fromEntries([...duckByRole].map(([k, v]) => [k, asAmount(v)])),
    costsByCategory: Object.fromEntries([...duckByCategory].map(([k, v]) => [k, asAmount(v)])),
  };
}

export async function runB2(entries: number, runs: number, log: (line: string) => void): Promise<B2Result> {
  const dir = join(ROOT, '.local', 'bench', 'b2');
  await mkdir(dir, { recursive: true });
  const charter = join(dir, 'charter.json');
  const records = join(dir, `records-${entries}.ndjson`);
  await writeCharter(charter);
  if (!existsSync(records)) {
    log(
      `  B2: generating ${entries.toLocaleString('en')} time entries + ${COST_RECORDS.toLocaleString('en')} cost records …`,
    );
    await writeRecords(records, entries, COST_RECORDS);
  }
  const fileMb = (await stat(records)).size / 2 ** 20;
  const statementPath = join(dir, `statement-${entries}.json`);
  const engine: Array<{ wallMs: number; cpuMs: number; maxRssMb: number | undefined }> = [];
  const duck: Array<{ wallMs: number; cpuMs: number; maxRssMb: number | undefined; queryMs: number }> = [];
  let duckResult: DuckResult | undefined;
  const engineArgs = [
    join(ROOT, 'infra', 'cli', 'settle.ts'),
    'compute',
    '--charter',
    charter,
    '--records',
    records,
    '--period',
    PERIOD,
  ];
  const single: Array<{ engine: number; engineRss?: number; duck: number; duckRss?: number }> = [];
  for (let i = 0; i < runs; i += 1) {
    const e = await runNode(engineArgs, { stdoutFile: statementPath });
    if (!printed(e.code)) throw new Error(`settle compute exited ${e.code}: ${e.stderr}`);
    engine.push({ wallMs: e.wallMs, cpuMs: e.cpuMs ?? Number.NaN, maxRssMb: e.maxRssMb });
    const d = await runNode([join(BENCH_DIR, 'b2-duckdb.ts'), records, charter]);
    if (d.code !== 0) throw new Error(`duckdb exited ${d.code}: ${d.stderr}`);
    duckResult = JSON.parse(d.stdout) as DuckResult;
    duck.push({
      wallMs: d.wallMs,
      cpuMs: d.cpuMs ?? Number.NaN,
      maxRssMb: d.maxRssMb,
      queryMs: duckResult.totalMs,
    });
    log(
      `  B2 ${entries}: run ${i + 1}/${runs} engine ${Math.round(e.wallMs)} ms (${Math.round(e.maxRssMb ?? 0)} MB), duckdb ${Math.round(d.wallMs)} ms (${Math.round(d.maxRssMb ?? 0)} MB)`,
    );
    if (CAN_PIN_CPUS) {
      const e1 = await runNode(engineArgs, { stdoutFile: `${statementPath}.1cpu`, cpus: '0' });
      if (!printed(e1.code)) throw new Error(`settle compute (1 CPU) exited ${e1.code}: ${e1.stderr}`);
      const d1 = await runNode([join(BENCH_DIR, 'b2-duckdb.ts'), records, charter], { cpus: '0' });
      if (d1.code !== 0) throw new Error(`duckdb (1 CPU) exited ${d1.code}: ${d1.stderr}`);
      single.push({
        engine: e1.wallMs,
        ...(e1.maxRssMb === undefined ? {} : { engineRss: e1.maxRssMb }),
        duck: d1.wallMs,
        ...(d1.maxRssMb === undefined ? {} : { duckRss: d1.maxRssMb }),
      });
      log(
        `  B2 ${entries}: run ${i + 1}/${runs} at 1 CPU: engine ${Math.round(e1.wallMs)} ms, duckdb ${Math.round(d1.wallMs)} ms`,
      );
      if ((await readFile(`${statementPath}.1cpu`, 'utf8')) !== (await readFile(statementPath, 'utf8')))
        throw new Error('the statement on 1 CPU differs from the statement on all cores');
    }
  }
  const statement = JSON.parse(await readFile(statementPath, 'utf8')) as Statement;
  const engineMs = median(engine.map((r) => r.wallMs));
  const duckMs = median(duck.map((r) => r.wallMs));
  return {
    entries,
    costRecords: COST_RECORDS,
    fileMb,
    runs,
    engine: {
      wallMs: engineMs,
      cpuMs: median(engine.map((r) => r.cpuMs)),
      maxRssMb: median(engine.map((r) => r.maxRssMb ?? Number.NaN)),
      samplesMs: engine.map((r) => r.wallMs),
    },
    duckdb: {
      wallMs: duckMs,
      cpuMs: median(duck.map((r) => r.cpuMs)),
      queryMs: median(duck.map((r) => r.queryMs)),
      maxRssMb: median(duck.map((r) => r.maxRssMb ?? Number.NaN)),
      samplesMs: duck.map((r) => r.wallMs),
    },
    ratio: engineMs / duckMs,
    ...(single.length
      ? {
          oneCpu: {
            engineMs: median(single.map((r) => r.engine)),
            engineRssMb: median(single.map((r) => r.engineRss ?? Number.NaN)),
            duckdbMs: median(single.map((r) => r.duck)),
            duckdbRssMb: median(single.map((r) => r.duckRss ?? Number.NaN)),
            ratio: median(single.map((r) => r.engine)) / median(single.map((r) => r.duck)),
          },
        }
      : {}),
    totals: compareTotals(statement, duckResult as DuckResult),
  };
}

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openFacts } from '#analytics/duckdb.ts';
import { listNamedQueries } from '#analytics/queries.ts';
import { FACT_TABLES, PARTITION_KEYS } from '#analytics/tables.ts';
import { type SyntheticTotals, writeSyntheticFacts } from './analytics-data.ts';
import { BENCH_DIR, machine, median } from './lib.ts';

/**
 * `node bench/analytics.ts [--projects 10000] [--months 24] [--runs 3] [--threads 2] [--keep DIR]`:
 * writes synthetic settled facts (one Parquet file per table and month), then times every named
 * query on DuckDB with `--threads` threads and estimates what Athena would bill for it.
 *
 * Athena bills the bytes it reads from S3: for Parquet, the compressed column chunks of the columns
 * a query references, in the partitions it touches, rounded up to 10 MB per query, at $5 per TB.
 * The estimate sums the chunk sizes (parquet_metadata) of the columns each query names — an
 * upper bound, since Athena also skips row groups by their statistics.
 */

const { values } = parseArgs({
  options: {
    projects: { type: 'string', default: '10000' },
    months: { type: 'string', default: '24' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    'time-records': { type: 'string', default: '20' },
    keep: { type: 'string' },
  },
});
const projects = Number(values.projects);
const months = Number(values.months);
const runs = Math.max(1, Number(values.runs));
const threads = Number(values.threads);
const out = (line = '') => process.stdout.write(`${line}\n`);
const log = (line: string) => process.stderr.write(`${line}\n`);

const ATHENA_USD_PER_TB = 5;
const ATHENA_MINIMUM_BYTES = 10 * 1e6;

const root = values.keep ?? (await mkdtemp(join(tmpdir(), 'facts-bench-')));
await mkdir(root, { recursive: true });
const totals: SyntheticTotals = { settlements: 0, revised: 0, cost: 0n, billing: 0n };
log(`writing ${projects} projects × ${months} months of facts to ${root}`);
const writeStarted = performance.now();
const written = await writeSyntheticFacts(
  root,
  { tenant: 'bench', projects, months, start: '2025-01', timeRecords: Number(values['time-records']) },
  totals,
);
const writeMs = performance.now() - writeStarted;

const db = await openFacts({ root, threads });
const tableSizes = await db.query(
  `SELECT split_part(file_name, '/', -5) AS table_name, sum(total_compressed_size) AS bytes, sum(num_values) AS values_
   FROM parquet_metadata('${join(root, '**', '*.parquet')}') GROUP BY 1 ORDER BY 1`,
);
const rowsPerTable = new Map<string, number>();
for (const table of FACT_TABLES) {
  const count = await db.query(`SELECT count(*) AS n FROM ${table.name}`);
  rowsPerTable.set(table.name, Number(count.rows[0]?.n ?? 0));
}
/** Compressed bytes per (table, column) over all files. */
const columnBytes = await db.query(
  `SELECT split_part(file_name, '/', -5) AS table_name, path_in_schema AS column_name, sum(total_compressed_size) AS bytes
   FROM parquet_metadata('${join(root, '**', '*.parquet')}') GROUP BY 1, 2`,
);
const bytesOf = new Map(columnBytes.rows.map((r) => [`${r.table_name}.${r.column_name}`, Number(r.bytes)]));

const partitionNames: Set<string> = new Set(PARTITION_KEYS.map((p) => p.name));
function scannedBytes(sql: string): number {
  const words = new Set(sql.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []);
  let bytes = 0;
  for (const table of FACT_TABLES) {
    if (!words.has(table.name)) continue;
    const star = /\b\w+\.\*/.test(sql);
    for (const column of table.columns) {
      if (partitionNames.has(column.name)) continue;
      if (star || words.has(column.name)) bytes += bytesOf.get(`${table.name}.${column.name}`) ?? 0;
    }
  }
  return bytes;
}

const results: Array<{ name: string; rows: number; medianMs: number; scannedMb: number; athenaUsd: number }> =
  [];
for (const query of await listNamedQueries()) {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    const result = await db.query(query.sql);
    times.push(performance.now() - started);
    rows = result.rows.length;
  }
  const scanned = scannedBytes(query.sql);
  const billed = Math.max(scanned, ATHENA_MINIMUM_BYTES);
  results.push({
    name: query.name,
    rows,
    medianMs: median(times),
    scannedMb: scanned / 1e6,
    athenaUsd: (billed / 1e12) * ATHENA_USD_PER_TB,
  });
  log(`  ${query.name}: ${median(times).toFixed(0)} ms, ${rows} rows`);
}
db.close();

const m = machine();
const totalBytes = tableSizes.rows.reduce((s, r) => s + Number(r.bytes), 0);
out(
  `Machine: ${m.cores} cores, ${m.cpuModel}, Node ${m.node}; DuckDB threads: ${threads}; medians over ${runs} runs`,
);
out(
  `Facts: ${projects} projects × ${months} months = ${totals.settlements} settled periods (+${totals.revised} superseded revisions), ` +
    `${written.rows} rows in ${written.files} Parquet files, ${(totalBytes / 1e6).toFixed(1)} MB compressed (SNAPPY); written in ${(writeMs / 1000).toFixed(1)} s`,
);
out();
out('| table | rows | Parquet MB |');
out('|---|---:|---:|');
for (const table of FACT_TABLES) {
  const size = tableSizes.rows.find((r) => r.table_name === table.name);
  out(`| ${table.name} | ${rowsPerTable.get(table.name)} | ${(Number(size?.bytes ?? 0) / 1e6).toFixed(1)} |`);
}
out();
out('| query | rows | DuckDB median ms | Athena scanned MB (est.) | Athena $ per run |');
out('|---|---:|---:|---:|---:|');
for (const r of results) {
  out(
    `| ${r.name} | ${r.rows} | ${r.medianMs.toFixed(0)} | ${r.scannedMb.toFixed(1)} | ${r.athenaUsd.toFixed(6)} |`,
  );
}
await mkdir(join(BENCH_DIR, 'results'), { recursive: true });
await writeFile(
  join(BENCH_DIR, 'results', 'analytics.json'),
  `${JSON.stringify(
    {
      machine: m,
      date: new Date().toISOString(),
      projects,
      months,
      threads,
      runs,
      settlements: totals.settlements,
      revised: totals.revised,
      rows: written.rows,
      files: written.files,
      parquetBytes: totalBytes,
      writeMs,
      tables: Object.fromEntries(
        FACT_TABLES.map((t) => [
          t.name,
          {
            rows: rowsPerTable.get(t.name),
            bytes: Number(tableSizes.rows.find((r) => r.table_name === t.name)?.bytes ?? 0),
          },
        ]),
      ),
      queries: results,
    },
    null,
    2,
  )}\n`,
);
if (!values.keep) await rm(root, { recursive: true, force: true });

import { parseArgs } from 'node:util';
import { type FactsLocation, openFacts, type QueryResult } from '#analytics/duckdb.ts';
import { listNamedQueries, loadQuery } from '#analytics/queries.ts';
import { toCsv } from '#statement/csv.ts';

/**
 * `settle query NAME|FILE.sql --tenant T [--format table|csv|json] [--data-dir DIR]`: runs a query
 * on DuckDB over the tenant's local Parquet facts (the files Finalise wrote to `facts/`).
 * `settle query --list` names the queries in analytics/queries/.
 */

export const QUERY_USAGE =
  'usage: settle query NAME|FILE.sql --tenant T [--format table|csv|json] [--data-dir DIR]\n' +
  '       settle query --list\n';

export interface QueryDeps {
  /** Where the tenant's facts are on disk. */
  readonly locate: (tenant: string, dataDir: string | undefined) => Promise<FactsLocation>;
}

const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));

/** A plain text table: columns padded, numbers right-aligned. */
export function formatTable(result: QueryResult): string {
  const cells = result.rows.map((row) => result.columns.map((c) => text(row[c])));
  const widths = result.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = result.columns.map((c) =>
    result.rows.every((row) => row[c] === null || /^-?\d+(\.\d+)?$/.test(text(row[c]))),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    line(result.columns),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map(line),
    `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`,
  ].join('\n');
}

export async function runQuery(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  deps: QueryDeps,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      format: { type: 'string', default: 'table' },
      'data-dir': { type: 'string' },
      list: { type: 'boolean', default: false },
    },
  });
  if (values.list) {
    for (const q of await listNamedQueries()) io.stdout.write(`${q.name.padEnd(20)} ${q.description}\n`);
    return 0;
  }
  const target = positionals[0];
  const format = values.format;
  if (!target || !values.tenant || !['table', 'csv', 'json'].includes(format)) {
    io.stderr.write(QUERY_USAGE);
    return 2;
  }
  const query = await loadQuery(target);
  const db = await openFacts(await deps.locate(values.tenant, values['data-dir']));
  try {
    const result = await db.query(query.sql);
    if (format === 'json') io.stdout.write(`${JSON.stringify(result.rows, null, 2)}\n`);
    else if (format === 'csv')
      io.stdout.write(
        toCsv([result.columns, ...result.rows.map((r) => result.columns.map((c) => text(r[c])))]),
      );
    else io.stdout.write(`${formatTable(result)}\n`);
    return 0;
  } finally {
    db.close();
  }
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * The tenant's FOCUS billing export as a table: in the cloud a Glue table over the export's S3
 * prefix (one `BILLING_PERIOD=YYYY-MM` folder per billing period, partition projection); locally a
 * DuckDB view of the same name and columns over the export files. The nightly cloud-cost query
 * (analytics/cloud-costs/focus-costs.sql) runs unchanged on both.
 */

import { FOCUS_EXPORT_COLUMNS, FOCUS_PARTITION } from './focus-export-table.ts';

export { loadFocusCostsSql } from './focus-costs-sql.ts';
export { FOCUS_EXPORT_COLUMNS, FOCUS_PARTITION };

/** One export file on disk with the billing period its folder names. */
export interface ExportFile {
  readonly path: string;
  readonly billingPeriod: string;
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** DuckDB's type for a Glue column type. */
function duckdbType(type: string): string {
  if (type.startsWith('decimal')) return type.toUpperCase();
  if (type === 'map<string,string>') return 'MAP(VARCHAR, VARCHAR)';
  if (type === 'timestamp') return 'VARCHAR';
  return 'VARCHAR';
}

/**
 * Runs the FOCUS cost query on DuckDB over export files (CSV as the FinOps samples and Azure write
 * it, with JSON `Tags`; or Parquet as AWS Data Exports writes it, with a MAP column), viewed with the
 * Glue table's columns. Returns the rows with every value as text (decimals exact), as Athena's
 * GetQueryResults does.
 */
export async function queryFocusFiles(
  files: readonly ExportFile[],
  sql: string,
  parameters: readonly string[],
): Promise<Record<string, string | null>[]> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    const parts = await Promise.all(
      files.map(async (file) => {
        const csv = !file.path.endsWith('.parquet') && !(await isParquet(file.path));
        const source = csv
          ? `read_csv(${sqlString(file.path)}, all_varchar = true, nullstr = 'NULL', header = true)`
          : `read_parquet(${sqlString(file.path)})`;
        const present = new Set(
          (
            await (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJson()
          ).map((r) => String(r.column_name).toLowerCase()),
        );
        const columns = FOCUS_EXPORT_COLUMNS.map((c) => {
          const type = duckdbType(c.type);
          if (!present.has(c.name)) return `CAST(NULL AS ${type}) AS ${c.name}`;
          if (c.name === 'tags' && csv) return `CAST(json(${c.name}) AS ${type}) AS ${c.name}`;
          return `CAST(${c.name} AS ${type}) AS ${c.name}`;
        });
        return `SELECT ${columns.join(', ')}, ${sqlString(file.billingPeriod)} AS ${FOCUS_PARTITION} FROM ${source}`;
      }),
    );
    const empty = `SELECT ${FOCUS_EXPORT_COLUMNS.map((c) => `CAST(NULL AS ${duckdbType(c.type)}) AS ${c.name}`).join(', ')}, CAST(NULL AS VARCHAR) AS ${FOCUS_PARTITION} WHERE false`;
    await connection.run(
      `CREATE VIEW focus_export AS ${parts.length > 0 ? parts.join(' UNION ALL ') : empty}`,
    );
    const statement = await connection.prepare(sql);
    parameters.forEach((value, i) => {
      statement.bindVarchar(i + 1, value);
    });
    const rows = (await statement.runAndReadAll()).getRowObjectsJson();
    return rows.map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v)])),
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function isParquet(path: string): Promise<boolean> {
  const bytes = await readFile(path);
  return bytes.length > 8 && bytes.subarray(0, 4).toString('latin1') === 'PAR1';
}

/** Export files below a local folder laid out as the export (`<dir>/BILLING_PERIOD=YYYY-MM/<file>`). */
export function exportFileOf(dir: string, billingPeriod: string, name: string): ExportFile {
  return { path: join(dir, `BILLING_PERIOD=${billingPeriod}`, name), billingPeriod };
}

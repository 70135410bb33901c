import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type Column, type ColumnType, DECIMAL_SHAPE, FACT_TABLES, PARTITION_KEYS } from './tables.ts';

/**
 * The local query engine: DuckDB over the same Parquet files Athena reads in the cloud. Each fact
 * table becomes a view of the same name over `<root>/<table>/tenant=…/year=…/month=…/*`, so the
 * SQL in analytics/queries/ runs unchanged on both engines.
 */

export interface FactsLocation {
  /** Directory holding one folder per fact table (the `facts/` prefix of the bucket on disk). */
  readonly root: string;
  /**
   * Suffix of the object files: `.parquet` for plain files; the local S3 emulator (s3rver) stores
   * the object `a/b.parquet` as `a/b.parquet._S3rver_object`.
   */
  readonly suffix?: string;
  /** DuckDB worker threads. @default DuckDB's own (the machine's cores) */
  readonly threads?: number;
}

/** Where the local runtime keeps a tenant's facts (s3rver's directory layout). */
export function localFactsLocation(dataDir: string, bucketName: string): FactsLocation {
  return { root: join(dataDir, 's3', bucketName, 'facts'), suffix: '.parquet._S3rver_object' };
}

export function duckdbType(type: ColumnType): string {
  switch (type) {
    case 'money':
    case 'ratio':
    case 'amount': {
      const { precision, scale } = DECIMAL_SHAPE[type];
      return `DECIMAL(${precision},${scale})`;
    }
    case 'string':
      return 'VARCHAR';
    case 'int':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      // Athena reads Parquet TIMESTAMP_MILLIS as a timestamp without zone (UTC); do the same here.
      return 'TIMESTAMP';
  }
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function hasFiles(dir: string, suffix: string): Promise<boolean> {
  try {
    const entries = await readdir(dir, { recursive: true });
    return entries.some((name) => name.endsWith(suffix));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

function selectList(columns: readonly Column[]): string {
  return columns.map((c) => `CAST(${c.name} AS ${duckdbType(c.type)}) AS ${c.name}`).join(', ');
}

export interface FactsDatabase {
  readonly connection: DuckDBConnection;
  /** Runs one SQL text (one statement) and returns its columns and rows (decimals as exact strings). */
  query(sql: string): Promise<QueryResult>;
  close(): void;
}

export interface QueryResult {
  readonly columns: string[];
  readonly rows: Record<string, string | number | boolean | null>[];
}

/** Opens an in-memory DuckDB with one view per fact table (empty, typed views for tables with no files yet). */
export async function openFacts(location: FactsLocation): Promise<FactsDatabase> {
  const suffix = location.suffix ?? '.parquet';
  const instance = await DuckDBInstance.create(':memory:', {
    ...(location.threads ? { threads: String(location.threads) } : {}),
  });
  const connection = await instance.connect();
  const partitions: Column[] = PARTITION_KEYS.map((p) => ({ ...p, type: p.type as ColumnType }));
  for (const table of FACT_TABLES) {
    const dir = join(location.root, table.name);
    const columns = [...table.columns, ...partitions];
    if (await hasFiles(dir, suffix)) {
      const hiveTypes = partitions.map((p) => `${p.name}: '${duckdbType(p.type)}'`).join(', ');
      const glob = sqlString(join(dir, '**', `*${suffix}`));
      await connection.run(
        `CREATE VIEW ${table.name} AS SELECT ${selectList(columns)} FROM read_parquet(${glob}, hive_partitioning = true, hive_types = {${hiveTypes}}, union_by_name = true)`,
      );
    } else {
      await connection.run(
        `CREATE VIEW ${table.name} AS SELECT ${columns.map((c) => `CAST(NULL AS ${duckdbType(c.type)}) AS ${c.name}`).join(', ')} WHERE false`,
      );
    }
  }
  return {
    connection,
    async query(sql) {
      const reader = await connection.runAndReadAll(sql);
      return {
        columns: reader.columnNames(),
        rows: reader.getRowObjectsJson() as Record<string, string | number | boolean | null>[],
      };
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

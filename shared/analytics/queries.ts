import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

/**
 * The named queries: one SQL file each under analytics/queries/, written in the SQL both Athena
 * (Trino) and DuckDB accept. The same files become Athena named queries in the tenant's stack.
 */
export const QUERIES_DIR = resolve(import.meta.dirname, '..', '..', 'analytics', 'queries');

export interface NamedQuery {
  /** File name without `.sql`, e.g. `margin`. */
  readonly name: string;
  /** The comment lines at the top of the file. */
  readonly description: string;
  readonly sql: string;
}

export class QueryNotFoundError extends Error {
  override name = 'QueryNotFoundError';
}

/** The leading `--` comment of a query file, as one line. */
export function describeQuery(sql: string): string {
  const lines: string[] = [];
  for (const line of sql.split('\n')) {
    if (!line.startsWith('--')) break;
    lines.push(line.replace(/^--\s?/, '').trim());
  }
  return lines.join(' ');
}

export async function listNamedQueries(dir = QUERIES_DIR): Promise<NamedQuery[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(join(dir, file), 'utf8');
      return { name: basename(file, '.sql'), description: describeQuery(sql), sql };
    }),
  );
}

/** A query by name (`margin`) or by path (`my/query.sql`). */
export async function loadQuery(nameOrPath: string, dir = QUERIES_DIR): Promise<NamedQuery> {
  const path = nameOrPath.endsWith('.sql') ? resolve(nameOrPath) : join(dir, `${nameOrPath}.sql`);
  let sql: string;
  try {
    sql = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const known = (await listNamedQueries(dir)).map((q) => q.name).join(', ');
    throw new QueryNotFoundError(`no query ${nameOrPath} (${path}); named queries: ${known}`);
  }
  return { name: basename(path, '.sql'), description: describeQuery(sql), sql };
}

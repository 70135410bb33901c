import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The file name of the nightly FOCUS cost query; a Lambda bundle that names it gets a copy beside it. */
export const FOCUS_COSTS_SQL_FILE = 'focus-costs.sql';

/**
 * The FOCUS cost query's text (analytics/cloud-costs/focus-costs.sql), as Athena and DuckDB both run
 * it: beside the bundle in Lambda (copied there at bundling), from the repository elsewhere.
 */
export async function loadFocusCostsSql(): Promise<string> {
  const bundled = join(import.meta.dirname, FOCUS_COSTS_SQL_FILE);
  const source = resolve(import.meta.dirname, '..', '..', 'analytics', 'cloud-costs', FOCUS_COSTS_SQL_FILE);
  return readFile(existsSync(bundled) ? bundled : source, 'utf8');
}

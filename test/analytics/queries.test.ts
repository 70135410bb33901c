import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FactsDatabase, openFacts } from '#analytics/duckdb.ts';
import { listNamedQueries, loadQuery } from '#analytics/queries.ts';
import { type SyntheticTotals, writeSyntheticFacts } from '../../bench/analytics-data.ts';

const trino = new TrinoSQL();
let root: string;
let db: FactsDatabase;
const totals: SyntheticTotals = { settlements: 0, revised: 0, cost: 0n, billing: 0n };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'facts-queries-'));
  await writeSyntheticFacts(
    root,
    { tenant: 'acme', projects: 40, months: 3, start: '2026-11', timeRecords: 3, revisedShare: 0.2 },
    totals,
  );
  db = await openFacts({ root, threads: 1 });
});

afterAll(async () => {
  db?.close();
  await rm(root, { recursive: true, force: true });
});

describe('the named queries', () => {
  it('are all Trino SQL: the Athena grammar parses every file without an error', async () => {
    const queries = await listNamedQueries();
    expect(queries.map((q) => q.name)).toEqual(
      expect.arrayContaining(['margin', 'cpi-spi-trend', 'utilisation', 'overrun-ranking', 'cycle-time']),
    );
    for (const query of queries) {
      expect(trino.validate(query.sql), query.name).toEqual([]);
      expect(query.description, `${query.name} has a leading comment`).not.toBe('');
    }
  });

  it('would catch DuckDB-only syntax: the grammar rejects casts with :: and QUALIFY', () => {
    expect(trino.validate('SELECT cost::VARCHAR FROM settlements').length).toBeGreaterThan(0);
    expect(
      trino.validate('SELECT * FROM settlements QUALIFY row_number() OVER (ORDER BY revision) = 1').length,
    ).toBeGreaterThan(0);
  });

  it('all run on DuckDB over the Parquet facts and answer rows', async () => {
    for (const query of await listNamedQueries()) {
      const result = await db.query(query.sql);
      expect(result.rows.length, query.name).toBeGreaterThan(0);
    }
  });

  it('count each settled period once, at its latest revision, with exact totals', async () => {
    expect(totals.revised).toBeGreaterThan(0);
    const margin = await db.query((await loadQuery('margin')).sql);
    expect(margin.rows).toHaveLength(totals.settlements);
    const sum = (column: string) =>
      margin.rows
        .reduce((s, r) => s.plus(String(r[column])), new Decimal(0))
        .times(100)
        .toFixed(0);
    expect(sum('cost')).toBe(String(totals.cost));
    expect(sum('billing')).toBe(String(totals.billing));
    const all = await db.query('SELECT count(*) AS n FROM settlements');
    expect(Number(all.rows[0]?.n)).toBe(totals.settlements + totals.revised);
  });

  it('rank overruns from the largest forecast overrun down', async () => {
    const ranking = await db.query((await loadQuery('overrun-ranking')).sql);
    const overruns = ranking.rows.map((r) => Number(r.forecast_overrun_percent));
    expect(overruns).toEqual([...overruns].sort((a, b) => b - a));
    expect(ranking.rows).toHaveLength(40);
    expect(Number(ranking.rows[0]?.overrun_rank)).toBe(1);
  });

  it('read the partition keys from the paths: tenant, year and month', async () => {
    const partitions = await db.query(
      'SELECT DISTINCT tenant, year, month FROM settlements ORDER BY year, month',
    );
    expect(partitions.rows).toEqual([
      { tenant: 'acme', year: 2026, month: 11 },
      { tenant: 'acme', year: 2026, month: 12 },
      { tenant: 'acme', year: 2027, month: 1 },
    ]);
  });
});

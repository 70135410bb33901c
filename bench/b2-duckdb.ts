import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { RATE_CARDS } from './b2-data.ts';

/**
 * B2's peer, run in its own process (so its memory is measured apart from the engine's): DuckDB
 * computes the same October figures with SQL over the same NDJSON file. Exact arithmetic only:
 * labour is Σ seconds × rate in integer cents (HUGEINT), cost amounts are DECIMAL(18,4) summed
 * exactly; each line is rounded half-even to cents, as money.ts ROUNDING_RULE prescribes (DuckDB's
 * ROUND is half away from zero, so the tie rule is written out). Lines are at the engine's own
 * granularity: labour per (role, person, rate window), costs per (category, vendor).
 *
 * Usage: node bench/b2-duckdb.ts FILE.ndjson CHARTER.json → one JSON line on stdout.
 */

const file = process.argv[2];
if (!file) throw new Error('usage: b2-duckdb.ts FILE.ndjson');
const started = performance.now();
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();

const rates = RATE_CARDS.map(
  (r) =>
    `('${r.role}', ${r.costRate}::DECIMAL(18,2), DATE '${r.effectiveFrom}', ${'effectiveTo' in r ? `DATE '${r.effectiveTo}'` : 'NULL'})`,
).join(',\n  ');
const sql = `
CREATE TEMP TABLE records AS
SELECT * FROM read_ndjson(${JSON.stringify(file).replace(/"/g, "'")}, columns = {
  kind: 'VARCHAR', projectRef: 'VARCHAR', person: 'VARCHAR', role: 'VARCHAR', start: 'VARCHAR',
  seconds: 'BIGINT', category: 'VARCHAR', vendor: 'VARCHAR', amount: 'DECIMAL(18,4)',
  currency: 'VARCHAR', date: 'DATE', commitment: 'BOOLEAN'
});
CREATE TEMP TABLE rate_cards (role VARCHAR, cost_rate DECIMAL(18,2), effective_from DATE, effective_to DATE);
INSERT INTO rate_cards VALUES
  ${rates};
-- A rate applies from its effectiveFrom until its effectiveTo or the role's next entry, whichever is first.
CREATE TEMP TABLE rate_windows AS
SELECT role, effective_from, CAST(cost_rate * 100 AS HUGEINT) AS rate_cents,
  LEAST(COALESCE(effective_to, DATE '9999-12-31'),
        COALESCE(LEAD(effective_from) OVER (PARTITION BY role ORDER BY effective_from), DATE '9999-12-31')) AS effective_until
FROM rate_cards;
CREATE TEMP MACRO half_even_div(n, d) AS
  sign(n) * (abs(n) // d + CASE
    WHEN 2 * (abs(n) % d) > d THEN 1
    WHEN 2 * (abs(n) % d) = d THEN (abs(n) // d) % 2
    ELSE 0 END);
`;
await db.run(sql);
const loadedMs = performance.now() - started;

const labour = await db.runAndReadAll(
  `
WITH people(person, role) AS (SELECT * FROM (VALUES ${'__PEOPLE__'}) p(person, role)),
time AS (
  SELECT r.person, COALESCE(p.role, r.role, 'unassigned') AS role, CAST(substr(r.start, 1, 10) AS DATE) AS day, r.seconds
  FROM records r LEFT JOIN people p ON p.person = r.person
  WHERE r.kind = 'time' AND r.projectRef = 'bench' AND substr(r.start, 1, 10) BETWEEN '2026-10-01' AND '2026-10-31'
)
SELECT t.role, t.person, CAST(w.effective_from AS VARCHAR) AS effective_from, SUM(t.seconds) AS seconds,
  CAST(half_even_div(CAST(SUM(t.seconds) AS HUGEINT) * w.rate_cents, 3600) AS VARCHAR) AS cents
FROM time t JOIN rate_windows w ON w.role = t.role AND t.day >= w.effective_from AND t.day < w.effective_until
GROUP BY t.role, t.person, w.effective_from, w.rate_cents
ORDER BY 1, 2, 3`.replace('__PEOPLE__', peopleValues()),
);
const costs = await db.runAndReadAll(`
SELECT category, vendor, COUNT(*) AS records,
  CAST(half_even_div(CAST(SUM(amount) * 10000 AS HUGEINT), 100) AS VARCHAR) AS cents
FROM records
WHERE kind = 'cost' AND projectRef = 'bench' AND currency = 'EUR' AND date BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'
  AND NOT COALESCE(commitment, false)
GROUP BY category, vendor ORDER BY 1, 2`);
const queryMs = performance.now() - started - loadedMs;

process.stderr.write(`BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
process.stdout.write(
  `${JSON.stringify({
    loadMs: loadedMs,
    queryMs,
    totalMs: performance.now() - started,
    labour: labour.getRowObjectsJson(),
    costs: costs.getRowObjectsJson(),
  })}\n`,
);

function peopleValues(): string {
  const charterPath = process.argv[3];
  if (!charterPath) throw new Error('usage: b2-duckdb.ts FILE.ndjson CHARTER.json');
  const charter = JSON.parse(readFileSync(charterPath, 'utf8')) as {
    people: Array<{ id: string; role: string }>;
  };
  return charter.people
    .map((p) => `('${p.id.replace(/'/g, "''")}', '${p.role.replace(/'/g, "''")}')`)
    .join(', ');
}

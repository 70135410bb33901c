import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';

const SAMPLE = resolve(import.meta.dirname, '../../fixtures/focus/focus-1.0-sample.csv');
let csv: Uint8Array;
let parquet: Uint8Array;
let dir: string;
/** Independent figures: DuckDB over the same file. */
const expected = { mine: '', tagged: '', untagged: '', credit: '' };

beforeAll(async () => {
  csv = new Uint8Array(await readFile(SAMPLE));
  dir = await mkdtemp(join(tmpdir(), 'focus-'));
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run(`CREATE VIEW f AS SELECT * FROM read_csv('${SAMPLE}', nullstr = 'NULL', all_varchar = true)`);
  const one = async (sql: string) =>
    String(Object.values((await db.runAndReadAll(sql)).getRowObjectsJson()[0] ?? {})[0]);
  const cost = 'CAST(EffectiveCost AS DECIMAL(38,12))';
  const app = "json_extract_string(Tags, '$.application')";
  expected.mine = await one(`SELECT sum(${cost}) FROM f WHERE ${app} = 'BrightPathMatrix'`);
  expected.tagged = await one(`SELECT sum(${cost}) FROM f WHERE coalesce(${app}, '') <> ''`);
  expected.untagged = await one(`SELECT sum(${cost}) FROM f WHERE coalesce(${app}, '') = ''`);
  expected.credit = await one(`SELECT sum(${cost}) FROM f WHERE ChargeCategory = 'Credit'`);
  // The same rows as an AWS Data Exports-style Parquet file: exact DECIMAL costs, Tags as JSON text.
  const file = join(dir, 'focus.parquet');
  await db.run(
    `COPY (SELECT * REPLACE (CAST(EffectiveCost AS DECIMAL(38,12)) AS EffectiveCost, CAST(BilledCost AS DECIMAL(38,12)) AS BilledCost, CAST(ChargePeriodStart AS TIMESTAMP) AS ChargePeriodStart) FROM f) TO '${file}' (FORMAT parquet)`,
  );
  parquet = new Uint8Array(await readFile(file));
  db.closeSync();
  instance.closeSync();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = { tagKey: 'application', tagValue: 'BrightPathMatrix', projectRef: 'bright-path' };
const sum = (amounts: string[]) => amounts.reduce((s, a) => s.plus(a), new Decimal(0));

describe('the FOCUS connector on the FinOps Foundation sample (FOCUS 1.0)', () => {
  it('takes the tagged project’s amortised cost (EffectiveCost) to the last decimal', async () => {
    const result = await normalizeFile('focus', csv, { ...options, shared: 'none' });
    expect(result.quarantined).toEqual([]);
    const amounts = result.records.map((r) => (r.kind === 'cost' ? r.amount : '0'));
    expect(sum(amounts).eq(expected.mine)).toBe(true);
    expect(
      result.records.every((r) => r.kind === 'cost' && r.category === 'cloud' && r.currency === 'USD'),
    ).toBe(true);
    expect(result.notes.join('\n')).toMatch(/not allocated \(shared: none\)/);
    expect(result.notes.join('\n')).toMatch(
      /billing period not final \(1000 of 1000 rows without an InvoiceId\)/,
    );
  });

  it('allocates the untagged cost, credits included, in proportion to the project’s tagged cost', async () => {
    expect(new Decimal(expected.credit).isNegative()).toBe(true);
    const result = await normalizeFile('focus', csv, options);
    const allocation = result.records.find((r) => r.kind === 'cost' && r.document === 'allocation');
    const share = new Decimal(expected.mine).div(expected.tagged);
    const want = new Decimal(expected.untagged).times(share).toDecimalPlaces(12, Decimal.ROUND_HALF_EVEN);
    expect(allocation?.kind === 'cost' && new Decimal(allocation.amount).eq(want)).toBe(true);
    expect(allocation?.kind === 'cost' && allocation.description).toContain(
      `Untagged ${new Decimal(expected.untagged).toFixed()} USD`,
    );
  });

  it('allocates a fixed share when the charter says so', async () => {
    const result = await normalizeFile('focus', csv, { ...options, shared: '0.25' });
    const allocation = result.records.find((r) => r.kind === 'cost' && r.document === 'allocation');
    expect(allocation?.kind === 'cost' && allocation.amount).toBe(
      new Decimal(expected.untagged).times('0.25').toFixed(),
    );
  });

  it('reads the same export as Parquet with exact DECIMAL costs', async () => {
    const fromCsv = await normalizeFile('focus', csv, options);
    const fromParquet = await normalizeFile('focus', parquet, options);
    expect(fromParquet.quarantined).toEqual([]);
    const total = (r: typeof fromCsv) =>
      sum(r.records.map((x) => (x.kind === 'cost' ? x.amount : '0'))).toFixed();
    expect(total(fromParquet)).toBe(total(fromCsv));
    expect(fromParquet.records.map((r) => r.sourceId).sort()).toEqual(
      fromCsv.records.map((r) => r.sourceId).sort(),
    );
  });

  it('quarantines a file that is not a FOCUS export, naming the missing columns', async () => {
    const result = await normalizeFile(
      'focus',
      new TextEncoder().encode('date,amount\n2026-10-01,12.00\n'),
      options,
    );
    expect(result.records).toEqual([]);
    expect(result.quarantined[0]?.message).toMatch(
      /BillingCurrency, ChargePeriodStart, BillingPeriodStart, ProviderName, EffectiveCost are missing/,
    );
  });

  it('never throws on arbitrary bytes: what it cannot read is quarantined or ignored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 64 })), async (input) => {
        const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
        const result = await normalizeFile('focus', bytes, options);
        for (const item of result.quarantined) expect(item.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });
});

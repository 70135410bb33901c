import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFacts, FactEncodingError, unscaledDecimal } from '#analytics/parquet.ts';
import { type FactTable, factObjectKey } from '#analytics/tables.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'facts-parquet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const table: FactTable = {
  name: 'cost_records',
  doc: 'test',
  columns: [
    { name: 'label', type: 'string', doc: '' },
    { name: 'amount', type: 'money', doc: '' },
    { name: 'source_amount', type: 'amount', doc: '' },
    { name: 'cpi', type: 'ratio', doc: '' },
    { name: 'day', type: 'date', doc: '' },
    { name: 'at', type: 'timestamp', doc: '' },
    { name: 'seconds', type: 'bigint', doc: '' },
  ],
};

async function readBack(bytes: Uint8Array, sql: (file: string) => string) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.parquet`);
  await writeFile(file, bytes);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql(`'${file}'`))).getRowObjectsJson();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('Parquet facts', () => {
  it('store amounts as DECIMAL logical types that read back exactly, to the last digit', async () => {
    const bytes = encodeFacts(table, [
      {
        label: 'large',
        amount: '99999999999999.9999',
        source_amount: '-12345678901234567890.123456789012',
        cpi: '1.0473',
        day: '2026-10-31',
        at: '2026-11-05T09:30:00.000Z',
        seconds: 9_007_199_254_740_991,
      },
      { label: 'cent', amount: '-0.01', source_amount: '0.1', cpi: null, day: null, at: null, seconds: 0 },
    ]);
    const schema = await readBack(
      bytes,
      (f) => `SELECT name, type, converted_type FROM parquet_schema(${f})`,
    );
    expect(schema.filter((c) => c.converted_type === 'DECIMAL').map((c) => [c.name, c.type])).toEqual([
      ['amount', 'INT64'],
      ['source_amount', 'FIXED_LEN_BYTE_ARRAY'],
      ['cpi', 'INT64'],
    ]);
    const rows = await readBack(
      bytes,
      (f) =>
        `SELECT label, CAST(amount AS VARCHAR) AS amount, CAST(source_amount AS VARCHAR) AS source_amount, ` +
        `typeof(amount) AS money_type, typeof(source_amount) AS amount_type, CAST(cpi AS VARCHAR) AS cpi, ` +
        `CAST(day AS VARCHAR) AS day, seconds FROM read_parquet(${f}) ORDER BY label`,
    );
    expect(rows).toEqual([
      {
        label: 'cent',
        amount: '-0.0100',
        source_amount: '0.100000000000',
        money_type: 'DECIMAL(18,4)',
        amount_type: 'DECIMAL(38,12)',
        cpi: null,
        day: null,
        seconds: '0',
      },
      {
        label: 'large',
        amount: '99999999999999.9999',
        source_amount: '-12345678901234567890.123456789012',
        money_type: 'DECIMAL(18,4)',
        amount_type: 'DECIMAL(38,12)',
        cpi: '1.0473',
        day: '2026-10-31',
        seconds: '9007199254740991',
      },
    ]);
  });

  it('refuse money that would lose a digit instead of rounding it', () => {
    expect(() => unscaledDecimal('1.00005', 'money')).toThrow(/more than 4 decimals/);
    expect(() => unscaledDecimal('100000000000000', 'money')).toThrow(/does not fit DECIMAL\(18,4\)/);
    expect(() =>
      encodeFacts(table, [
        { label: 'x', amount: '0.123456', source_amount: '1', cpi: null, day: null, at: null, seconds: 1 },
      ]),
    ).toThrow(FactEncodingError);
  });

  it('round source amounts beyond 12 decimals half-even', () => {
    expect(unscaledDecimal('0.0000000000125', 'amount')).toBe(12n);
    expect(unscaledDecimal('0.0000000000135', 'amount')).toBe(14n);
    expect(unscaledDecimal('-2.5', 'amount')).toBe(-2_500_000_000_000n);
  });

  it('lay objects out Hive style by tenant, year and two-digit month', () => {
    expect(factObjectKey('statement_lines', { tenant: 'acme', year: 2026, month: 3 }, 'p_2026-03_r1')).toBe(
      'facts/statement_lines/tenant=acme/year=2026/month=03/p_2026-03_r1.parquet',
    );
  });
});

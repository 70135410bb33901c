import { parquetWriteBuffer } from 'hyparquet-writer';
import { Dec } from '#domain/money.ts';
import { type Column, type ColumnType, DECIMAL_SHAPE, type FactRow, type FactTable } from './tables.ts';

/**
 * Encodes fact rows as one Parquet file with hyparquet-writer (pure JavaScript, ~1 MB with its
 * reader, no native or WASM code, so it bundles into a Lambda as is). Decimal columns are written
 * as DECIMAL logical types from the exact unscaled integer (`bigint`), never through a float.
 */

export class FactEncodingError extends Error {
  override name = 'FactEncodingError';
  readonly table: string;
  readonly column: string;
  constructor(message: string, table: string, column: string) {
    super(message);
    this.table = table;
    this.column = column;
  }
}

type SchemaElement = Parameters<typeof parquetWriteBuffer>[0]['schema'] extends (infer S)[] | undefined
  ? S
  : never;

function schemaElement(column: Column): SchemaElement {
  const base = { name: column.name, repetition_type: 'OPTIONAL' as const };
  switch (column.type) {
    case 'money':
    case 'ratio': {
      const { precision, scale } = DECIMAL_SHAPE[column.type];
      return {
        ...base,
        type: 'INT64',
        converted_type: 'DECIMAL',
        precision,
        scale,
        logical_type: { type: 'DECIMAL', precision, scale },
      };
    }
    case 'amount': {
      const { precision, scale } = DECIMAL_SHAPE.amount;
      return {
        ...base,
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: 16,
        converted_type: 'DECIMAL',
        precision,
        scale,
        logical_type: { type: 'DECIMAL', precision, scale },
      };
    }
    case 'string':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'int':
      return { ...base, type: 'INT32' };
    case 'bigint':
      return { ...base, type: 'INT64' };
    case 'boolean':
      return { ...base, type: 'BOOLEAN' };
    case 'date':
      return { ...base, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
    case 'timestamp':
      return {
        ...base,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      };
  }
}

/**
 * The unscaled integer of a decimal string at the column's scale. Money must fit exactly (statement
 * amounts are already rounded to the minor unit); ratios and source amounts are rounded half-even
 * to the scale (12 decimals for source amounts: below any billing precision).
 */
export function unscaledDecimal(value: string, type: 'money' | 'ratio' | 'amount'): bigint {
  const { precision, scale } = DECIMAL_SHAPE[type];
  const exact = new Dec(value);
  if (!exact.isFinite()) throw new RangeError(`not a finite decimal: ${value}`);
  const scaled = exact.times(new Dec(10).pow(scale));
  const rounded = scaled.toDecimalPlaces(0, Dec.ROUND_HALF_EVEN);
  if (type === 'money' && !rounded.eq(scaled)) {
    throw new RangeError(`${value} has more than ${scale} decimals`);
  }
  if (rounded.abs().gte(new Dec(10).pow(precision))) {
    throw new RangeError(`${value} does not fit DECIMAL(${precision},${scale})`);
  }
  return BigInt(rounded.toFixed(0));
}

function encodeValue(type: ColumnType, value: string | number | boolean): unknown {
  switch (type) {
    case 'money':
    case 'ratio':
    case 'amount':
      return unscaledDecimal(String(value), type);
    case 'string':
      return String(value);
    case 'int':
      if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
      return value;
    case 'bigint':
      if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
      return BigInt(value);
    case 'boolean':
      if (typeof value !== 'boolean') throw new TypeError(`not a boolean: ${value}`);
      return value;
    case 'date': {
      const text = String(value);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new RangeError(`not a date YYYY-MM-DD: ${text}`);
      return new Date(`${text}T00:00:00Z`);
    }
    case 'timestamp': {
      const at = new Date(String(value));
      if (Number.isNaN(at.getTime())) throw new RangeError(`not an ISO timestamp: ${value}`);
      return at;
    }
  }
}

/** One Parquet file (SNAPPY, statistics on) holding the rows of one table. */
export function encodeFacts(table: FactTable, rows: readonly FactRow[]): Uint8Array {
  const columnData = table.columns.map((column) => ({
    name: column.name,
    data: rows.map((row) => {
      const value = row[column.name];
      if (value === undefined)
        throw new FactEncodingError(`row has no column ${column.name}`, table.name, column.name);
      if (value === null) return null;
      try {
        return encodeValue(column.type, value);
      } catch (error) {
        throw new FactEncodingError(
          `${table.name}.${column.name}: ${(error as Error).message}`,
          table.name,
          column.name,
        );
      }
    }),
  }));
  const schema: SchemaElement[] = [
    { name: 'root', num_children: table.columns.length },
    ...table.columns.map(schemaElement),
  ];
  return new Uint8Array(
    parquetWriteBuffer({
      columnData,
      schema,
      kvMetadata: [{ key: 'settlement.facts.table', value: table.name }],
    }),
  );
}

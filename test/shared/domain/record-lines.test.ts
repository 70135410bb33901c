import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CostRecordFacts, TimeFacts } from '#domain/compute.ts';
import { createRecordLineScanner, type RecordLineSink } from '#domain/record-lines.ts';
import { SettlementRecord, SourceName } from '#domain/records.ts';

/** What a line gives the engine, in one comparable shape. */
type Outcome =
  | { kind: 'skip' }
  | { kind: 'blank' }
  | { kind: 'quarantine'; source: string; reason: string }
  | { kind: 'time'; facts: Omit<TimeFacts, 'day'> }
  | { kind: 'cost'; facts: CostRecordFacts };

const timeOf = (r: TimeFacts): Omit<TimeFacts, 'day'> => ({
  projectRef: r.projectRef,
  person: r.person,
  role: r.role,
  workPackage: r.workPackage,
  start: r.start,
  seconds: r.seconds,
  billable: r.billable,
  billableSeconds: r.billableSeconds,
});
const costOf = (r: CostRecordFacts): CostRecordFacts => ({
  source: r.source,
  projectRef: r.projectRef,
  category: r.category,
  amount: r.amount,
  currency: r.currency,
  date: r.date,
  vendor: r.vendor,
  workPackage: r.workPackage,
  unit: r.unit,
  quantity: r.quantity,
  commitment: r.commitment,
});

/** The reference: JSON.parse and the zod schema, as `settle compute` always did. */
function reference(line: string): Outcome {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (trimmed.trim() === '') return { kind: 'blank' };
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    return { kind: 'quarantine', source: 'unknown', reason: 'invalid-json' };
  }
  const parsed = SettlementRecord.safeParse(raw);
  if (!parsed.success) {
    const source = SourceName.safeParse((raw as { source?: unknown } | null)?.source);
    return { kind: 'quarantine', source: source.success ? source.data : 'unknown', reason: 'invalid-record' };
  }
  const r = parsed.data;
  if (r.kind === 'time') return { kind: 'time', facts: timeOf(r) };
  if (r.kind === 'cost') return { kind: 'cost', facts: costOf({ ...r, projectRef: r.projectRef }) };
  return { kind: 'skip' };
}

function scanned(lines: readonly string[]): Outcome[] {
  const out: Outcome[] = [];
  const sink: RecordLineSink = {
    time: (r) => {
      // The scanner's day, when it gives one, is the UTC date (the engine counts days in a zone from it).
      if (r.day !== undefined) expect(r.day).toBe(new Date(r.start).toISOString().slice(0, 10));
      out.push({ kind: 'time', facts: timeOf(r) });
    },
    cost: (r) => out.push({ kind: 'cost', facts: costOf(r) }),
    record: (r) => {
      if (r.kind === 'time') out.push({ kind: 'time', facts: timeOf(r) });
      else if (r.kind === 'cost') out.push({ kind: 'cost', facts: costOf(r) });
      else out.push({ kind: 'skip' });
    },
    quarantine: (source, reason) => out.push({ kind: 'quarantine', source, reason }),
  };
  const scanner = createRecordLineScanner();
  const bytes = Buffer.from(lines.join('\n'), 'utf8');
  scanner.scan(bytes, 0, bytes.length, sink);
  return out;
}

/** Blank lines give nothing at all. */
const expected = (lines: readonly string[]) => lines.map(reference).filter((o) => o.kind !== 'blank');

const time = {
  kind: 'time',
  source: 'toggl',
  sourceId: 't1',
  projectRef: 'atlas',
  person: 'anna@acme.example',
  start: '2026-10-05T09:00:00+02:00',
  seconds: 3600,
  billable: true,
  billableSeconds: 3600,
  description: 'Work',
  taskKey: 'ATL-1',
};
const cost = {
  kind: 'cost',
  source: 'quickbooks',
  sourceId: 'c1',
  projectRef: 'atlas',
  category: 'materials',
  amount: '-12.3450',
  currency: 'EUR',
  date: '2026-10-01',
  vendor: 'Bau AG',
  document: 'bill',
  quantity: '3.5',
  unit: 'm3',
  commitment: false,
};

/** Values that are valid somewhere and invalid elsewhere: each field gets every one of them. */
const oddValue = fc.constantFrom<unknown>(
  null,
  '',
  ' ',
  'x',
  'ä\u00e9',
  '中文',
  'tab\there',
  'quote"inside',
  'back\\slash',
  'line\nbreak',
  0,
  1,
  -1,
  1.5,
  1e21,
  2 ** 53,
  true,
  false,
  [],
  {},
  { a: 1 },
  '2026-10-05',
  '2026-02-29T10:00:00Z',
  '2028-02-29T10:00:00Z',
  '2026-10-05T24:00:00+02:00',
  '2026-10-05T09:00:00.123-05:30',
  '2026-10-05T09:00:00',
  'EUR',
  'eur',
  'EURO',
  '12',
  '12.',
  '.5',
  '-0.0001',
  '+1',
  'materials',
  'labour',
  'toggl',
  'nobody',
  'time',
  'cost',
  'task',
);
const key = fc.constantFrom(
  ...new Set([...Object.keys(time), ...Object.keys(cost), 'role', 'workPackage', 'extra']),
);

const mutated = fc
  .tuple(
    fc.constantFrom<Record<string, unknown>>(time, cost),
    fc.array(fc.tuple(key, fc.option(oddValue, { nil: undefined })), { maxLength: 3 }),
    fc.constantFrom('', ' ', '\t', '\r'),
  )
  .map(([base, changes, space]) => {
    const record: Record<string, unknown> = { ...base };
    for (const [k, v] of changes) {
      if (v === undefined) delete record[k];
      else record[k] = v;
    }
    const json = JSON.stringify(record);
    return space === '' ? json : json.replace(/,"/g, `,${space}"`).replace(/:/, `${space}:${space}`);
  });

describe('reading record lines', () => {
  it('gives the engine exactly what JSON.parse and the record schema give, line by line', () => {
    fc.assert(
      fc.property(fc.array(mutated, { minLength: 1, maxLength: 20 }), (lines) => {
        expect(scanned(lines)).toEqual(expected(lines));
      }),
      { numRuns: 400 },
    );
  });

  it('quarantines broken JSON, skips blank lines and reads CRLF line ends', () => {
    const lines = [
      JSON.stringify(time),
      '',
      '   ',
      `${JSON.stringify(cost)}\r`,
      '{"kind":"time",',
      '\u00a0',
      '{"kind":"time","source":"toggl","seconds":01}',
      'not json',
      `\ufeff${JSON.stringify(time)}`,
      JSON.stringify({ ...time, seconds: -5 }),
      JSON.stringify({ ...time, description: 'with "quotes" and \\ and é' }),
      `${JSON.stringify(time)} x`,
      JSON.stringify({ ...time, kind: 'task', key: 'A', status: 'done', done: true, points: 3 }),
    ];
    const got = scanned(lines);
    expect(got).toEqual(expected(lines));
    expect(got.filter((o) => o.kind === 'quarantine')).toHaveLength(6);
    expect(got.filter((o) => o.kind === 'time')).toHaveLength(2);
  });
});

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateCharter } from '#domain/charter.ts';
import { createStatementBuilder } from '#domain/compute.ts';
import type { SettlementRecord } from '#domain/records.ts';
import { serializeStatement } from '#domain/statement.ts';

const validation = validateCharter(JSON.parse(readFileSync('demo/acme/charter.json', 'utf8')));
if (!validation.ok) throw new Error('demo charter invalid');
const charter = validation.charter;
const options = { period: '2026-10', asOf: '2026-11-05', revision: 0 };

const task = (source: 'jira' | 'csv', key: string, done: boolean, day: string): SettlementRecord => ({
  kind: 'task',
  source,
  sourceId: `${source}-${key}`,
  projectRef: 'atlas',
  key,
  status: done ? 'Done' : 'In Progress',
  done,
  points: 3,
  ...(done ? { resolvedAt: `2026-10-${day}T12:00:00Z` } : {}),
  summary: `Issue ${key}`,
});

// The tasks the demo's confirmed clause mappings name, some from two sources that disagree, plus
// the acceptance and a little time and cost.
const records: SettlementRecord[] = [
  task('jira', 'ATL-11', true, '09'),
  task('csv', 'ATL-11', false, '09'),
  task('jira', 'ATL-14', true, '14'),
  task('jira', 'ATL-21', true, '28'),
  task('csv', 'ATL-21', true, '27'),
  task('jira', 'ATL-23', false, '01'),
  task('jira', 'ATL-9', true, '30'),
  task('jira', 'ATL-99', true, '02'),
  {
    kind: 'evidence',
    source: 'csv',
    sourceId: 'acc-1',
    projectRef: 'atlas',
    type: 'acceptance',
    milestone: 'm1-discovery',
    date: '2026-10-16',
    reference: 'acceptance/2026-10-16-m1-discovery-signed.pdf',
  },
  {
    kind: 'time',
    source: 'toggl',
    sourceId: 't1',
    projectRef: 'atlas',
    person: charter.people[0]?.id ?? 'nobody',
    start: '2026-10-05T09:00:00+02:00',
    seconds: 3600,
    billable: true,
    billableSeconds: 3600,
  },
  {
    kind: 'cost',
    source: 'csv',
    sourceId: 'c1',
    projectRef: 'atlas',
    category: 'materials',
    amount: '120.50',
    currency: 'EUR',
    date: '2026-10-07',
    vendor: 'Vendor',
  },
];

function statementOf(parts: readonly (readonly SettlementRecord[])[]): string {
  const [first = [], ...rest] = parts;
  const builder = createStatementBuilder(charter, options);
  for (const record of first) builder.add(record);
  for (const part of rest) {
    const other = createStatementBuilder(charter, options);
    for (const record of part) other.add(record);
    builder.absorb(other.export());
  }
  return serializeStatement(builder.finish());
}

describe('statement builders merged through export and absorb', () => {
  it('give the statement one builder gives, clause coverage included, however the records are split', () => {
    const whole = statementOf([records]);
    expect(JSON.parse(whole).clauses.find((c: { id: string }) => c.id === '3.1').status).toBe('fulfilled');
    fc.assert(
      fc.property(fc.array(fc.nat(2), { minLength: records.length, maxLength: records.length }), (owner) => {
        const parts: SettlementRecord[][] = [[], [], []];
        records.forEach((record, i) => {
          parts[owner[i] ?? 0]?.push(record);
        });
        expect(statementOf(parts)).toBe(whole);
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import type { SourceName } from '#domain/records.ts';

/**
 * Property: whatever the input, normalisation never throws, and every input item is either a record,
 * quarantined, or a duplicate of an item already kept (count in = records + quarantined + duplicates).
 */

const cellText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    '',
    'Yes',
    'No',
    '2026-10-05',
    '10/05/2026',
    '09:00:00',
    '01:30:00',
    '-5',
    '1,234.50',
    'PT2H',
    '"',
    '\r\n',
    'é',
  ),
);

function toCsvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const togglHeader = ['Email', 'Project', 'Description', 'Billable', 'Start date', 'Start time', 'Duration'];

const csvSources: { source: SourceName; header: string[]; options: Record<string, unknown> }[] = [
  { source: 'toggl', header: togglHeader, options: { tz: 'Europe/Berlin', projectRef: 'p' } },
  {
    source: 'clockify',
    header: ['Email', 'Project', 'Billable', 'Start Date', 'Start Time', 'Duration (h)'],
    options: { projectRef: 'p' },
  },
  {
    source: 'csv',
    header: ['id', 'date', 'amount', 'currency', 'vendor'],
    options: { profile: 'overhead', projectRef: 'p' },
  },
  {
    source: 'csv',
    header: ['date', 'worker', 'hours', 'start time'],
    options: { profile: 'site-daily-log', projectRef: 'p' },
  },
  {
    source: 'csv',
    header: ['milestone', 'date', 'reference', 'score'],
    options: { profile: 'acceptance', projectRef: 'p' },
  },
  { source: 'csv', header: ['date', 'score', 'respondent'], options: { profile: 'nps', projectRef: 'p' } },
];

describe('fuzzing the normalisers', () => {
  it('accounts for every CSV row and never crashes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...csvSources),
        fc.array(fc.array(cellText, { minLength: 1, maxLength: 8 }), { maxLength: 12 }),
        fc.boolean(),
        fc.boolean(),
        async ({ source, header, options }, rows, bom, crlf) => {
          const eol = crlf ? '\r\n' : '\n';
          // Rows made only of empty cells are not items (exporters write blank lines).
          const items = rows.filter((row) => row.some((c) => c.trim() !== ''));
          const text = `${bom ? '\ufeff' : ''}${[header, ...rows].map((r) => r.map(toCsvField).join(',')).join(eol)}${eol}`;
          const result = await normalizeFile(source, new TextEncoder().encode(text), options);
          expect(result.records.length + result.quarantined.length + result.duplicates).toBe(items.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never crashes on arbitrary bytes and quarantines what it cannot read', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<SourceName>(
          'toggl',
          'clockify',
          'tempo',
          'jira',
          'quickbooks',
          'sap',
          'aws-cost-explorer',
          'azure-cost',
        ),
        fc.oneof(fc.string(), fc.json()),
        async (source, text) => {
          const result = await normalizeFile(source, new TextEncoder().encode(text), { projectRef: 'p' });
          for (const item of result.quarantined) expect(item.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  const anyValue = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
  );

  it('accounts for every Toggl API entry', async () => {
    const entry = fc.record(
      {
        id: fc.oneof(fc.integer({ min: 1, max: 50 }), anyValue),
        duration: fc.oneof(fc.integer({ min: -5, max: 100_000 }), anyValue),
        start: fc.oneof(fc.constant('2026-10-05T07:00:00+00:00'), anyValue),
        billable: anyValue,
        project_name: anyValue,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(entry, anyValue), { maxLength: 15 }), async (entries) => {
        const result = await normalizeFile('toggl', new TextEncoder().encode(JSON.stringify(entries)), {
          projectRef: 'p',
        });
        expect(result.records.length + result.quarantined.length + result.duplicates).toBe(entries.length);
      }),
      { numRuns: 150 },
    );
  });

  it('accounts for every Cost Explorer group and Azure row', async () => {
    const group = fc.record({
      Keys: fc.array(fc.constantFrom('project$', 'project$atlas', 'project$Atlas', 'x'), { maxLength: 2 }),
      Metrics: fc.record({
        NetAmortizedCost: fc.record({
          Amount: fc.oneof(fc.constant('-1.5000000001'), fc.string({ maxLength: 6 })),
          Unit: fc.constantFrom('USD', 'usd'),
        }),
      }),
    });
    const row = fc.tuple(
      fc.oneof(fc.double({ noNaN: false }), anyValue),
      fc.oneof(fc.constant(20261001), anyValue),
      fc.constantFrom('project', ''),
      fc.constantFrom('atlas', 'ATLAS', ''),
      fc.constantFrom('EUR', ''),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(group, { maxLength: 8 }),
        fc.array(row, { maxLength: 8 }),
        async (groups, rows) => {
          const ce = {
            ResultsByTime: [{ TimePeriod: { Start: '2026-10-01', End: '2026-11-01' }, Groups: groups }],
          };
          const ceResult = await normalizeFile(
            'aws-cost-explorer',
            new TextEncoder().encode(JSON.stringify(ce)),
            { projectRef: 'p' },
          );
          expect(ceResult.records.length + ceResult.quarantined.length + ceResult.duplicates).toBe(
            groups.length,
          );
          const az = {
            properties: {
              columns: [
                { name: 'Cost' },
                { name: 'UsageDate' },
                { name: 'TagKey' },
                { name: 'TagValue' },
                { name: 'Currency' },
              ],
              rows,
            },
          };
          const azResult = await normalizeFile('azure-cost', new TextEncoder().encode(JSON.stringify(az)), {
            projectRef: 'p',
          });
          expect(azResult.records.length + azResult.quarantined.length + azResult.duplicates).toBe(
            rows.length,
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import type { TimeRecord } from '#domain/records.ts';
import { fixture } from './helpers.ts';

describe('clockify', () => {
  it('reads ISO-8601 durations from API v1 and quarantines the running timer', async () => {
    const result = await normalizeFile('clockify', fixture('clockify/time-entries-v1.json'), {
      projectMap: { 'Atlas customer portal': 'atlas' },
      people: { '5f1e0a': 'anna.schmidt@acme.example' },
    });
    expect((result.records as TimeRecord[]).map((r) => r.seconds)).toEqual([9900, 1830, 28_800]);
    expect(result.records[0]).toMatchObject({
      projectRef: 'atlas',
      person: 'anna.schmidt@acme.example',
      start: '2026-10-05T07:00:00Z',
    });
    expect(result.records[1]).toMatchObject({
      person: 'clockify-user-5f1e0b',
      billable: false,
      billableSeconds: 0,
    });
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]).toMatchObject({ reason: 'running-timer', position: 'item 4' });
  });

  it('reads the detailed CSV export with US dates and 12-hour times in the exporter zone', async () => {
    const result = await normalizeFile('clockify', fixture('clockify/detailed-report.csv'), {
      tz: 'Europe/Berlin',
      dateOrder: 'MDY',
      projectRef: 'atlas',
    });
    expect(result.quarantined).toEqual([]);
    expect((result.records as TimeRecord[]).map((r) => [r.start, r.seconds])).toEqual([
      ['2026-10-05T07:00:00Z', 9900],
      ['2026-10-06T12:00:00Z', 1830],
      ['2026-10-07T06:00:00Z', 28_800],
    ]);
  });

  it('gives the CSV export and the API the same total seconds', async () => {
    const sum = (records: unknown[]) => (records as TimeRecord[]).reduce((s, r) => s + r.seconds, 0);
    const csv = await normalizeFile('clockify', fixture('clockify/detailed-report.csv'), {
      tz: 'Europe/Berlin',
      dateOrder: 'MDY',
      projectRef: 'atlas',
    });
    const api = await normalizeFile('clockify', fixture('clockify/time-entries-v1.json'), {
      projectRef: 'atlas',
    });
    expect(sum(csv.records)).toBe(sum(api.records));
  });
});

describe('clockify date order', () => {
  const header =
    'Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,Start Time,End Date,End Time,Duration (h),Duration (decimal)';
  const row = (start: string, end: string, from: string, to: string, hours: string, decimal: string) =>
    `Atlas,Northwind,Work,,Anna,,anna@acme.example,,Yes,${start},${from},${end},${to},${hours},${decimal}`;
  const csv = (...rows: string[]) => new TextEncoder().encode(`${[header, ...rows].join('\n')}\n`);

  it('reads a day-first export once one day is above 12, and says so', async () => {
    const result = await normalizeFile(
      'clockify',
      csv(
        row('05/10/2026', '05/10/2026', '09:00', '17:00', '08:00:00', '8.00'),
        row('06/10/2026', '06/10/2026', '13:00', '14:30', '01:30:00', '1.50'),
        row('25/10/2026', '25/10/2026', '10:00', '12:00', '02:00:00', '2.00'),
      ),
      { tz: 'UTC', projectRef: 'atlas' },
    );
    expect(result.quarantined).toEqual([]);
    expect((result.records as TimeRecord[]).map((r) => r.start)).toEqual([
      '2026-10-05T09:00:00Z',
      '2026-10-06T13:00:00Z',
      '2026-10-25T10:00:00Z',
    ]);
    // 8 h + 1.5 h + 2 h = 11.5 h = 41 400 s: nothing moved to May or June, nothing lost.
    expect((result.records as TimeRecord[]).reduce((s, r) => s + r.seconds, 0)).toBe(41_400);
    expect(result.notes.join('\n')).toContain('dates read day first (DMY), as 25/10/2026 shows');
  });

  it('refuses a file whose dates could be either order, naming the option, and reads it once told', async () => {
    const file = csv(
      row('05/10/2026', '05/10/2026', '9:00 AM', '5:00 PM', '08:00:00', '8.00'),
      row('06/10/2026', '06/10/2026', '1:00 PM', '2:30 PM', '01:30:00', '1.50'),
    );
    const refused = await normalizeFile('clockify', file, { tz: 'UTC', projectRef: 'atlas' });
    expect(refused.records).toEqual([]);
    expect(refused.quarantined.map((q) => q.reason)).toEqual([
      'ambiguous-date-order',
      'ambiguous-date-order',
    ]);
    expect(refused.quarantined[0]?.message).toContain('--option dateOrder=DMY');
    const told = await normalizeFile('clockify', file, { tz: 'UTC', projectRef: 'atlas', dateOrder: 'DMY' });
    expect((told.records as TimeRecord[]).map((r) => r.start)).toEqual([
      '2026-10-05T09:00:00Z',
      '2026-10-06T13:00:00Z',
    ]);
  });

  it('refuses a file that mixes day-first and month-first dates', async () => {
    const result = await normalizeFile(
      'clockify',
      csv(
        row('25/10/2026', '25/10/2026', '09:00', '10:00', '01:00:00', '1.00'),
        row('10/26/2026', '10/26/2026', '09:00', '10:00', '01:00:00', '1.00'),
      ),
      { projectRef: 'atlas' },
    );
    expect(result.records).toEqual([]);
    expect(result.quarantined[0]?.message).toContain(
      'mixes day-first and month-first dates (25/10/2026, 10/26/2026)',
    );
  });

  it('reads the other formats the workspace settings offer: DD.MM.YYYY, YYYY/MM/DD, DD-MM-YYYY', async () => {
    const result = await normalizeFile(
      'clockify',
      csv(
        row('05.10.2026', '05.10.2026', '09:00', '10:00', '01:00:00', '1.00'),
        row('2026/10/06', '2026/10/06', '09:00', '10:00', '01:00:00', '1.00'),
        row('27-10-2026', '27-10-2026', '09:00', '10:00', '01:00:00', '1.00'),
      ),
      { projectRef: 'atlas' },
    );
    expect((result.records as TimeRecord[]).map((r) => r.start.slice(0, 10))).toEqual([
      '2026-10-05',
      '2026-10-06',
      '2026-10-27',
    ]);
  });

  it('quarantines a row whose end is before its start', async () => {
    const result = await normalizeFile(
      'clockify',
      csv(
        row('10/20/2026', '10/20/2026', '3:00 PM', '1:00 PM', '02:00:00', '2.00'),
        row('10/21/2026', '10/21/2026', '1:00 PM', '3:00 PM', '02:00:00', '2.00'),
      ),
      { projectRef: 'atlas' },
    );
    expect(result.records).toHaveLength(1);
    expect(result.quarantined).toMatchObject([{ reason: 'end-before-start', position: 'line 2' }]);
  });
});

describe('clockify reports API', () => {
  it('reads a saved detailed report (seconds, offsets, emails) and quarantines the running entry', async () => {
    const result = await normalizeFile('clockify', fixture('clockify/detailed-report.json'), {
      projectMap: { 'Atlas customer portal': 'atlas' },
    });
    const records = result.records as TimeRecord[];
    expect(records.map((r) => [r.sourceId, r.start, r.seconds, r.person])).toEqual([
      ['66f1a0c2e4b0a1b2c3d4e501', '2026-10-05T07:00:00Z', 9900, 'anna.schmidt@acme.example'],
      ['66f1a0c2e4b0a1b2c3d4e502', '2026-10-06T12:00:00Z', 1830, 'ben.weber@acme.example'],
      ['66f1a0c2e4b0a1b2c3d4e503', '2026-10-07T06:00:00Z', 28_800, 'anna.schmidt@acme.example'],
    ]);
    expect(result.quarantined.map((q) => q.reason)).toEqual(['running-timer']);
  });

  it('quarantines an entry whose end is before its start', async () => {
    const report = {
      totals: [],
      timeentries: [
        {
          _id: 'e1',
          projectName: 'Atlas',
          billable: true,
          timeInterval: {
            start: '2026-10-05T11:00:00+02:00',
            end: '2026-10-05T09:00:00+02:00',
            duration: 7200,
          },
        },
      ],
    };
    const result = await normalizeFile('clockify', new TextEncoder().encode(JSON.stringify(report)), {});
    expect(result.records).toEqual([]);
    expect(result.quarantined[0]).toMatchObject({ reason: 'end-before-start' });
    expect(result.quarantined[0]?.message).toContain('`timeInterval.end` (2026-10-05T07:00:00Z) is before');
  });
});

describe('clockify on recorded API responses (go-clockify probe log)', () => {
  // One entry recorded from the live API, once by `GET /workspaces/{ws}/time-entries/{id}` and once by
  // `GET /workspaces/{ws}/user/{user}/time-entries`. By hand: 06:00Z → 14:00Z is 8 h = 28 800 s, and
  // the duration field says PT8H; `billable: false` leaves no billable time; hourlyRate 0 and
  // costRate 40 (cents) are the vendor's rates, which the charter's rate cards replace.
  const expected = {
    source: 'clockify',
    kind: 'time',
    sourceId: '<redacted-id:e8d7cba051>',
    projectRef: 'probe-project',
    person: 'clockify-user-...',
    start: '2026-05-20T06:00:00Z',
    seconds: 8 * 3600,
    billable: false,
    billableSeconds: 0,
  };

  it.each([
    ['the single-entry response', 'real/clockify/go-clockify-probe-get-time-entry.json'],
    ['the user time-entries list', 'real/clockify/go-clockify-probe-list-user-time-entries.json'],
  ])('reads %s: one 8-hour non-billable entry, nothing quarantined', async (_label, file) => {
    const result = await normalizeFile('clockify', fixture(file), { projectMap: { '...': 'probe-project' } });
    expect(result.records).toEqual([expected]);
    expect(result.quarantined).toEqual([]);
  });

  it('without a project map keeps the vendor project id (here redacted to "...") as the projectRef', async () => {
    const result = await normalizeFile(
      'clockify',
      fixture('real/clockify/go-clockify-probe-list-user-time-entries.json'),
      {},
    );
    expect(result.records).toEqual([{ ...expected, projectRef: '...' }]);
  });
});

describe('clockify on a real shared-report CSV export (ClockifyExport test input, January 2024)', () => {
  const file = 'real/clockify/clockifyexport-shared-report-january-2024.csv';
  // Worked out from the file, row by row: 99 rows over 21 days (2024-01-03 … 2024-01-31), no
  // duplicate rows; the `Time (h)` cells add up to 279 183 s = 77 h 33 min 03 s (the rounded
  // `Time (decimal)` column adds up to 77.5505 h). By project: A 64 967 s, B 115 990 s,
  // C 66 463 s, D 31 763 s.
  const byProject = { A: 64_967, B: 115_990, C: 66_463, D: 31_763 };

  it('reads every row (a date without a start time) with the hours of the file, nothing quarantined', async () => {
    const result = await normalizeFile('clockify', fixture(file), {
      tz: 'Europe/Ljubljana',
      person: 'damir@example.com',
      projectMap: { 'Project A': 'a', 'Project B': 'b', 'Project C': 'c', 'Project D': 'd' },
    });
    const records = result.records as TimeRecord[];
    expect(result.quarantined).toEqual([]);
    expect(records).toHaveLength(99);
    expect(records.reduce((sum, r) => sum + r.seconds, 0)).toBe(279_183);
    const total = (ref: string) =>
      records.filter((r) => r.projectRef === ref).reduce((sum, r) => sum + r.seconds, 0);
    expect([total('a'), total('b'), total('c'), total('d')]).toEqual([
      byProject.A,
      byProject.B,
      byProject.C,
      byProject.D,
    ]);
    expect(new Set(records.map((r) => r.sourceId)).size).toBe(99);
    // Noon in Ljubljana in January (UTC+1) is 11:00 UTC, on the row's own date.
    expect(records[0]).toMatchObject({
      start: '2024-01-03T11:00:00Z',
      seconds: 38 * 60 + 20,
      person: 'damir@example.com',
      description: 'Lorem ipsum dolor sit amet',
      billable: false,
    });
    expect(records.at(-1)?.start).toBe('2024-01-31T11:00:00Z');
    expect(new Set(records.map((r) => r.start.slice(0, 10))).size).toBe(21);
    expect(result.notes.join('\n')).toContain('99 row(s) give a `Date` but no start time');
  });

  it('without a project map keeps the Clockify project names as projectRefs', async () => {
    const result = await normalizeFile('clockify', fixture(file), {
      tz: 'Europe/Ljubljana',
      person: 'damir@example.com',
    });
    const refs = [...new Set((result.records as TimeRecord[]).map((r) => r.projectRef))].sort();
    expect(refs).toEqual(['Project A', 'Project B', 'Project C', 'Project D']);
  });

  it('without the person option quarantines every row as missing-person, naming the option', async () => {
    const result = await normalizeFile('clockify', fixture(file), { tz: 'Europe/Ljubljana' });
    expect(result.records).toEqual([]);
    expect(result.quarantined).toHaveLength(99);
    expect(new Set(result.quarantined.map((q) => q.reason))).toEqual(new Set(['missing-person']));
    expect(result.quarantined[0]?.message).toContain('--option person=');
  });
});

describe('clockify on a real Reports API detailed report (proCAT test data)', () => {
  const file = 'real/clockify/procat-reports-detailed-one-entry.json';
  // By hand: 06:19:41 → 07:30:41 at +01:00 is 1 h 11 min = 4 260 s, the `duration` the report gives;
  // the start is 05:19:41 UTC (the entry's id, a Mongo ObjectId, encodes that same second).
  it('reads the { timeentries } response (no totals block) with durations in seconds and the offset start', async () => {
    const result = await normalizeFile('clockify', fixture(file), {
      projectMap: { '6694bb8babec074beb0731cb': 'procat' },
      people: { '5e57c79e0121f031bdc4be8d': 'rse@imperial.example' },
    });
    expect(result.quarantined).toEqual([]);
    expect(result.records).toEqual([
      {
        source: 'clockify',
        kind: 'time',
        sourceId: '670763ed716e763b41ba5665',
        projectRef: 'procat',
        person: 'rse@imperial.example',
        start: '2024-10-10T05:19:41Z',
        seconds: 4260,
        billable: true,
        billableSeconds: 4260,
      },
    ]);
  });

  it('without maps keeps the Clockify project and user ids, and the end agrees with the duration', async () => {
    const result = await normalizeFile('clockify', fixture(file), {});
    const [record] = result.records as TimeRecord[];
    expect(record).toMatchObject({
      projectRef: '6694bb8babec074beb0731cb',
      person: 'clockify-user-5e57c79e0121f031bdc4be8d',
    });
    expect(Date.parse('2024-10-10T07:30:41+01:00') - Date.parse(record?.start ?? '')).toBe(4260 * 1000);
  });
});

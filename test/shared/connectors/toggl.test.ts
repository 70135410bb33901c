import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import type { TimeRecord } from '#domain/records.ts';
import { demoFile, fixture } from './helpers.ts';

const totalSeconds = (records: unknown[]) => (records as TimeRecord[]).reduce((sum, r) => sum + r.seconds, 0);

describe('toggl', () => {
  it('normalises API v9 time entries and quarantines the running timer with a clear reason', async () => {
    const result = await normalizeFile('toggl', fixture('toggl/time-entries-v9.json'), {
      projectRef: 'atlas',
    });
    expect(result.records).toHaveLength(6);
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]).toMatchObject({
      source: 'toggl',
      reason: 'running-timer',
      position: 'item 7',
    });
    expect(result.quarantined[0]?.message).toContain('`duration`');
    expect(result.records[0]).toMatchObject({
      kind: 'time',
      source: 'toggl',
      sourceId: '4101',
      projectRef: 'atlas',
      start: '2026-10-05T07:00:00Z',
      seconds: 8100,
      billable: true,
      billableSeconds: 8100,
    });
    expect(result.records[2]).toMatchObject({ billable: false, billableSeconds: 0 });
  });

  it('reads the detailed CSV export (BOM, CRLF, quoted commas) in the exporter time zone across DST', async () => {
    const result = await normalizeFile('toggl', fixture('toggl/detailed-report.csv'), {
      tz: 'Europe/Berlin',
      projectRef: 'atlas',
    });
    expect(result.quarantined).toEqual([]);
    const starts = (result.records as TimeRecord[]).map((r) => r.start);
    expect(starts).toEqual([
      '2026-10-05T07:00:00Z',
      '2026-10-05T11:30:00Z',
      '2026-10-06T06:00:00Z',
      '2026-10-24T23:30:00Z',
      '2026-10-25T00:30:00Z',
      '2026-10-26T09:00:00Z',
    ]);
    expect(result.records[0]).toMatchObject({
      person: 'anna.schmidt@acme.example',
      description: 'Checkout API: payment intents',
    });
    expect(result.records[5]).toMatchObject({
      description: 'Steering committee, budget review',
      seconds: 14_400,
    });
  });

  it('gives the CSV export and the API response for the same entries the same total seconds', async () => {
    const csv = await normalizeFile('toggl', fixture('toggl/detailed-report.csv'), {
      tz: 'Europe/Berlin',
      projectRef: 'atlas',
    });
    const api = await normalizeFile('toggl', fixture('toggl/time-entries-v9.json'), { projectRef: 'atlas' });
    expect(totalSeconds(csv.records)).toBe(43_220);
    expect(totalSeconds(api.records)).toBe(totalSeconds(csv.records));
    expect((csv.records as TimeRecord[]).map((r) => r.start)).toEqual(
      (api.records as TimeRecord[]).map((r) => r.start),
    );
  });

  it('maps the Toggl project name to a projectRef through projectMap', async () => {
    const result = await normalizeFile('toggl', demoFile('toggl-detailed-2026-10.csv'), {
      tz: 'Europe/Berlin',
      projectMap: { 'Atlas customer portal': 'atlas' },
    });
    expect(result.quarantined).toEqual([]);
    expect(new Set(result.records.map((r) => r.projectRef))).toEqual(new Set(['atlas']));
  });

  it('keeps the Toggl project as projectRef when neither the map nor a fallback names one', async () => {
    const result = await normalizeFile('toggl', fixture('toggl/time-entries-v9.json'), {
      projectMap: { Other: 'x' },
    });
    expect(result.records).toHaveLength(6);
    expect(new Set(result.records.map((r) => r.projectRef))).toEqual(new Set(['Atlas customer portal']));
    expect(result.quarantined.filter((q) => q.reason === 'missing-project')).toEqual([]);
  });

  it('normalises the demo export: 213 entries including the DST-night on-call', async () => {
    const result = await normalizeFile('toggl', demoFile('toggl-detailed-2026-10.csv'), {
      tz: 'Europe/Berlin',
      projectRef: 'atlas',
    });
    expect(result.records).toHaveLength(213);
    expect(result.quarantined).toEqual([]);
    const onCall = (result.records as TimeRecord[]).find((r) => r.start === '2026-10-24T23:30:00Z');
    expect(onCall).toMatchObject({ seconds: 10_800, person: 'ben.weber@acme.example' });
    expect(result.records.some((r) => r.kind === 'time' && !r.billable)).toBe(true);
  });

  it('rejects a time zone that is not IANA', async () => {
    await expect(
      normalizeFile('toggl', fixture('toggl/detailed-report.csv'), { tz: 'Mars/Olympus' }),
    ).rejects.toThrow(/IANA/);
  });

  it('quarantines rows with an unreadable duration or start and names the field', async () => {
    const csv =
      'Email,Project,Billable,Start date,Start time,Duration\na@x.example,P,Yes,2026-10-05,09:00:00,soon\nb@x.example,P,Yes,yesterday,09:00:00,01:00:00\n';
    const result = await normalizeFile('toggl', new TextEncoder().encode(csv), { projectRef: 'p' });
    expect(result.quarantined.map((q) => [q.reason, q.position])).toEqual([
      ['invalid-duration', 'line 2'],
      ['invalid-start', 'line 3'],
    ]);
    expect(result.quarantined[0]?.message).toContain('`Duration`');
    expect(result.notes.join(' ')).toContain('no tz option');
  });
});

describe('toggl API responses recorded in another client library (toggl-python tests)', () => {
  it('reads a real API v9 entry without project through the projectRef fallback', async () => {
    const result = await normalizeFile(
      'toggl',
      fixture('real/toggl/toggl-python-me-time-entry-with-meta-v9.json'),
      { projectRef: 'internal' },
    );
    // 12:28:33 → 12:28:55 UTC: duration 22 s, not billable.
    expect(result.records).toMatchObject([
      {
        sourceId: '3544298808',
        projectRef: 'internal',
        start: '2024-07-29T12:28:33Z',
        seconds: 22,
        billable: false,
      },
    ]);
    expect(result.quarantined).toEqual([]);
  });

  it('reads a real Reports API v3 detailed row: the entry inside it, its offset applied', async () => {
    const result = await normalizeFile(
      'toggl',
      fixture('real/toggl/toggl-python-reports-v3-search-row.json'),
      {
        projectMap: { '202793182': 'sample' },
      },
    );
    // 11:13:46+03:00 → 11:14:38+03:00: 52 s from 08:13:46Z.
    expect(result.records).toMatchObject([
      {
        sourceId: '3545645770',
        projectRef: 'sample',
        start: '2024-07-30T08:13:46Z',
        seconds: 52,
        billable: false,
      },
    ]);
    expect(totalSeconds(result.records)).toBe(52);
  });
});

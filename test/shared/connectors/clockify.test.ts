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

import { describe, expect, it } from 'vitest';
import { Charter } from '#domain/charter.ts';
import { computeStatement, createStatementBuilder } from '#domain/compute.ts';
import { isDatedIn, recordDay } from '#domain/late-edits.ts';
import { dayOfIn, TimeZone } from '#domain/time-zone.ts';
import { charterWith, time } from './fixtures.ts';

describe('local day of an instant', () => {
  it('counts UTC dates by default, whatever offset the text is written in', () => {
    const day = dayOfIn(undefined);
    expect(day('2026-10-31T23:30:00Z')).toBe('2026-10-31');
    expect(day('2026-11-01T00:30:00+01:00')).toBe('2026-10-31');
    expect(day('2026-10-31T23:30:00-02:00')).toBe('2026-11-01');
  });

  it('gives the local date in a zone, across midnight and the daylight-saving switches', () => {
    const berlin = dayOfIn('Europe/Berlin');
    expect(berlin('2026-10-31T22:59:59Z')).toBe('2026-10-31'); // 23:59:59 CET
    expect(berlin('2026-10-31T23:00:00Z')).toBe('2026-11-01'); // 00:00 CET
    // Summer time (UTC+2) ends on 25 October 2026 at 01:00 UTC.
    expect(berlin('2026-10-24T21:59:00Z')).toBe('2026-10-24');
    expect(berlin('2026-10-24T22:00:00Z')).toBe('2026-10-25');
    expect(berlin('2026-10-25T00:30:00Z')).toBe('2026-10-25');
    // Summer time starts on 29 March 2026 at 01:00 UTC; 31 March 22:00 UTC is already 1 April.
    expect(berlin('2026-03-31T21:59:00Z')).toBe('2026-03-31');
    expect(berlin('2026-03-31T22:00:00Z')).toBe('2026-04-01');
    expect(berlin('2026-03-31T22:00:00+00:00')).toBe('2026-04-01');
  });

  it('handles zones whose offset is not whole hours and zones west of UTC', () => {
    const kolkata = dayOfIn('Asia/Kolkata'); // UTC+5:30
    expect(kolkata('2026-10-31T18:29:00Z')).toBe('2026-10-31');
    expect(kolkata('2026-10-31T18:30:00Z')).toBe('2026-11-01');
    const newYork = dayOfIn('America/New_York');
    expect(newYork('2026-11-01T03:59:00Z')).toBe('2026-10-31'); // 23:59 EDT
    expect(newYork('2026-11-01T04:00:00Z')).toBe('2026-11-01');
    // Lord Howe: +11 in summer, +10:30 from 5 April 2026 (a 30-minute switch at 15:00 UTC on the 4th).
    const lordHowe = dayOfIn('Australia/Lord_Howe');
    expect(lordHowe('2026-04-04T12:59:00Z')).toBe('2026-04-04'); // 23:59 at +11
    expect(lordHowe('2026-04-04T13:00:00Z')).toBe('2026-04-05'); // 00:00 at +11
    expect(lordHowe('2026-04-05T13:29:00Z')).toBe('2026-04-05'); // 23:59 at +10:30
    expect(lordHowe('2026-04-05T13:30:00Z')).toBe('2026-04-06'); // 00:00 at +10:30
  });

  it('refuses a name that is not a time zone, naming it', () => {
    expect(TimeZone.safeParse('Europe/Berlin').success).toBe(true);
    const bad = TimeZone.safeParse('Europe/Berlinn');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toContain('"Europe/Berlinn" is not an IANA time zone');
    expect(() => Charter.parse({ ...charterWith(), timeZone: 'CEST+2' })).toThrow(/is not an IANA time zone/);
  });
});

describe('a project that counts its days in its own zone', () => {
  const H = 3600;
  const rateCards = [
    { role: 'engineer', currency: 'EUR', costRate: '50', billRate: '100', effectiveFrom: '2026-01-01' },
  ];
  const people = [{ id: 'anna', name: 'Anna', role: 'engineer' }];
  // 00:30 on 1 November in Berlin, still 31 October in UTC.
  const records = [time('anna', '2026-10-31T23:30:00Z', 2 * H), time('anna', '2026-10-15T09:00:00Z', H)];
  const hours = (timeZone: string | undefined, period: string) => {
    const charter = charterWith({ rateCards, people, ...(timeZone ? { timeZone } : {}) });
    const s = computeStatement({ charter, records, period, asOf: '2026-11-30', revision: 0, quarantine: [] });
    return { hours: s.hours.workedSeconds / H, outside: s.records.outsidePeriod };
  };

  it('puts the entry in November in Berlin and in October in UTC, never in both', () => {
    expect(hours('Europe/Berlin', '2026-11')).toEqual({ hours: 2, outside: 1 });
    expect(hours('Europe/Berlin', '2026-10')).toEqual({ hours: 1, outside: 1 });
    expect(hours(undefined, '2026-10')).toEqual({ hours: 3, outside: 0 });
    expect(hours(undefined, '2026-11')).toEqual({ hours: 0, outside: 2 });
  });

  it("ignores the reader's UTC day when the project counts in another zone", () => {
    const charter = charterWith({ rateCards, people, timeZone: 'Europe/Berlin' });
    const builder = createStatementBuilder(charter, { period: '2026-11', asOf: '2026-11-30', revision: 0 });
    builder.addTime({
      projectRef: 'p1',
      person: 'anna',
      start: '2026-10-31T23:30:00Z',
      day: '2026-10-31',
      seconds: 2 * H,
      billable: true,
      billableSeconds: 2 * H,
    });
    expect(builder.finish().hours.workedSeconds).toBe(2 * H);
  });

  it('late edits and the period baseline place the entry on the same day as the engine', () => {
    const [entry] = records;
    if (!entry) throw new Error('no entry');
    expect(recordDay(entry, 'Europe/Berlin')).toBe('2026-11-01');
    expect(recordDay(entry)).toBe('2026-10-31');
    const november = { from: '2026-11-01', to: '2026-12-01' };
    expect(isDatedIn(entry, november, 'Europe/Berlin')).toBe(true);
    expect(isDatedIn(entry, november)).toBe(false);
  });
});

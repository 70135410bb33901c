import { describe, expect, it } from 'vitest';
import {
  centsToDecimal,
  parseClockDuration,
  parseDate,
  parseDecimal,
  parseInstant,
  parseIsoDuration,
  parseODataDate,
  roundFloat,
  toIsoUtc,
  zonedToEpoch,
} from '#connectors/values.ts';

const berlin = (date: string, time: [number, number, number]) =>
  toIsoUtc(zonedToEpoch(date, time, 'Europe/Berlin'));

describe('wall-clock times in an IANA zone', () => {
  it('converts summer and winter times in Berlin with their own offsets', () => {
    expect(berlin('2026-10-05', [9, 0, 0])).toBe('2026-10-05T07:00:00Z');
    expect(berlin('2026-10-26', [10, 0, 0])).toBe('2026-10-26T09:00:00Z');
  });

  it('resolves the repeated hour when clocks go back to its first occurrence', () => {
    expect(berlin('2026-10-25', [2, 30, 0])).toBe('2026-10-25T00:30:00Z');
    expect(berlin('2026-10-25', [3, 0, 0])).toBe('2026-10-25T02:00:00Z');
    expect(berlin('2026-10-25', [1, 59, 59])).toBe('2026-10-24T23:59:59Z');
  });

  it('moves a skipped time forward when clocks go forward', () => {
    expect(berlin('2026-03-29', [2, 30, 0])).toBe('2026-03-29T01:30:00Z');
  });

  it('handles zones west of UTC and UTC itself', () => {
    expect(toIsoUtc(zonedToEpoch('2026-11-01', [1, 30, 0], 'America/New_York'))).toBe('2026-11-01T05:30:00Z');
    expect(toIsoUtc(zonedToEpoch('2026-10-05', [9, 0, 0], 'UTC'))).toBe('2026-10-05T09:00:00Z');
  });
});

describe('durations', () => {
  it('reads ISO-8601 durations', () => {
    expect(parseIsoDuration('PT2H45M')).toBe(9900);
    expect(parseIsoDuration('PT30M30S')).toBe(1830);
    expect(parseIsoDuration('P1DT1H')).toBe(90_000);
    expect(parseIsoDuration('PT0.5H')).toBe(1800);
    expect(parseIsoDuration('PT')).toBeUndefined();
    expect(parseIsoDuration('2h')).toBeUndefined();
  });

  it('reads clock durations longer than a day and decimal hours', () => {
    expect(parseClockDuration('03:00:00')).toBe(10_800);
    expect(parseClockDuration('27:15:01')).toBe(98_101);
    expect(parseClockDuration('1.25')).toBe(4500);
    expect(parseClockDuration('1:75')).toBeUndefined();
  });
});

describe('money', () => {
  it('keeps decimal strings exact, however many decimals', () => {
    expect(parseDecimal('1843.2176543219')).toBe('1843.2176543219');
    expect(parseDecimal('-150.0000000000')).toBe('-150');
    expect(parseDecimal('0.0000004201')).toBe('0.0000004201');
    expect(parseDecimal('1,150.00', true)).toBe('1150');
    expect(parseDecimal('12,5')).toBeUndefined();
    expect(parseDecimal(Number.NaN)).toBeUndefined();
  });

  it('rounds float noise through the decimal text, half-even', () => {
    expect(roundFloat(12.340000000000002, 6)).toBe('12.34');
    expect(roundFloat(0.1 + 0.2, 6)).toBe('0.3');
    expect(roundFloat(1e-7, 6)).toBe('0');
    expect(roundFloat(2.5e-6, 5)).toBe('0');
    expect(roundFloat(3.5e-6, 5)).toBe('0');
    expect(roundFloat(0.0000035, 6)).toBe('0.000004');
  });

  it('turns integer cents into decimals', () => {
    expect(centsToDecimal(12000)).toBe('120');
    expect(centsToDecimal(9550)).toBe('95.5');
    expect(centsToDecimal(12.5)).toBeUndefined();
  });
});

describe('dates', () => {
  it('reads SAP OData dates', () => {
    expect(parseODataDate('/Date(1791763200000)/')).toBe('2026-10-12');
    expect(parseODataDate('/Date(1791763200000+0000)/')).toBe('2026-10-12');
    expect(parseODataDate('/Date(oops)/')).toBeUndefined();
  });

  it('reads an SAP date printed with an offset as its UTC day, and a plain date as written', () => {
    // 2016-07-02T00:00Z (an Edm.DateTime date) as a client in Tokyo or New York prints it.
    expect(parseODataDate('2016-07-02T09:00:00+09:00')).toBe('2016-07-02');
    expect(parseODataDate('2016-07-01T20:00:00-04:00')).toBe('2016-07-02');
    expect(parseODataDate('1998-02-01')).toBe('1998-02-01');
    expect(parseODataDate('2024-01-15T00:00:00')).toBe('2024-01-15');
    expect(parseODataDate('2016-02-30')).toBeUndefined();
  });

  it('reads Jira offsets without a colon', () => {
    expect(parseInstant('2026-10-14T16:02:11.000+0200')).toBe('2026-10-14T14:02:11Z');
    expect(parseInstant('2026-10-14T16:02:11Z')).toBe('2026-10-14T16:02:11Z');
    expect(parseInstant('2026-10-14T16:02:11')).toBeUndefined();
  });

  it('reads exporter date formats and rejects impossible dates', () => {
    expect(parseDate('10/05/2026')).toBe('2026-10-05');
    expect(parseDate('05/10/2026', true)).toBe('2026-10-05');
    expect(parseDate('05.10.2026')).toBe('2026-10-05');
    expect(parseDate('2026-02-30')).toBeUndefined();
  });
});

import { z } from 'zod';

/**
 * The project's time zone: an IANA name ("Europe/Berlin", "Asia/Shanghai"). A time entry belongs to
 * the local calendar day it starts on in this zone, so a Berlin team's entry at 00:30 on 1 November
 * counts in November, although it is still 31 October in UTC.
 */
export const TimeZone = z.string().refine(isValidTimeZone, {
  error: (issue) => `"${String(issue.input)}" is not an IANA time zone (e.g. "Europe/Berlin", "UTC")`,
});

const formatters = new Map<string, Intl.DateTimeFormat>();

/** True when `tz` is an IANA zone Intl knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    zoneFormatter(tz);
    return true;
  } catch {
    return false;
  }
}

function zoneFormatter(tz: string): Intl.DateTimeFormat {
  let formatter = formatters.get(tz);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, formatter);
  }
  return formatter;
}

/** Offset of `tz` from UTC at instant `epochMs`, in ms (Europe/Berlin in summer: +7 200 000). */
export function zoneOffsetMs(tz: string, epochMs: number): number {
  const parts: Record<string, number> = {};
  for (const part of zoneFormatter(tz).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** A function that gives an ISO instant's local calendar date (YYYY-MM-DD) in a zone. */
export type DayOf = (instant: string) => string;

const UTC_SUFFIX = /(?:Z|[+-]00:?00)$/;

/** UTC: the date the instant's text carries, when it is written in UTC; otherwise parsed. */
function utcDay(instant: string): string {
  if (UTC_SUFFIX.test(instant)) return instant.slice(0, 10);
  return new Date(Date.parse(instant)).toISOString().slice(0, 10);
}

const HOUR_MS = 3_600_000;

/**
 * Local calendar day of ISO instants in `timeZone` (UTC when undefined). The zone's offset is looked
 * up once per UTC hour and reused for every instant in that hour; an hour in which the offset changes
 * (a daylight-saving switch) is resolved instant by instant.
 */
export function dayOfIn(timeZone: string | undefined): DayOf {
  if (timeZone === undefined || timeZone === 'UTC' || timeZone === 'Etc/UTC') return utcDay;
  let dayOf = zones.get(timeZone);
  if (!dayOf) {
    dayOf = zoneDay(timeZone);
    zones.set(timeZone, dayOf);
  }
  return dayOf;
}

const zones = new Map<string, DayOf>();

function zoneDay(timeZone: string): DayOf {
  const offsetAt = (ms: number): number => zoneOffsetMs(timeZone, ms);
  // Per UTC hour: the offset when it holds the whole hour, or null when it changes within the hour.
  const byHour = new Map<number, number | null>();
  return (instant) => {
    const ms = Date.parse(instant);
    if (Number.isNaN(ms)) throw new RangeError(`"${instant}" is not an ISO instant`);
    const hour = Math.floor(ms / HOUR_MS) * HOUR_MS;
    let offset = byHour.get(hour);
    if (offset === undefined) {
      const start = offsetAt(hour);
      offset = start === offsetAt(hour + HOUR_MS - 1000) ? start : null;
      byHour.set(hour, offset);
    }
    return new Date(ms + (offset ?? offsetAt(ms))).toISOString().slice(0, 10);
  };
}

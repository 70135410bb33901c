import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { zoneOffsetMs } from '#domain/time-zone.ts';

/**
 * Value parsing shared by the normalisers: exact decimals (never binary floats for money), ISO-8601
 * and clock durations, vendor date formats, and local wall-clock times in an IANA zone converted to
 * instants with Intl only (correct across DST changes).
 */

/** High-precision Decimal for sums: amounts from Cost Explorer carry 10+ decimals. */
export const ExactDecimal = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN });

const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Parses a money/quantity value exactly into a canonical decimal string ("-12.5", "0.0000001").
 * Accepts decimal strings (with optional thousands separators "1,234.50" when `allowGrouping`) and
 * JSON numbers (taken at their shortest round-trip representation, which is what the source wrote
 * for any value below 15 significant digits). Returns undefined when the value is not a number.
 */
export function parseDecimal(value: unknown, allowGrouping = false): string | undefined {
  let textValue: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    textValue = String(value);
  } else if (typeof value === 'string') {
    textValue = value.trim();
    if (allowGrouping) textValue = textValue.replace(/,(?=\d{3}(\D|$))/g, '');
    if (!DECIMAL_TEXT.test(textValue) && !/^[+-]?\d+(\.\d+)?e[+-]?\d+$/i.test(textValue)) return undefined;
  } else {
    return undefined;
  }
  try {
    return canonicalDecimal(new ExactDecimal(textValue));
  } catch {
    return undefined;
  }
}

/** Decimal → "123.45" (no exponent, no trailing zeros, no "-0"). */
export function canonicalDecimal(value: Decimal): string {
  const out = value.toFixed();
  return out === '-0' ? '0' : out;
}

/**
 * A float with binary noise (Azure: 12.340000000000002) rounded half-even to `places` decimals via
 * its decimal text, never via float arithmetic.
 */
export function roundFloat(value: unknown, places: number): string | undefined {
  const exact = parseDecimal(value);
  if (exact === undefined) return undefined;
  return canonicalDecimal(new ExactDecimal(exact).toDecimalPlaces(places, Decimal.ROUND_HALF_EVEN));
}

/** Integer cents (Clockify rates) → decimal string. */
export function centsToDecimal(cents: unknown): string | undefined {
  if (typeof cents !== 'number' || !Number.isInteger(cents)) return undefined;
  return canonicalDecimal(new ExactDecimal(cents).dividedBy(100));
}

/** Negates a canonical decimal string. */
export function negateDecimal(value: string): string {
  return canonicalDecimal(new ExactDecimal(value).negated());
}

/** Multiplies two decimal strings exactly. */
export function multiplyDecimal(a: string, b: string): string {
  return canonicalDecimal(new ExactDecimal(a).times(b));
}

/** ISO-8601 duration (PT2H45M, P1DT30M, PT0.5H) → seconds (rounded to the second). */
export function parseIsoDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match =
    /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      value.trim(),
    );
  if (!match || value.trim() === 'P' || value.trim().endsWith('T')) return undefined;
  const [, d, h, m, s] = match;
  const total = new ExactDecimal(d ?? 0)
    .times(86_400)
    .plus(new ExactDecimal(h ?? 0).times(3600))
    .plus(new ExactDecimal(m ?? 0).times(60))
    .plus(new ExactDecimal(s ?? 0));
  return total.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

/** Clock duration "HH:MM:SS" / "H:MM" (hours may exceed 24) or decimal hours "1.50" → seconds. */
export function parseClockDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  const clock = /^(\d+):([0-5]\d)(?::([0-5]\d))?$/.exec(trimmed);
  if (clock) return Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3] ?? 0);
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    return new ExactDecimal(trimmed).times(3600).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
  }
  return parseIsoDuration(trimmed);
}

/** Decimal hours ("7.5") → seconds. */
export function hoursToSeconds(value: unknown): number | undefined {
  const exact = parseDecimal(value);
  if (exact === undefined) return undefined;
  return new ExactDecimal(exact).times(3600).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

function isValidCalendarDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Order of day and month in dates such as 05/10/2026 (MDY: US, Toggl's and Clockify's default). */
export type DateOrder = 'MDY' | 'DMY';

const DAY_MONTH = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$/;
const YEAR_FIRST = /^(\d{4})([/.-])(\d{1,2})\2(\d{1,2})(?:[T ].*)?$/;

/**
 * Reads a calendar date written by an exporter in one of the formats Toggl and Clockify offer:
 * 2026-10-05, 2026/10/05, 05.10.2026 (always day first), 10/05/2026 or 10-05-2026 (month first, the
 * default) or 05/10/2026, 05-10-2026 with order DMY (`true` = DMY for older callers).
 * Returns YYYY-MM-DD or undefined.
 */
export function parseDate(value: unknown, order: DateOrder | boolean = 'MDY'): string | undefined {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return undefined;
    return value.toISOString().slice(0, 10);
  }
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  const dayFirst = order === true || order === 'DMY';
  let parts: [number, number, number] | undefined;
  const yearFirst = YEAR_FIRST.exec(trimmed);
  const dayMonth = DAY_MONTH.exec(trimmed);
  if (yearFirst) parts = [Number(yearFirst[1]), Number(yearFirst[3]), Number(yearFirst[4])];
  else if (dayMonth) {
    const [a, b, y] = [Number(dayMonth[1]), Number(dayMonth[3]), Number(dayMonth[4])];
    parts = dayFirst || dayMonth[2] === '.' ? [y, b, a] : [y, a, b];
  }
  if (parts === undefined) return undefined;
  const [y, m, d] = parts;
  return isValidCalendarDate(y, m, d) ? `${y}-${pad(m)}-${pad(d)}` : undefined;
}

/** What a file's dates say about their order. */
export interface DateOrderEvidence {
  /** The order the dates prove (some first part > 12 → DMY; some second part > 12 → MDY). */
  readonly order?: DateOrder;
  /** Dates prove both orders: the column mixes formats. */
  readonly conflicting: boolean;
  /** Dates with day and month whose order nothing in the file settles (all parts ≤ 12). */
  readonly ambiguous: boolean;
  /** An example of each kind, for messages. */
  readonly examples: readonly string[];
}

/** Reads the date order from a column of dates (DD.MM.YYYY and year-first dates say nothing). */
export function detectDateOrder(values: readonly (string | undefined)[]): DateOrderEvidence {
  let dmy: string | undefined;
  let mdy: string | undefined;
  let undecided: string | undefined;
  for (const value of values) {
    const match = value === undefined ? null : DAY_MONTH.exec(value.trim());
    if (!match || match[2] === '.') continue;
    const a = Number(match[1]);
    const b = Number(match[3]);
    if (a > 12 && b <= 12) dmy ??= value;
    else if (b > 12 && a <= 12) mdy ??= value;
    else if (a !== b) undecided ??= value;
  }
  const examples = [dmy, mdy, undecided].filter((v): v is string => v !== undefined);
  if (dmy && mdy) return { conflicting: true, ambiguous: false, examples };
  if (dmy) return { order: 'DMY', conflicting: false, ambiguous: false, examples };
  if (mdy) return { order: 'MDY', conflicting: false, ambiguous: false, examples };
  return { conflicting: false, ambiguous: undecided !== undefined, examples };
}

/** Reads a wall-clock time "09:05", "09:05:30", "9:05:30 PM" → [h, m, s] or undefined. */
export function parseClockTime(value: unknown): [number, number, number] | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$/.exec(value.trim());
  if (!match) return undefined;
  let h = Number(match[1]);
  const m = Number(match[2]);
  const s = Number(match[3] ?? 0);
  const meridiem = match[4]?.toUpperCase();
  if (meridiem) {
    if (h < 1 || h > 12) return undefined;
    h = (h % 12) + (meridiem === 'PM' ? 12 : 0);
  }
  if (h > 23 || m > 59 || s > 59) return undefined;
  return [h, m, s];
}

export { isValidTimeZone, zoneOffsetMs } from '#domain/time-zone.ts';

/**
 * Converts a wall-clock time in an IANA zone to an instant (epoch ms). Ambiguous times (the repeated
 * hour when clocks go back) resolve to the earlier instant, or the later one with `prefer: 'later'`
 * (an end time read against its start); non-existent times (the skipped hour when clocks go forward)
 * move forward by the gap — the same rule as Temporal's "compatible".
 */
export function zonedToEpoch(
  date: string,
  time: [number, number, number],
  tz: string,
  prefer: 'earlier' | 'later' = 'earlier',
): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const local = Date.UTC(y, mo - 1, d, time[0], time[1], time[2]);
  const before = zoneOffsetMs(tz, local - 86_400_000);
  const after = zoneOffsetMs(tz, local + 86_400_000);
  const candidates = [...new Set([before, after])]
    .map((offset) => local - offset)
    .filter((instant) => local - zoneOffsetMs(tz, instant) === instant);
  if (candidates.length > 0) return prefer === 'later' ? Math.max(...candidates) : Math.min(...candidates);
  // In a gap: interpret with the offset in force before the change, which lands after the gap.
  return local - before;
}

/** Epoch ms → "2026-10-05T07:00:00Z" (records store UTC instants; whole seconds). */
export function toIsoUtc(epochMs: number): string {
  return `${new Date(Math.floor(epochMs / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/**
 * Reads an ISO-8601 timestamp with an offset ("2026-10-14T16:02:11.000+0200", "…Z", "…+02:00")
 * into a UTC ISO string. Returns undefined when there is no offset or it is not a timestamp.
 */
export function parseInstant(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.exec(
    value.trim(),
  );
  if (!match) return undefined;
  const [, date, h, m, s, zone] = match;
  if (!date || parseDate(date) === undefined) return undefined;
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  let offsetMin = 0;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  }
  const hh = Number(h);
  const mm = Number(m);
  const ss = Number(s ?? 0);
  if (hh > 23 || mm > 59 || ss > 59) return undefined;
  return toIsoUtc(Date.UTC(y, mo - 1, d, hh, mm, ss) - offsetMin * 60_000);
}

/**
 * SAP OData v2 "/Date(1791072000000)/" or "/Date(1791072000000+0120)/" → YYYY-MM-DD (UTC day). An
 * `Edm.DateTime` date is UTC midnight, so a client that printed it in its own zone with an offset
 * ("2016-07-02T09:00:00+09:00", "2016-07-01T20:00:00-04:00") means the same UTC day; a plain
 * "2016-07-02" (OData v4 `Edm.Date`) is that day.
 */
export function parseODataDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value.trim());
  if (match) return new Date(Number(match[1])).toISOString().slice(0, 10);
  return parseInstant(value)?.slice(0, 10) ?? parseDate(value);
}

/** A stable short id for rows that have none (file rows): sha-256 of their content. */
export function contentId(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 20);
}

/**
 * Gives each repeated content id an occurrence suffix ("abc", "abc~2"…) so that two genuinely
 * identical rows in one file stay two records, while re-reading the same file yields the same ids.
 */
export function occurrenceIds(): (id: string) => string {
  const counts = new Map<string, number>();
  return (id) => {
    const n = (counts.get(id) ?? 0) + 1;
    counts.set(id, n);
    return n === 1 ? id : `${id}~${n}`;
  };
}

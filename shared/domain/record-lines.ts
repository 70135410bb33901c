import type { CostRecordFacts, TimeFacts } from './compute.ts';
import { CostCategory, IsoDateTime, SettlementRecord, SourceName } from './records.ts';

/**
 * Reading normalised records from NDJSON bytes, fast and exactly as `JSON.parse` followed by the
 * `SettlementRecord` schema would.
 *
 * Most lines are flat time entries and cost records written by `normalize`: for those a scanner
 * reads the bytes once, checks every field the schema checks and hands the builder only what it
 * uses, without building the whole object or decoding the whole line. Any line it is not sure
 * about — a string with an escape or a control character, a nested value, a number that is not a
 * plain integer, a task or evidence record, a value the checks reject — goes the reference way
 * (`JSON.parse`, then the zod schema), which decides what is valid and why not. So the fast path
 * can only ever accept what the schema accepts; tests hold the two paths to the same answers.
 *
 * Lines end at `\n` (a `\r` before it is dropped); blank lines are skipped.
 */

export type QuarantineReason = 'invalid-json' | 'invalid-record';

export interface RecordLineSink {
  time(record: TimeFacts): void;
  cost(record: CostRecordFacts): void;
  /** Any other valid record (task, evidence, or a line the scanner left to the schema). */
  record(record: SettlementRecord): void;
  quarantine(source: string, reason: QuarantineReason): void;
}

const KEYS = [
  'kind',
  'source',
  'sourceId',
  'projectRef',
  'workPackage',
  'person',
  'role',
  'start',
  'seconds',
  'billable',
  'billableSeconds',
  'description',
  'taskKey',
  'category',
  'amount',
  'currency',
  'date',
  'vendor',
  'document',
  'quantity',
  'unit',
  'commitment',
] as const;
const K = Object.fromEntries(KEYS.map((k, i) => [k, i])) as { [P in (typeof KEYS)[number]]: number };

// Value types per field of the line being scanned.
const ABSENT = 0;
const STRING = 1;
const INTEGER = 2;
const TRUE = 3;
const FALSE = 4;
const OTHER = 5;

const Q = 0x22;
const BACKSLASH = 0x5c;

function fnv(bytes: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i += 1) h = Math.imul(h ^ bytes.charCodeAt(i), 0x01000193);
  return h;
}
const KEY_BY_HASH = new Map<number, number>(KEYS.map((k, i) => [fnv(k) & 0x3fffffff, i]));
const KEY_BYTES = KEYS.map((k) => Buffer.from(k, 'latin1'));

const SOURCES = new Set<string>(SourceName.options);
const CATEGORIES = new Set<string>(CostCategory.options);
const DATETIME = IsoDateTime._zod.def.pattern as RegExp;

interface Interned {
  readonly text: string;
  /** For `start` strings: 1 valid timestamp, 2 not; 0 not checked yet. */
  state: number;
  /** For valid `start` strings: the calendar day, one string object per day. */
  day: string;
}

// Distinct values seen (people, vendors, dates, timestamps…) so that each is decoded once and
// the builder's map look-ups meet the same string object again. Bounded: past the limit, values
// are decoded each time.
const INTERN_LIMIT = 100_000;
const INTERN_SLOTS = 1 << 18; // a power of two, well above the limit

/** A reusable scanner: it keeps the intern table between calls (one per thread). */
export interface RecordLineScanner {
  /**
   * Scans the lines in `bytes[start, end)` (the last one may lack its `\n`) into `sink`; returns
   * how many non-blank lines it saw.
   */
  scan(bytes: Buffer, start: number, end: number, sink: RecordLineSink): number;
}

export function createRecordLineScanner(): RecordLineScanner {
  // Open addressing over the values' FNV hashes: slot → entry index + 1 (0: empty). The entries'
  // bytes sit side by side in one arena, so a look-up touches few cache lines.
  const slots = new Int32Array(INTERN_SLOTS);
  const hashes = new Int32Array(INTERN_SLOTS);
  const entries: Interned[] = [];
  const entryFrom = new Int32Array(INTERN_LIMIT + 1);
  const entryLength = new Int32Array(INTERN_LIMIT + 1);
  let arena = new Uint8Array(1 << 20);
  let arenaUsed = 0;
  let interned = 0;
  const days = new Map<string, string>();
  const type = new Uint8Array(KEYS.length);
  const from = new Int32Array(KEYS.length);
  const to = new Int32Array(KEYS.length);
  const hash = new Int32Array(KEYS.length);
  const ascii = new Uint8Array(KEYS.length);
  const integer = new Float64Array(KEYS.length);

  /** The field's string, decoded once per distinct value. */
  const text = (buf: Buffer, k: number): Interned => {
    const s = from[k] as number;
    const e = to[k] as number;
    const length = e - s;
    const h = hash[k] as number;
    let slot = h & (INTERN_SLOTS - 1);
    for (;;) {
      const index = slots[slot] as number;
      if (index === 0) break;
      if (hashes[slot] === h && entryLength[index] === length) {
        const at = entryFrom[index] as number;
        let i = 0;
        while (i < length && arena[at + i] === buf[s + i]) i += 1;
        if (i === length) return entries[index - 1] as Interned;
      }
      slot = (slot + 1) & (INTERN_SLOTS - 1);
    }
    const entry: Interned = {
      text: ascii[k] ? buf.toString('latin1', s, e) : buf.toString('utf8', s, e),
      state: 0,
      day: '',
    };
    if (interned < INTERN_LIMIT) {
      if (arenaUsed + length > arena.length) {
        const bigger = new Uint8Array(Math.max(arena.length * 2, arenaUsed + length));
        bigger.set(arena);
        arena = bigger;
      }
      buf.copy(arena, arenaUsed, s, e);
      interned += 1;
      entries.push(entry);
      entryFrom[interned] = arenaUsed;
      entryLength[interned] = length;
      arenaUsed += length;
      slots[slot] = interned;
      hashes[slot] = h;
    }
    return entry;
  };
  const plain = (buf: Buffer, k: number): string =>
    ascii[k] ? buf.toString('latin1', from[k], to[k]) : buf.toString('utf8', from[k], to[k]);

  const isString = (k: number) => type[k] === STRING;
  const isNonEmpty = (k: number) => type[k] === STRING && (to[k] as number) > (from[k] as number);
  const isOptionalString = (k: number) => type[k] === ABSENT || type[k] === STRING;
  const isOptionalNonEmpty = (k: number) => type[k] === ABSENT || isNonEmpty(k);
  const isCount = (k: number) => type[k] === INTEGER;
  const isBoolean = (k: number) => type[k] === TRUE || type[k] === FALSE;

  /** `^-?\d+(\.\d+)?$` on the field's bytes. */
  const isDecimal = (buf: Buffer, k: number) => {
    let i = from[k] as number;
    const e = to[k] as number;
    if (buf[i] === 0x2d) i += 1;
    const digitsFrom = i;
    while (i < e && (buf[i] as number) >= 0x30 && (buf[i] as number) <= 0x39) i += 1;
    if (i === digitsFrom) return false;
    if (i === e) return true;
    if (buf[i] !== 0x2e) return false;
    i += 1;
    const fractionFrom = i;
    while (i < e && (buf[i] as number) >= 0x30 && (buf[i] as number) <= 0x39) i += 1;
    return i === e && i > fractionFrom;
  };
  const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
  /** `^\d{4}-\d{2}-\d{2}$` */
  const isDate = (buf: Buffer, k: number) => {
    const s = from[k] as number;
    if ((to[k] as number) - s !== 10) return false;
    for (let i = 0; i < 10; i += 1) {
      const c = buf[s + i];
      if (i === 4 || i === 7 ? c !== 0x2d : !isDigit(c)) return false;
    }
    return true;
  };
  /** `^[A-Z]{3}$` */
  const isCurrency = (buf: Buffer, k: number) => {
    const s = from[k] as number;
    if ((to[k] as number) - s !== 3) return false;
    for (let i = 0; i < 3; i += 1) {
      const c = buf[s + i] as number;
      if (c < 0x41 || c > 0x5a) return false;
    }
    return true;
  };
  const isSource = (buf: Buffer) => isString(K.source) && SOURCES.has(text(buf, K.source).text);
  const optional = (buf: Buffer, k: number) => (type[k] === ABSENT ? undefined : text(buf, k).text);

  /**
   * Reads one flat JSON object into the field arrays. False when the line needs the reference
   * path (anything but a flat object of plain strings, plain integers, booleans and null).
   */
  const read = (buf: Buffer, start: number, end: number): boolean => {
    type.fill(ABSENT);
    let i = start + 1; // after '{'
    for (;;) {
      let c = buf[i];
      while (c === 0x20 || c === 0x09 || c === 0x0d) c = buf[++i];
      if (c !== Q) return false;
      // Key.
      let h = 0x811c9dc5;
      const ks = ++i;
      for (;;) {
        if (i >= end) return false;
        c = buf[i] as number;
        if (c === Q) break;
        if (c === BACKSLASH || c < 0x20 || c >= 0x80) return false;
        h = Math.imul(h ^ c, 0x01000193);
        i += 1;
      }
      const ke = i;
      let k = KEY_BY_HASH.get(h & 0x3fffffff);
      if (k !== undefined) {
        const want = KEY_BYTES[k] as Buffer;
        if (want.length !== ke - ks) k = undefined;
        else for (let j = 0; j < want.length; j += 1) if (want[j] !== buf[ks + j]) k = undefined;
      }
      c = buf[++i];
      while (c === 0x20 || c === 0x09 || c === 0x0d) c = buf[++i];
      if (c !== 0x3a) return false;
      c = buf[++i];
      while (c === 0x20 || c === 0x09 || c === 0x0d) c = buf[++i];
      // Value.
      let t: number;
      if (c === Q) {
        let vh = 0x811c9dc5;
        let plainAscii = 1;
        const vs = ++i;
        for (;;) {
          if (i >= end) return false;
          c = buf[i] as number;
          if (c === Q) break;
          if (c === BACKSLASH || c < 0x20) return false;
          if (c >= 0x80) plainAscii = 0;
          vh = Math.imul(vh ^ c, 0x01000193);
          i += 1;
        }
        if (k !== undefined) {
          from[k] = vs;
          to[k] = i;
          hash[k] = vh & 0x3fffffff; // a small integer: map keys beyond 31 bits are slow
          ascii[k] = plainAscii;
        }
        i += 1;
        t = STRING;
      } else if (c !== undefined && c >= 0x30 && c <= 0x39) {
        // Plain non-negative integers only (no sign, fraction, exponent or leading zero).
        const vs = i;
        let n = 0;
        while (c !== undefined && c >= 0x30 && c <= 0x39) {
          n = n * 10 + (c - 0x30);
          c = buf[++i];
        }
        if (i - vs > 15 || (buf[vs] === 0x30 && i - vs > 1)) return false;
        if (k !== undefined) integer[k] = n;
        t = INTEGER;
      } else if (c === 0x74 && buf[i + 1] === 0x72 && buf[i + 2] === 0x75 && buf[i + 3] === 0x65) {
        i += 4;
        t = TRUE;
      } else if (
        c === 0x66 &&
        buf[i + 1] === 0x61 &&
        buf[i + 2] === 0x6c &&
        buf[i + 3] === 0x73 &&
        buf[i + 4] === 0x65
      ) {
        i += 5;
        t = FALSE;
      } else if (c === 0x6e && buf[i + 1] === 0x75 && buf[i + 2] === 0x6c && buf[i + 3] === 0x6c) {
        i += 4;
        t = OTHER;
      } else return false;
      if (k !== undefined) type[k] = t;
      c = buf[i];
      while (c === 0x20 || c === 0x09 || c === 0x0d) c = buf[++i];
      if (c === 0x2c) {
        i += 1;
        continue;
      }
      if (c !== 0x7d) return false;
      i += 1;
      while (i < end) {
        c = buf[i] as number;
        if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
        i += 1;
      }
      return true;
    }
  };

  const isKind = (buf: Buffer, word: string) => {
    if (type[K.kind] !== STRING || (to[K.kind] as number) - (from[K.kind] as number) !== word.length)
      return false;
    for (let j = 0; j < word.length; j += 1)
      if (buf[(from[K.kind] as number) + j] !== word.charCodeAt(j)) return false;
    return true;
  };

  /** A time entry the schema accepts, or undefined. */
  const timeFacts = (buf: Buffer): TimeFacts | undefined => {
    if (
      !isSource(buf) ||
      !isNonEmpty(K.sourceId) ||
      !isNonEmpty(K.projectRef) ||
      !isOptionalNonEmpty(K.workPackage) ||
      !isNonEmpty(K.person) ||
      !isOptionalNonEmpty(K.role) ||
      !isString(K.start) ||
      !isCount(K.seconds) ||
      !isBoolean(K.billable) ||
      !isCount(K.billableSeconds) ||
      !isOptionalString(K.description) ||
      !isOptionalString(K.taskKey)
    )
      return undefined;
    const start = text(buf, K.start);
    if (start.state === 0) {
      start.state = DATETIME.test(start.text) ? 1 : 2;
      const day = start.text.slice(0, 10);
      start.day = days.get(day) ?? day;
      days.set(day, start.day);
    }
    if (start.state !== 1) return undefined;
    // The text's first 10 characters are the UTC date only when it is written in UTC.
    const utc = start.text.endsWith('Z');
    return {
      projectRef: text(buf, K.projectRef).text,
      person: text(buf, K.person).text,
      role: optional(buf, K.role),
      workPackage: optional(buf, K.workPackage),
      start: start.text,
      day: utc ? start.day : undefined,
      seconds: integer[K.seconds] as number,
      billable: type[K.billable] === TRUE,
      billableSeconds: integer[K.billableSeconds] as number,
    };
  };

  /** A cost record the schema accepts, or undefined. */
  const costFacts = (buf: Buffer): CostRecordFacts | undefined => {
    if (
      !isSource(buf) ||
      !isNonEmpty(K.sourceId) ||
      !isNonEmpty(K.projectRef) ||
      !isOptionalNonEmpty(K.workPackage) ||
      !isString(K.category) ||
      !isString(K.amount) ||
      !isDecimal(buf, K.amount) ||
      !isString(K.currency) ||
      !isCurrency(buf, K.currency) ||
      !isString(K.date) ||
      !isDate(buf, K.date) ||
      !isNonEmpty(K.vendor) ||
      !isOptionalString(K.document) ||
      !isOptionalString(K.description) ||
      !(type[K.quantity] === ABSENT || (isString(K.quantity) && isDecimal(buf, K.quantity))) ||
      !isOptionalString(K.unit) ||
      !(type[K.commitment] === ABSENT || isBoolean(K.commitment))
    )
      return undefined;
    const category = text(buf, K.category).text;
    if (!CATEGORIES.has(category)) return undefined;
    return {
      source: text(buf, K.source).text as SourceName,
      projectRef: text(buf, K.projectRef).text,
      category: category as CostCategory,
      amount: plain(buf, K.amount),
      currency: text(buf, K.currency).text,
      date: text(buf, K.date).text,
      vendor: text(buf, K.vendor).text,
      workPackage: optional(buf, K.workPackage),
      unit: optional(buf, K.unit),
      quantity: type[K.quantity] === ABSENT ? undefined : plain(buf, K.quantity),
      commitment: type[K.commitment] === ABSENT ? undefined : type[K.commitment] === TRUE,
    };
  };

  /** The reference path: decode, JSON.parse, schema. */
  const slow = (buf: Buffer, start: number, end: number, sink: RecordLineSink): number => {
    const line = buf.toString('utf8', start, end);
    if (line.trim() === '') return 0;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      sink.quarantine('unknown', 'invalid-json');
      return 1;
    }
    const parsed = SettlementRecord.safeParse(raw);
    if (!parsed.success) {
      const source = SourceName.safeParse((raw as { source?: unknown } | null)?.source);
      sink.quarantine(source.success ? source.data : 'unknown', 'invalid-record');
      return 1;
    }
    sink.record(parsed.data);
    return 1;
  };

  const line = (buf: Buffer, start: number, end: number, sink: RecordLineSink): number => {
    if (end > start && buf[end - 1] === 0x0d) end -= 1;
    let i = start;
    while (i < end && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0d)) i += 1;
    if (i === end) return 0;
    if (buf[i] === 0x7b && read(buf, i, end)) {
      if (isKind(buf, 'time')) {
        const facts = timeFacts(buf);
        if (facts) {
          sink.time(facts);
          return 1;
        }
      } else if (isKind(buf, 'cost')) {
        const facts = costFacts(buf);
        if (facts) {
          sink.cost(facts);
          return 1;
        }
      }
    }
    return slow(buf, start, end, sink);
  };

  return {
    scan(bytes, start, end, sink) {
      let count = 0;
      let at = start;
      while (at < end) {
        let nl = bytes.indexOf(0x0a, at);
        if (nl < 0 || nl > end) nl = end;
        count += line(bytes, at, nl, sink);
        at = nl + 1;
      }
      return count;
    },
  };
}

import { projectFor, type RecordSink, type SourceOptions, stringOption, timeZoneOf } from './record-sink.ts';
import { cell, type Table } from './tabular.ts';
import {
  contentId,
  type DateOrder,
  detectDateOrder,
  occurrenceIds,
  parseClockDuration,
  parseClockTime,
  parseDate,
  toIsoUtc,
  zonedToEpoch,
} from './values.ts';

/** How one vendor's detailed time export names its columns. */
export interface TimeCsvProfile {
  /** The source's name in messages ("toggl", "clockify"). */
  readonly source: string;
  readonly startDate: string;
  readonly startTime: string;
  readonly endDate: string;
  readonly endTime: string;
  readonly duration: readonly string[];
  readonly person: readonly string[];
  /** Which Billable cell values mean billable. */
  readonly billable: RegExp;
  /** What a row's unmapped project is missing, for the quarantine message. */
  readonly projectHint: string;
  /** Whether the quarantine message for a bad start repeats the cells read. */
  readonly echoStart?: boolean;
  /**
   * The date column of exports that give a day but no start time (Clockify shared and summary
   * report CSVs: `Date`, `Time (h)`). Such a row is placed at noon of its day in the exporter's zone,
   * so its UTC date stays its date in every zone from UTC−11 to UTC+12.
   */
  readonly dayColumn?: string;
}

/** Wall-clock time given to a row that has a date but no start time. */
const DATE_ONLY_TIME = '12:00:00';

/**
 * The date order of the file: `options.dateOrder` (or the older `dayFirst: true`) when given, else what
 * the dates prove (a day > 12). A file whose dates could be read either way, or that mixes both, is
 * refused as a whole: guessing would silently move entries to other months.
 */
function resolveDateOrder(
  sink: RecordSink,
  table: Table,
  options: SourceOptions,
  profile: TimeCsvProfile,
): DateOrder | undefined {
  const given = stringOption(options, 'dateOrder')?.toUpperCase();
  if (given === 'MDY' || given === 'DMY') return given;
  if (options.dayFirst === true) return 'DMY';
  const evidence = detectDateOrder(
    table.rows.flatMap((row) => [
      cell(row, profile.startDate),
      cell(row, profile.endDate),
      ...(profile.dayColumn === undefined ? [] : [cell(row, profile.dayColumn)]),
    ]),
  );
  const hint = `set the option dateOrder to DMY (day first, e.g. 25/10/2026) or MDY (month first, e.g. 10/25/2026) — on the command line: --option dateOrder=DMY`;
  const refuse = (why: string) => {
    // Every row is quarantined (none is lost) with the same reason; the note says it once.
    for (const row of table.rows)
      sink.quarantine(
        'ambiguous-date-order',
        `${profile.source} CSV ${row.position}: ${why}`,
        row.position,
        row.raw,
      );
    sink.note(`${profile.source}: the file was not read: ${why}`);
    return undefined;
  };
  if (evidence.conflicting)
    return refuse(
      `column \`${profile.startDate}\` mixes day-first and month-first dates (${evidence.examples.join(', ')}); export it again with one date format, or ${hint}`,
    );
  if (evidence.ambiguous)
    return refuse(
      `dates such as ${evidence.examples[0]} could be day first or month first and no date in the file has a day above 12; ${hint}`,
    );
  if (evidence.order !== undefined)
    sink.note(
      `${profile.source}: dates read ${evidence.order === 'DMY' ? 'day first' : 'month first'} (${evidence.order}), as ${evidence.examples[0]} shows`,
    );
  return evidence.order ?? 'MDY';
}

/**
 * A vendor's detailed time export (Toggl, Clockify): wall-clock start in the exporter's time zone
 * (`options.tz`), `HH:MM:SS` durations; rows without an id get a content id with an occurrence
 * suffix, so two identical rows stay two records and re-reading the file gives the same ids.
 */
export function addTimeCsv(
  sink: RecordSink,
  table: Table,
  options: SourceOptions,
  profile: TimeCsvProfile,
): void {
  const order = resolveDateOrder(sink, table, options, profile);
  if (order === undefined) return;
  const tz = timeZoneOf(options);
  if (options.tz === undefined)
    sink.note(`${profile.source}: no tz option given; CSV wall-clock times were read as UTC`);
  const ids = occurrenceIds();
  let dateOnly = 0;
  for (const row of table.rows) {
    const { position, raw } = row;
    const where = `${profile.source} CSV ${position}`;
    let dateText = cell(row, profile.startDate);
    let timeText = cell(row, profile.startTime);
    const day = profile.dayColumn === undefined ? undefined : cell(row, profile.dayColumn);
    if (dateText === undefined && timeText === undefined && day !== undefined) {
      dateText = day;
      timeText = DATE_ONLY_TIME;
      dateOnly += 1;
    }
    const date = parseDate(dateText, order);
    const time = parseClockTime(timeText);
    if (date === undefined || time === undefined) {
      const echo = profile.echoStart ? ` (${dateText ?? ''} ${timeText ?? ''})` : '';
      sink.quarantine(
        'invalid-start',
        `${where}: field \`${profile.startDate}\`/\`${profile.startTime}\` is missing or unreadable${echo}`,
        position,
        raw,
      );
      continue;
    }
    const durationText = cell(row, ...profile.duration);
    const seconds = parseClockDuration(durationText);
    if (seconds === undefined) {
      sink.quarantine(
        'invalid-duration',
        `${where}: field \`${profile.duration[0]}\` is not HH:MM:SS (${durationText ?? 'empty'})`,
        position,
        raw,
      );
      continue;
    }
    const start = toIsoUtc(zonedToEpoch(date, time, tz));
    const endDate = parseDate(cell(row, profile.endDate), order);
    const endTime = parseClockTime(cell(row, profile.endTime));
    if (endDate !== undefined && endTime !== undefined) {
      const end = toIsoUtc(zonedToEpoch(endDate, endTime, tz, 'later'));
      if (Date.parse(end) < Date.parse(start)) {
        sink.quarantine(
          'end-before-start',
          `${where}: end ${cell(row, profile.endDate)} ${cell(row, profile.endTime)} is before start ${dateText} ${timeText}; the entry cannot be placed`,
          position,
          raw,
        );
        continue;
      }
    }
    const project = cell(row, 'Project');
    const projectRef = projectFor(options, project);
    if (projectRef === undefined) {
      sink.quarantine(
        'missing-project',
        `${where}: project ${project ?? '(none)'} ${profile.projectHint} and no projectRef fallback is set`,
        position,
        raw,
      );
      continue;
    }
    const person = cell(row, ...profile.person) ?? stringOption(options, 'person');
    if (person === undefined) {
      sink.quarantine(
        'missing-person',
        `${where}: no \`${profile.person.join('`/`')}\` value says whose time this is; set the option person (on the command line: --option person=ana@example.com)`,
        position,
        raw,
      );
      continue;
    }
    const billable = profile.billable.test(cell(row, 'Billable') ?? '');
    const description = cell(row, 'Description');
    sink.accept(
      {
        kind: 'time',
        sourceId: `csv-${ids(contentId([person, start, seconds, project, cell(row, 'Task'), description]))}`,
        projectRef,
        person,
        start,
        seconds,
        billable,
        billableSeconds: billable ? seconds : 0,
        description,
        taskKey: cell(row, 'Task'),
      },
      position,
      raw,
    );
  }
  if (dateOnly > 0)
    sink.note(
      `${profile.source}: ${dateOnly} row(s) give a \`${profile.dayColumn}\` but no start time (a shared or summary report export); each is placed at ${DATE_ONLY_TIME.slice(0, 5)} of its day in ${tz}`,
    );
}

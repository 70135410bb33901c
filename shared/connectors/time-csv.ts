import { projectFor, type RecordSink, type SourceOptions, timeZoneOf } from './record-sink.ts';
import { cell, type Table } from './tabular.ts';
import {
  contentId,
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
  readonly duration: readonly string[];
  readonly person: readonly string[];
  /** Which Billable cell values mean billable. */
  readonly billable: RegExp;
  /** What a row's unmapped project is missing, for the quarantine message. */
  readonly projectHint: string;
  /** Whether the export writes dates day first (DD/MM/YYYY). */
  readonly dayFirst?: boolean;
  /** Whether the quarantine message for a bad start repeats the cells read. */
  readonly echoStart?: boolean;
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
  const tz = timeZoneOf(options);
  if (options.tz === undefined)
    sink.note(`${profile.source}: no tz option given; CSV wall-clock times were read as UTC`);
  const ids = occurrenceIds();
  for (const row of table.rows) {
    const { position, raw } = row;
    const where = `${profile.source} CSV ${position}`;
    const dateText = cell(row, profile.startDate);
    const timeText = cell(row, profile.startTime);
    const date = parseDate(dateText, profile.dayFirst ?? options.dayFirst === true);
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
    const person = cell(row, ...profile.person);
    const billable = profile.billable.test(cell(row, 'Billable') ?? '');
    const description = cell(row, 'Description');
    const start = toIsoUtc(zonedToEpoch(date, time, tz));
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
}

import type { DataSourceBinding } from '#domain/sources.ts';
import { basicAuth, type FetchedPage, fetchAllPages, type HttpPolicy, joinUrl } from './http.ts';
import {
  isObject,
  itemPosition,
  mapOption,
  projectFor,
  type RecordSink,
  type SourceOptions,
  text,
} from './record-sink.ts';
import type { Table } from './tabular.ts';
import { addTimeCsv } from './time-csv.ts';
import { parseInstant } from './values.ts';

/**
 * Toggl Track. Live: API v9 `GET /api/v9/me/time_entries?start_date&end_date&meta=true` (one
 * response holds the whole range). File: the Reports "Detailed" CSV export (User/Member, Email,
 * Client, Project, Task, Description, Billable, Start date, Start time, End/Stop date, End/Stop
 * time, Duration, Tags) whose times are wall-clock in the exporter's zone (`options.tz`).
 * Options: tz, projectRef, projectMap (Toggl project name or id → projectRef), people (user id → email).
 */

export function addTogglEntries(
  sink: RecordSink,
  page: unknown,
  options: SourceOptions,
  pageLabel: string,
): void {
  if (!Array.isArray(page)) {
    sink.quarantine(
      'unexpected-shape',
      `toggl ${pageLabel || 'file'}: expected a JSON array of time entries (API v9), got ${page === null ? 'null' : typeof page}`,
      pageLabel || 'file',
      page,
    );
    return;
  }
  const people = mapOption(options, 'people');
  page.forEach((entry, index) => {
    const position = itemPosition(pageLabel, index);
    if (!isObject(entry)) {
      sink.quarantine(
        'unexpected-shape',
        `toggl ${position}: a time entry must be an object`,
        position,
        entry,
      );
      return;
    }
    const id = text(entry.id);
    if (id === undefined) {
      sink.quarantine('missing-id', `toggl ${position}: field \`id\` is missing`, position, entry);
      return;
    }
    const duration = entry.duration;
    if (typeof duration === 'number' && duration < 0) {
      sink.quarantine(
        'running-timer',
        `toggl ${position} (entry ${id}): field \`duration\` is negative (${duration}): the timer is still running and is not settled until it is stopped`,
        position,
        entry,
      );
      return;
    }
    if (typeof duration !== 'number' || !Number.isInteger(duration)) {
      sink.quarantine(
        'invalid-duration',
        `toggl ${position} (entry ${id}): field \`duration\` must be whole seconds`,
        position,
        entry,
      );
      return;
    }
    const start = parseInstant(entry.start);
    if (start === undefined) {
      sink.quarantine(
        'invalid-start',
        `toggl ${position} (entry ${id}): field \`start\` is not an ISO 8601 timestamp with offset`,
        position,
        entry,
      );
      return;
    }
    const projectRef = projectFor(options, text(entry.project_name), text(entry.project_id));
    if (projectRef === undefined) {
      sink.quarantine(
        'missing-project',
        `toggl ${position} (entry ${id}): project ${text(entry.project_name) ?? text(entry.project_id) ?? '(none)'} is not in options.projectMap and no projectRef fallback is set`,
        position,
        entry,
      );
      return;
    }
    const userId = text(entry.user_id);
    const person =
      text(entry.user_email) ?? (userId ? (people[userId] ?? `toggl-user-${userId}`) : undefined);
    const billable = entry.billable === true;
    sink.accept(
      {
        kind: 'time',
        sourceId: id,
        projectRef,
        person,
        start,
        seconds: duration,
        billable,
        billableSeconds: billable ? duration : 0,
        description: text(entry.description),
        taskKey: text(entry.task_name) ?? text(entry.task_id),
      },
      position,
      entry,
    );
  });
}

export function addTogglCsv(sink: RecordSink, table: Table, options: SourceOptions): void {
  addTimeCsv(sink, table, options, {
    source: 'toggl',
    startDate: 'Start date',
    startTime: 'Start time',
    duration: ['Duration'],
    person: ['Email', 'User', 'Member'],
    billable: /^(yes|true|1|billable)$/i,
    projectHint: 'is not in options.projectMap',
    echoStart: true,
  });
}

/** Fetches Toggl API v9 time entries for the collection window (one request covers the range). */
export async function fetchTogglPages(
  binding: DataSourceBinding,
  policy: HttpPolicy,
  secret: Record<string, string>,
  window: { from: string; to: string },
): Promise<FetchedPage[]> {
  const base = (binding.options.baseUrl as string | undefined) ?? 'https://api.track.toggl.com';
  const url = joinUrl(base, '/api/v9/me/time_entries', {
    start_date: window.from,
    end_date: window.to,
    meta: 'true',
  });
  return fetchAllPages(
    policy,
    { url, headers: { authorization: basicAuth(secret.apiToken ?? '', 'api_token') } },
    () => undefined,
    { rawPrefix: binding.id, maxPages: Number(binding.options.maxPages ?? 500) },
  );
}

import type { DataSourceBinding } from '#domain/sources.ts';
import { type FetchedPage, fetchAllPages, type HttpPolicy, joinUrl } from './http.ts';
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
import { parseInstant, parseIsoDuration } from './values.ts';

/**
 * Clockify. Live: API v1 `GET /api/v1/workspaces/{workspaceId}/user/{userId}/time-entries?start&end&page&page-size&hydrated=true`
 * (durations ISO-8601 `PT2H45M`; rates in integer cents — rates are not carried: the charter's rate
 * cards price the hours). File: the Detailed report CSV export (Project, Client, Description, Task,
 * User, Email, Billable, Start Date, Start Time, End Date, End Time, Duration (h), …) in the exporter's
 * zone (`options.tz`); dates US month/day unless `options.dayFirst`.
 * Options: tz, dayFirst, projectRef, projectMap (project name or id → projectRef), people (user id → email),
 * workspaceId, userIds (live), baseUrl, pageSize.
 */

export function addClockifyEntries(
  sink: RecordSink,
  page: unknown,
  options: SourceOptions,
  pageLabel: string,
): void {
  if (!Array.isArray(page)) {
    sink.quarantine(
      'unexpected-shape',
      `clockify ${pageLabel || 'file'}: expected a JSON array of time entries (API v1)`,
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
        `clockify ${position}: a time entry must be an object`,
        position,
        entry,
      );
      return;
    }
    const id = text(entry.id);
    if (id === undefined) {
      sink.quarantine('missing-id', `clockify ${position}: field \`id\` is missing`, position, entry);
      return;
    }
    const interval = isObject(entry.timeInterval) ? entry.timeInterval : {};
    if (
      interval.end === null ||
      interval.end === undefined ||
      interval.duration === null ||
      interval.duration === undefined
    ) {
      sink.quarantine(
        'running-timer',
        `clockify ${position} (entry ${id}): field \`timeInterval.end\` is empty: the timer is still running and is not settled until it is stopped`,
        position,
        entry,
      );
      return;
    }
    const seconds = parseIsoDuration(interval.duration);
    if (seconds === undefined) {
      sink.quarantine(
        'invalid-duration',
        `clockify ${position} (entry ${id}): field \`timeInterval.duration\` is not an ISO-8601 duration (${String(interval.duration)})`,
        position,
        entry,
      );
      return;
    }
    const start = parseInstant(interval.start);
    if (start === undefined) {
      sink.quarantine(
        'invalid-start',
        `clockify ${position} (entry ${id}): field \`timeInterval.start\` is not an ISO 8601 timestamp`,
        position,
        entry,
      );
      return;
    }
    const projectName = isObject(entry.project) ? text(entry.project.name) : text(entry.projectName);
    const projectRef = projectFor(options, projectName, text(entry.projectId));
    if (projectRef === undefined) {
      sink.quarantine(
        'missing-project',
        `clockify ${position} (entry ${id}): project ${projectName ?? text(entry.projectId) ?? '(none)'} is not in options.projectMap and no projectRef fallback is set`,
        position,
        entry,
      );
      return;
    }
    const userId = text(entry.userId);
    const person =
      (isObject(entry.user) ? text(entry.user.email) : undefined) ??
      (userId ? (people[userId] ?? `clockify-user-${userId}`) : undefined);
    const billable = entry.billable === true;
    sink.accept(
      {
        kind: 'time',
        sourceId: id,
        projectRef,
        person,
        start,
        seconds,
        billable,
        billableSeconds: billable ? seconds : 0,
        description: text(entry.description),
        taskKey: isObject(entry.task) ? text(entry.task.name) : text(entry.taskId),
      },
      position,
      entry,
    );
  });
}

export function addClockifyCsv(sink: RecordSink, table: Table, options: SourceOptions): void {
  addTimeCsv(sink, table, options, {
    source: 'clockify',
    startDate: 'Start Date',
    startTime: 'Start Time',
    duration: ['Duration (h)', 'Duration'],
    person: ['Email', 'User'],
    billable: /^(yes|true|1)$/i,
    projectHint: 'is not mapped',
  });
}

/** Fetches every page of every listed user's time entries in the window. */
export async function fetchClockifyPages(
  binding: DataSourceBinding,
  policy: HttpPolicy,
  secret: Record<string, string>,
  window: { from: string; to: string },
): Promise<FetchedPage[]> {
  const options = binding.options;
  const base = (options.baseUrl as string | undefined) ?? 'https://api.clockify.me';
  const pageSize = Number(options.pageSize ?? 200);
  const userIds = Array.isArray(options.userIds) ? options.userIds.map(String) : [];
  const pages: FetchedPage[] = [];
  for (const userId of userIds) {
    const pageUrl = (page: number) =>
      joinUrl(
        base,
        `/api/v1/workspaces/${encodeURIComponent(String(options.workspaceId ?? ''))}/user/${encodeURIComponent(userId)}/time-entries`,
        {
          start: `${window.from}T00:00:00Z`,
          end: `${window.to}T00:00:00Z`,
          page,
          'page-size': pageSize,
          hydrated: 'true',
        },
      );
    const headers = { 'x-api-key': secret.apiKey ?? '' };
    pages.push(
      ...(await fetchAllPages(
        policy,
        { url: pageUrl(1), headers },
        (json, index) =>
          Array.isArray(json) && json.length >= pageSize ? { url: pageUrl(index + 2), headers } : undefined,
        { rawPrefix: `${binding.id}/${userId}`, maxPages: Number(options.maxPages ?? 500) },
      )),
    );
  }
  return pages;
}

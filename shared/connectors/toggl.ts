import {
  addCsvFile,
  addJsonFile,
  COMMON_OPTIONS,
  type Connector,
  type LiveContext,
  looksLikeJson,
  pageByPage,
  TIME_OPTIONS,
} from './connector.ts';
import { SourceConfigError } from './errors.ts';
import { basicAuth, type FetchedPage, fetchAllPages, joinUrl } from './http.ts';
import {
  isObject,
  mapOption,
  type RecordSink,
  type SourceOptions,
  stringOption,
  text,
} from './record-sink.ts';
import type { Table } from './tabular.ts';
import { addTimeCsv } from './time-csv.ts';
import { addTimeEntries, type EntryVendor } from './time-entries.ts';
import { parseInstant } from './values.ts';

/**
 * Toggl Track. Live: the workspace-wide Reports API v3 detailed report
 * `POST /reports/api/v3/workspace/{workspaceId}/search/time_entries` (every member's entries), paged by
 * the `X-Next-ID` / `X-Next-Row-Number` response headers sent back as `first_id` / `first_row_number`.
 * File: API v9 time entries (`/me/time_entries`), a saved v3 detailed report (rows with nested
 * `time_entries`), or the Reports "Detailed" CSV export (User/Member, Email, Client, Project, Task,
 * Description, Billable, Start date, Start time, End/Stop date, End/Stop time, Duration, Tags) whose
 * times are wall-clock in the exporter's zone (`options.tz`).
 */

const PAGE_SIZE = 50;

function togglVendor(options: SourceOptions): EntryVendor {
  const people = mapOption(options, 'people');
  return {
    source: 'toggl',
    shape: 'a JSON array of time entries (API v9) or detailed report rows (Reports API v3)',
    fields: { id: 'id', duration: 'duration', start: 'start', end: 'stop' },
    durationFormat: 'whole seconds',
    read(entry) {
      const duration = entry.duration ?? entry.seconds;
      const userId = text(entry.user_id);
      return {
        id: text(entry.id),
        running: typeof duration === 'number' && duration < 0,
        seconds:
          typeof duration === 'number' && Number.isInteger(duration) && duration >= 0 ? duration : undefined,
        durationText: String(duration),
        start: parseInstant(entry.start),
        end:
          entry.stop === null || entry.stop === undefined
            ? undefined
            : (parseInstant(entry.stop) ?? undefined),
        projectName: text(entry.project_name),
        projectId: text(entry.project_id),
        person:
          text(entry.user_email) ??
          (userId ? (people[userId] ?? text(entry.username) ?? `toggl-user-${userId}`) : undefined),
        billable: entry.billable === true,
        description: text(entry.description),
        taskKey: text(entry.task_name) ?? text(entry.task_id),
      };
    },
  };
}

/** A Reports API v3 detailed row: entry-group fields with the entries themselves in `time_entries`. */
function isReportRow(value: unknown): value is Record<string, unknown> & { time_entries: unknown[] } {
  return isObject(value) && Array.isArray(value.time_entries);
}

/** Flattens v3 detailed rows into one entry per `time_entries` item, carrying the row's fields. */
function flattenReportRows(rows: readonly unknown[]): unknown[] {
  return rows.flatMap((row) =>
    isReportRow(row)
      ? row.time_entries.map((entry) => {
          const { time_entries: _entries, ...group } = row;
          return isObject(entry) ? { ...group, ...entry } : entry;
        })
      : [row],
  );
}

export function addTogglEntries(
  sink: RecordSink,
  page: unknown,
  options: SourceOptions,
  pageLabel: string,
): void {
  const entries = Array.isArray(page) && page.some(isReportRow) ? flattenReportRows(page) : page;
  addTimeEntries(sink, entries, options, pageLabel, togglVendor(options));
}

export function addTogglCsv(sink: RecordSink, table: Table, options: SourceOptions): void {
  addTimeCsv(sink, table, options, {
    source: 'toggl',
    startDate: 'Start date',
    startTime: 'Start time',
    endDate: 'End date',
    endTime: 'End time',
    duration: ['Duration'],
    person: ['Email', 'User', 'Member'],
    billable: /^(yes|true|1|billable)$/i,
    projectHint: 'is not in options.projectMap',
    echoStart: true,
  });
}

/** Fetches the window's detailed report for the whole workspace, page by page (header cursors). */
async function fetchTogglPages({ binding, policy, secret, window }: LiveContext): Promise<FetchedPage[]> {
  const options = binding.options;
  const workspaceId = text(options.workspaceId);
  if (workspaceId === undefined) {
    throw new SourceConfigError(`${binding.id}: option workspaceId is required in live mode`, {
      source: binding.id,
    });
  }
  const base = stringOption(options, 'baseUrl') ?? 'https://api.track.toggl.com';
  const url = joinUrl(
    base,
    `/reports/api/v3/workspace/${encodeURIComponent(workspaceId)}/search/time_entries`,
  );
  const lastDay = new Date(Date.parse(`${window.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const headers = { authorization: basicAuth(secret.apiToken ?? '', 'api_token') };
  const body = (cursor: { first_id?: number; first_row_number?: number }) => ({
    start_date: window.from,
    end_date: lastDay,
    page_size: Number(options.pageSize ?? PAGE_SIZE),
    order_by: 'date',
    order_dir: 'asc',
    ...cursor,
  });
  return fetchAllPages(
    policy,
    { url, method: 'POST', headers, body: body({}) },
    (_json, _index, _request, response) => {
      const nextId = response.headers.get('x-next-id');
      const nextRow = response.headers.get('x-next-row-number');
      if (!nextId || !nextRow) return undefined;
      return {
        url,
        method: 'POST',
        headers,
        body: body({ first_id: Number(nextId), first_row_number: Number(nextRow) }),
      };
    },
    { rawPrefix: binding.id, maxPages: Number(options.maxPages ?? 500) },
  );
}

export const togglConnector: Connector = {
  name: 'toggl',
  summary: 'Toggl Track: Reports API v3 detailed (live, workspace-wide), API v9 entries, Detailed CSV export',
  options: {
    ...COMMON_OPTIONS,
    ...TIME_OPTIONS,
    projectMap: { type: 'map', description: 'Toggl project name or id → projectRef' },
    workspaceId: { type: 'string', description: 'workspace of the detailed report', live: true },
    pageSize: { type: 'number', description: `report rows per page (default ${PAGE_SIZE})`, live: true },
  },
  secretKeys: [['apiToken']],
  addFile(sink, bytes, options) {
    if (looksLikeJson(bytes)) addJsonFile(togglConnector, Array.isArray, sink, bytes, options);
    else addCsvFile('toggl', addTogglCsv, sink, bytes, options);
  },
  addPages: pageByPage(addTogglEntries),
  fetchPages: fetchTogglPages,
};

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
import { type FetchedPage, fetchAllPages, joinUrl } from './http.ts';
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
import { parseInstant, parseIsoDuration } from './values.ts';

/**
 * Clockify. Live: the Reports API detailed report
 * `POST {reportsUrl}/v1/workspaces/{workspaceId}/reports/detailed` (every member's entries, paged by
 * `detailedFilter.page`). File: that report saved as JSON (`{totals, timeentries}`: `_id`, durations
 * in seconds, times with offsets), API v1 time entries (`timeInterval.duration` ISO-8601 `PT2H45M`),
 * or the Detailed report CSV export (Project, Client, Description, Task, User, Email, Billable, Start
 * Date, Start Time, End Date, End Time, Duration (h), …) in the exporter's zone (`options.tz`), its
 * date order read from the file or `options.dateOrder`. A shared report's CSV (Date, Project, Client,
 * Description, Time (h)) has no start time: each row is placed at noon of its date, and a note says
 * so; it has no user column either (`options.person`). Rates are not carried: the charter's rate cards
 * price the hours.
 */

const PAGE_SIZE = 200;

function clockifyVendor(options: SourceOptions): EntryVendor {
  const people = mapOption(options, 'people');
  return {
    source: 'clockify',
    shape: 'a JSON array of time entries (API v1) or a detailed report (`timeentries`)',
    fields: {
      id: 'id',
      duration: 'timeInterval.duration',
      start: 'timeInterval.start',
      end: 'timeInterval.end',
    },
    durationFormat: 'an ISO-8601 duration or whole seconds',
    read(entry) {
      const interval = isObject(entry.timeInterval) ? entry.timeInterval : {};
      const duration = interval.duration;
      const userId = text(entry.userId);
      const running =
        interval.end === null || interval.end === undefined || duration === null || duration === undefined;
      return {
        id: text(entry.id) ?? text(entry._id),
        running,
        seconds:
          typeof duration === 'number'
            ? Number.isInteger(duration) && duration >= 0
              ? duration
              : undefined
            : parseIsoDuration(duration),
        durationText: String(duration),
        start: parseInstant(interval.start),
        end: running ? undefined : parseInstant(interval.end),
        projectName: isObject(entry.project) ? text(entry.project.name) : text(entry.projectName),
        projectId: text(entry.projectId),
        person:
          (isObject(entry.user) ? text(entry.user.email) : undefined) ??
          text(entry.userEmail) ??
          (userId ? (people[userId] ?? `clockify-user-${userId}`) : undefined),
        billable: entry.billable === true,
        description: text(entry.description),
        taskKey: isObject(entry.task) ? text(entry.task.name) : (text(entry.taskName) ?? text(entry.taskId)),
        // Clockify links the entries of an approved timesheet to its approval request
        // (`approvalRequestId`); an entry without one is not approved (yet). Absent field: not known.
        ...('approvalRequestId' in entry
          ? { approval: text(entry.approvalRequestId) ? ('approved' as const) : ('pending' as const) }
          : {}),
      };
    },
  };
}

/** A Reports API detailed report page: `{ totals, timeentries }`. */
export function isClockifyReport(value: unknown): value is { timeentries: unknown[]; totals?: unknown } {
  return isObject(value) && Array.isArray(value.timeentries);
}

export function addClockifyEntries(
  sink: RecordSink,
  page: unknown,
  options: SourceOptions,
  pageLabel: string,
): void {
  addTimeEntries(
    sink,
    isClockifyReport(page) ? page.timeentries : page,
    options,
    pageLabel,
    clockifyVendor(options),
  );
}

export function addClockifyCsv(sink: RecordSink, table: Table, options: SourceOptions): void {
  addTimeCsv(sink, table, options, {
    source: 'clockify',
    startDate: 'Start Date',
    startTime: 'Start Time',
    endDate: 'End Date',
    endTime: 'End Time',
    duration: ['Duration (h)', 'Duration', 'Time (h)'],
    person: ['Email', 'User'],
    billable: /^(yes|true|1)$/i,
    projectHint: 'is not mapped',
    dayColumn: 'Date',
  });
}

/** Fetches the window's detailed report for the whole workspace, page by page. */
async function fetchClockifyPages({ binding, policy, secret, window }: LiveContext): Promise<FetchedPage[]> {
  const options = binding.options;
  const workspaceId = text(options.workspaceId);
  if (workspaceId === undefined) {
    throw new SourceConfigError(`${binding.id}: option workspaceId is required in live mode`, {
      source: binding.id,
    });
  }
  const base =
    stringOption(options, 'reportsUrl') ??
    stringOption(options, 'baseUrl') ??
    'https://reports.api.clockify.me';
  const pageSize = Number(options.pageSize ?? PAGE_SIZE);
  const url = joinUrl(base, `/v1/workspaces/${encodeURIComponent(workspaceId)}/reports/detailed`);
  const headers = { 'x-api-key': secret.apiKey ?? '' };
  const body = (page: number) => ({
    dateRangeStart: `${window.from}T00:00:00.000Z`,
    dateRangeEnd: new Date(Date.parse(`${window.to}T00:00:00Z`) - 1).toISOString(),
    detailedFilter: { page, pageSize, sortColumn: 'DATE' },
    exportType: 'JSON',
  });
  return fetchAllPages(
    policy,
    { url, method: 'POST', headers, body: body(1) },
    (json, index) =>
      isClockifyReport(json) && json.timeentries.length >= pageSize
        ? { url, method: 'POST', headers, body: body(index + 2) }
        : undefined,
    { rawPrefix: binding.id, maxPages: Number(options.maxPages ?? 500) },
  );
}

export const clockifyConnector: Connector = {
  name: 'clockify',
  summary: 'Clockify: Reports API detailed report (live and saved JSON), API v1 entries, Detailed CSV export',
  options: {
    ...COMMON_OPTIONS,
    ...TIME_OPTIONS,
    projectMap: { type: 'map', description: 'Clockify project name or id → projectRef' },
    workspaceId: { type: 'string', description: 'workspace of the detailed report', live: true },
    reportsUrl: {
      type: 'string',
      description: 'Reports API base (default https://reports.api.clockify.me; regional workspaces differ)',
      live: true,
    },
    pageSize: { type: 'number', description: `entries per report page (default ${PAGE_SIZE})`, live: true },
  },
  secretKeys: [['apiKey']],
  addFile(sink, bytes, options) {
    if (looksLikeJson(bytes))
      addJsonFile(clockifyConnector, (v) => Array.isArray(v) || isClockifyReport(v), sink, bytes, options);
    else addCsvFile('clockify', addClockifyCsv, sink, bytes, options);
  },
  addPages: pageByPage(addClockifyEntries),
  fetchPages: fetchClockifyPages,
};

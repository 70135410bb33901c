import {
  addJsonFile,
  COMMON_OPTIONS,
  type Connector,
  type LiveContext,
  pageByPage,
  TIME_OPTIONS,
} from './connector.ts';
import { type FetchedPage, fetchAllPages, joinUrl, resolveUrl } from './http.ts';
import {
  isObject,
  itemPosition,
  mapOption,
  projectFor,
  type RecordSink,
  type SourceOptions,
  text,
  timeZoneOf,
} from './record-sink.ts';
import { parseClockTime, parseDate, parseInstant, toIsoUtc, zonedToEpoch } from './values.ts';

/**
 * Tempo (Jira) worklogs. Live: API v4 `GET /4/worklogs?from&to&limit` following `metadata.next`.
 * File: a saved response (one page, or a JSON array of pages). Worked and billable seconds come from
 * `timeSpentSeconds` and `billableSeconds` (they may differ). `startDate`/`startTime` are wall-clock
 * in `options.tz` (default UTC) unless `startDateTimeUtc` is present.
 * Options: tz, projectRef, projectMap (Jira project key or issue id → projectRef), people (accountId → email).
 */

export function isTempoPage(value: unknown): boolean {
  return isObject(value) && Array.isArray(value.results);
}

export function addTempoPage(
  sink: RecordSink,
  page: unknown,
  options: SourceOptions,
  pageLabel: string,
): void {
  if (!isTempoPage(page)) {
    sink.quarantine(
      'unexpected-shape',
      `tempo ${pageLabel || 'file'}: expected an object with a \`results\` array (API v4)`,
      pageLabel || 'file',
      page,
    );
    return;
  }
  const people = mapOption(options, 'people');
  const tz = timeZoneOf(options);
  (page as { results: unknown[] }).results.forEach((worklog, index) => {
    const position = itemPosition(pageLabel, index);
    if (!isObject(worklog)) {
      sink.quarantine(
        'unexpected-shape',
        `tempo ${position}: a worklog must be an object`,
        position,
        worklog,
      );
      return;
    }
    const id = text(worklog.tempoWorklogId) ?? text(worklog.id);
    if (id === undefined) {
      sink.quarantine(
        'missing-id',
        `tempo ${position}: field \`tempoWorklogId\` is missing`,
        position,
        worklog,
      );
      return;
    }
    const seconds = worklog.timeSpentSeconds;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
      sink.quarantine(
        'invalid-duration',
        `tempo ${position} (worklog ${id}): field \`timeSpentSeconds\` must be a whole number ≥ 0`,
        position,
        worklog,
      );
      return;
    }
    const billableSeconds = worklog.billableSeconds === undefined ? seconds : worklog.billableSeconds;
    if (typeof billableSeconds !== 'number' || !Number.isInteger(billableSeconds) || billableSeconds < 0) {
      sink.quarantine(
        'invalid-duration',
        `tempo ${position} (worklog ${id}): field \`billableSeconds\` must be a whole number ≥ 0`,
        position,
        worklog,
      );
      return;
    }
    let start = parseInstant(worklog.startDateTimeUtc);
    if (start === undefined) {
      const date = parseDate(worklog.startDate);
      const time = parseClockTime(worklog.startTime ?? '00:00:00');
      if (date !== undefined && time !== undefined) start = toIsoUtc(zonedToEpoch(date, time, tz));
    }
    if (start === undefined) {
      sink.quarantine(
        'invalid-start',
        `tempo ${position} (worklog ${id}): field \`startDate\`/\`startTime\` is missing or unreadable`,
        position,
        worklog,
      );
      return;
    }
    const issue = isObject(worklog.issue) ? worklog.issue : {};
    const issueKey = text(issue.key);
    const projectRef = projectFor(options, issueKey?.split('-')[0], text(issue.id));
    if (projectRef === undefined) {
      sink.quarantine(
        'missing-project',
        `tempo ${position} (worklog ${id}): issue ${issueKey ?? text(issue.id) ?? '(none)'} is not in options.projectMap and no projectRef fallback is set`,
        position,
        worklog,
      );
      return;
    }
    const author = isObject(worklog.author) ? worklog.author : {};
    const accountId = text(author.accountId);
    sink.accept(
      {
        kind: 'time',
        sourceId: id,
        projectRef,
        person: accountId ? (people[accountId] ?? accountId) : undefined,
        start,
        seconds,
        billable: billableSeconds > 0,
        billableSeconds,
        description: text(worklog.description),
        taskKey: issueKey ?? text(issue.id),
      },
      position,
      worklog,
    );
  });
}

/** Fetches all worklog pages in the window (Tempo's `to` is inclusive: the day before window.to). */
async function fetchTempoPages({ binding, policy, secret, window }: LiveContext): Promise<FetchedPage[]> {
  const base = (binding.options.baseUrl as string | undefined) ?? 'https://api.tempo.io';
  const lastDay = new Date(Date.parse(`${window.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const headers = { authorization: `Bearer ${secret.token ?? ''}` };
  const first = joinUrl(base, '/4/worklogs', {
    from: window.from,
    to: lastDay,
    limit: Number(binding.options.pageSize ?? 1000),
  });
  return fetchAllPages(
    policy,
    { url: first, headers },
    (json, _index, request) => {
      const next = isObject(json) && isObject(json.metadata) ? text(json.metadata.next) : undefined;
      return next ? { url: resolveUrl(next, request.url), headers } : undefined;
    },
    { rawPrefix: binding.id, maxPages: Number(binding.options.maxPages ?? 500) },
  );
}

export const tempoConnector: Connector = {
  name: 'tempo',
  summary: 'Tempo worklogs (REST API v4, saved responses)',
  options: {
    ...COMMON_OPTIONS,
    tz: TIME_OPTIONS.tz,
    people: TIME_OPTIONS.people,
    projectMap: { type: 'map', description: 'Jira project key or issue id → projectRef' },
    pageSize: { type: 'number', description: 'worklogs per page (default 1000)', live: true },
  },
  secretKeys: [['token']],
  addFile: (sink, bytes, options) => addJsonFile(tempoConnector, isTempoPage, sink, bytes, options),
  addPages: pageByPage(addTempoPage),
  fetchPages: fetchTempoPages,
};

import {
  addJsonFile,
  COMMON_OPTIONS,
  type Connector,
  type LabelledPage,
  type LiveContext,
  TIME_OPTIONS,
} from './connector.ts';
import { SourcePayloadError } from './errors.ts';
import { type FetchedPage, fetchAllPages, joinUrl, requestJson, resolveUrl } from './http.ts';
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
 * Options: tz, projectRef, projectMap (Jira project key or issue id → projectRef), people (accountId → email),
 * approvals (live: read the timesheet approval of each author and approval period, so each worklog is
 * `approved` — its period's timesheet is APPROVED — or `pending`).
 */

export function isTempoPage(value: unknown): boolean {
  return isObject(value) && Array.isArray(value.results);
}

/** A `GET /4/timesheet-approvals/user/{accountId}` response: one user's timesheet in one approval period. */
export function isTempoApproval(value: unknown): boolean {
  return (
    isObject(value) &&
    isObject(value.status) &&
    isObject(value.period) &&
    isObject(value.user) &&
    text(value.user.accountId) !== undefined
  );
}

/** A `GET /4/periods` response: the approval periods of a date range. */
function isTempoPeriods(value: unknown): boolean {
  return isObject(value) && Array.isArray(value.periods) && !Array.isArray(value.results);
}

interface ApprovalWindow {
  readonly from: string;
  readonly to: string;
  readonly approval: 'approved' | 'pending';
}

/** Approval windows by author account id. Only APPROVED is final; OPEN, IN_REVIEW and the rest are not (yet). */
export type TempoApprovals = ReadonlyMap<string, readonly ApprovalWindow[]>;

function approvalsOf(pages: readonly LabelledPage[]): TempoApprovals {
  const byUser = new Map<string, ApprovalWindow[]>();
  for (const page of pages) {
    if (!isTempoApproval(page.json)) continue;
    const approval = page.json as {
      status: { key?: unknown };
      period: { from?: unknown; to?: unknown };
      user: { accountId: unknown };
    };
    const from = parseDate(approval.period.from);
    const to = parseDate(approval.period.to);
    const accountId = text(approval.user.accountId);
    if (from === undefined || to === undefined || accountId === undefined) continue;
    const windows = byUser.get(accountId) ?? [];
    windows.push({ from, to, approval: text(approval.status.key) === 'APPROVED' ? 'approved' : 'pending' });
    byUser.set(accountId, windows);
  }
  return byUser;
}

export function addTempoPage(
  sink: RecordSink,
  page: unknown,
  options: SourceOptions,
  pageLabel: string,
  approvals: TempoApprovals = new Map(),
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
    // The approval period that holds the worklog's own date (Tempo's periods are in local dates).
    const day = parseDate(worklog.startDate) ?? start.slice(0, 10);
    const approval = accountId
      ? approvals.get(accountId)?.find((w) => day >= w.from && day <= w.to)?.approval
      : undefined;
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
        ...(approval ? { approval } : {}),
      },
      position,
      worklog,
    );
  });
}

/**
 * Worklog pages, with the approval responses among them (live mode with `approvals`, or a saved array
 * of both) marking each worklog approved or pending; periods responses carry no records.
 */
function addTempoPages(sink: RecordSink, pages: readonly LabelledPage[], options: SourceOptions): void {
  const approvals = approvalsOf(pages);
  const worklogPages = pages.filter((page) => !isTempoApproval(page.json) && !isTempoPeriods(page.json));
  // Approvals without a worklog page hold no records: say so rather than return nothing.
  if (worklogPages.length === 0 && pages[0]) {
    addTempoPage(sink, { approvalsOnly: true }, options, pages[0].label);
    return;
  }
  for (const page of worklogPages) addTempoPage(sink, page.json, options, page.label, approvals);
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
  const worklogs = await fetchAllPages(
    policy,
    { url: first, headers },
    (json, _index, request) => {
      const next = isObject(json) && isObject(json.metadata) ? text(json.metadata.next) : undefined;
      return next ? { url: resolveUrl(next, request.url), headers } : undefined;
    },
    { rawPrefix: binding.id, maxPages: Number(binding.options.maxPages ?? 500) },
  );
  if (binding.options.approvals !== true) return worklogs;
  return [
    ...worklogs,
    ...(await fetchApprovals(base, headers, policy, binding.id, window.from, lastDay, worklogs)),
  ];
}

/**
 * The approval of every author's timesheet in each approval period the window touches: `GET
 * /4/periods` for the periods, then `GET /4/timesheet-approvals/user/{accountId}` per author and
 * period (the token needs Tempo's "view approvals" scope; a refusal fails the collection).
 */
async function fetchApprovals(
  base: string,
  headers: Record<string, string>,
  policy: LiveContext['policy'],
  source: string,
  from: string,
  to: string,
  worklogs: readonly FetchedPage[],
): Promise<FetchedPage[]> {
  const authors = new Set<string>();
  for (const page of worklogs) {
    const results = isObject(page.json) && Array.isArray(page.json.results) ? page.json.results : [];
    for (const worklog of results) {
      const accountId =
        isObject(worklog) && isObject(worklog.author) ? text(worklog.author.accountId) : undefined;
      if (accountId) authors.add(accountId);
    }
  }
  if (authors.size === 0) return [];
  const fetched: FetchedPage[] = [];
  const get = async (url: string, name: string) => {
    const response = await requestJson(policy, { url, headers });
    fetched.push({
      json: response.json,
      raw: { name, contentType: 'application/json', body: response.bytes },
    });
    return response.json;
  };
  const periodsJson = await get(joinUrl(base, '/4/periods', { from, to }), `${source}/periods.json`);
  const periods = (isObject(periodsJson) && Array.isArray(periodsJson.periods) ? periodsJson.periods : [])
    .map((p) => (isObject(p) ? { from: parseDate(p.from), to: parseDate(p.to) } : {}))
    .filter((p): p is { from: string; to: string } => p.from !== undefined && p.to !== undefined);
  if (periods.length === 0) {
    throw new SourcePayloadError(
      `${source}: Tempo returned no approval periods for ${from}…${to} (GET /4/periods)`,
      {
        source,
        url: '/4/periods',
      },
    );
  }
  let n = 0;
  for (const accountId of [...authors].sort()) {
    for (const period of periods) {
      n += 1;
      await get(
        joinUrl(base, `/4/timesheet-approvals/user/${encodeURIComponent(accountId)}`, period),
        `${source}/approval-${String(n).padStart(4, '0')}.json`,
      );
    }
  }
  return fetched;
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
    approvals: {
      type: 'boolean',
      description:
        "read each author's timesheet approval per Tempo approval period (GET /4/periods, /4/timesheet-approvals/user/…): worklogs become approved or pending, for the charter's readiness rule; the token needs the view-approvals scope",
      live: true,
    },
  },
  secretKeys: [['token']],
  addFile: (sink, bytes, options) =>
    addJsonFile(
      tempoConnector,
      (page) => isTempoPage(page) || isTempoApproval(page) || isTempoPeriods(page),
      sink,
      bytes,
      options,
    ),
  addPages: addTempoPages,
  fetchPages: fetchTempoPages,
};

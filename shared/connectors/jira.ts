import { addJsonFile, COMMON_OPTIONS, type Connector, type LiveContext, pageByPage } from './connector.ts';
import { basicAuth, type FetchedPage, fetchAllPages, joinUrl } from './http.ts';
import {
  isObject,
  itemPosition,
  projectFor,
  type RecordSink,
  type SourceOptions,
  stringOption,
  text,
} from './record-sink.ts';
import { parseDecimal, parseInstant } from './values.ts';

/**
 * Jira Cloud issues (scope and progress). Live: `GET /rest/api/3/search/jql?jql&fields&maxResults&nextPageToken`
 * until `isLast` or no `nextPageToken`. File: a saved response (one page, or an array of pages).
 * Points come from `options.pointsField` (default `customfield_10016`, "Story point estimate");
 * an issue without points counts 0 and is reported in the notes. Done = status category `done`.
 * Options: pointsField, jql, projectRef, projectMap (Jira project key → projectRef), baseUrl, pageSize.
 */

export const DEFAULT_POINTS_FIELD = 'customfield_10016';

export function isJiraPage(value: unknown): boolean {
  return isObject(value) && Array.isArray(value.issues);
}

export function addJiraPage(
  sink: RecordSink,
  page: unknown,
  options: SourceOptions,
  pageLabel: string,
): void {
  if (!isJiraPage(page)) {
    sink.quarantine(
      'unexpected-shape',
      `jira ${pageLabel || 'file'}: expected an object with an \`issues\` array`,
      pageLabel || 'file',
      page,
    );
    return;
  }
  const pointsField = stringOption(options, 'pointsField') ?? DEFAULT_POINTS_FIELD;
  let withoutPoints = 0;
  (page as { issues: unknown[] }).issues.forEach((issue, index) => {
    const position = itemPosition(pageLabel, index);
    if (!isObject(issue) || !isObject(issue.fields)) {
      sink.quarantine(
        'unexpected-shape',
        `jira ${position}: an issue must be an object with \`fields\``,
        position,
        issue,
      );
      return;
    }
    const key = text(issue.key);
    const id = text(issue.id) ?? key;
    if (key === undefined || id === undefined) {
      sink.quarantine('missing-id', `jira ${position}: field \`key\` is missing`, position, issue);
      return;
    }
    const fields = issue.fields;
    const status = isObject(fields.status) ? fields.status : {};
    const category = isObject(status.statusCategory) ? text(status.statusCategory.key) : undefined;
    const rawPoints = fields[pointsField];
    let points = 0;
    if (rawPoints === null || rawPoints === undefined) {
      withoutPoints += 1;
    } else {
      const parsed = parseDecimal(rawPoints);
      if (parsed === undefined) {
        sink.quarantine(
          'invalid-points',
          `jira ${position} (${key}): field \`${pointsField}\` is not a number`,
          position,
          issue,
        );
        return;
      }
      points = Number(parsed);
    }
    const projectKey = isObject(fields.project) ? text(fields.project.key) : key.split('-')[0];
    const projectRef = projectFor(options, projectKey);
    if (projectRef === undefined) {
      sink.quarantine(
        'missing-project',
        `jira ${position} (${key}): project ${projectKey ?? '(none)'} is not mapped and no projectRef fallback is set`,
        position,
        issue,
      );
      return;
    }
    let resolvedAt: string | undefined;
    if (fields.resolutiondate !== null && fields.resolutiondate !== undefined) {
      resolvedAt = parseInstant(fields.resolutiondate);
      if (resolvedAt === undefined) {
        sink.quarantine(
          'invalid-date',
          `jira ${position} (${key}): field \`resolutiondate\` is not an ISO timestamp with offset`,
          position,
          issue,
        );
        return;
      }
    }
    const versions = Array.isArray(fields.fixVersions) ? fields.fixVersions : [];
    const milestone = versions.length > 0 && isObject(versions[0]) ? text(versions[0].name) : undefined;
    sink.accept(
      {
        kind: 'task',
        sourceId: id,
        projectRef,
        key,
        status: text(status.name) ?? '',
        done: category === 'done',
        points,
        resolvedAt,
        milestone,
        summary: text(fields.summary),
        description: documentText(fields.description),
      },
      position,
      issue,
    );
  });
  if (withoutPoints > 0)
    sink.note(
      `jira ${pageLabel || 'file'}: ${withoutPoints} issue(s) have no ${pointsField}; counted as 0 points`,
    );
}

/**
 * Plain text of an issue description: Jira Cloud v3 returns Atlassian Document Format (nested
 * nodes whose leaves carry `text`); v2 and saved exports a string. Blocks become lines.
 */
export function documentText(value: unknown): string | undefined {
  if (typeof value === 'string') return text(value);
  const parts: string[] = [];
  const walk = (node: unknown) => {
    if (!isObject(node)) return;
    if (typeof node.text === 'string') parts.push(node.text);
    if (node.type === 'hardBreak') parts.push('\n');
    if (Array.isArray(node.content)) {
      for (const child of node.content) walk(child);
      if (node.type !== 'text' && node.type !== 'doc') parts.push('\n');
    }
  };
  walk(value);
  return text(
    parts
      .join('')
      .replace(/\n{2,}/g, '\n')
      .trim(),
  );
}

async function fetchJiraPages({ binding, policy, secret }: LiveContext): Promise<FetchedPage[]> {
  const options = binding.options;
  const base = stringOption(options, 'baseUrl') ?? '';
  const pointsField = stringOption(options, 'pointsField') ?? DEFAULT_POINTS_FIELD;
  const jql =
    stringOption(options, 'jql') ?? `project = ${stringOption(options, 'projectKey') ?? ''} ORDER BY key`;
  const headers = { authorization: basicAuth(secret.email ?? '', secret.apiToken ?? '') };
  const pageUrl = (token?: string) =>
    joinUrl(base, '/rest/api/3/search/jql', {
      jql,
      fields: `summary,description,status,resolutiondate,fixVersions,project,${pointsField}`,
      maxResults: Number(options.pageSize ?? 100),
      nextPageToken: token,
    });
  return fetchAllPages(
    policy,
    { url: pageUrl(), headers },
    (json) => {
      if (!isObject(json) || json.isLast === true) return undefined;
      const token = text(json.nextPageToken);
      return token ? { url: pageUrl(token), headers } : undefined;
    },
    { rawPrefix: binding.id, maxPages: Number(options.maxPages ?? 500) },
  );
}

export const jiraConnector: Connector = {
  name: 'jira',
  summary: 'Jira Cloud issues for scope and progress (search/jql responses)',
  options: {
    ...COMMON_OPTIONS,
    projectMap: { type: 'map', description: 'Jira project key → projectRef' },
    pointsField: { type: 'string', description: `story points field (default ${DEFAULT_POINTS_FIELD})` },
    jql: { type: 'string', description: 'JQL of the live search', live: true },
    projectKey: { type: 'string', description: 'project key when no jql is given', live: true },
    pageSize: { type: 'number', description: 'issues per page (default 100)', live: true },
  },
  secretKeys: [['email', 'apiToken']],
  addFile: (sink, bytes, options) => addJsonFile(jiraConnector, isJiraPage, sink, bytes, options),
  addPages: pageByPage(addJiraPage),
  fetchPages: fetchJiraPages,
};

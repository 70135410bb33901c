import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import type { TaskRecord } from '#domain/records.ts';
import { fixture, fixtureJson } from './helpers.ts';

const pages = () =>
  new TextEncoder().encode(
    JSON.stringify([fixtureJson('jira/search-jql-page-1.json'), fixtureJson('jira/search-jql-page-2.json')]),
  );

describe('jira', () => {
  it('reads status, done, points, resolution with +0200 offsets and milestones', async () => {
    const result = await normalizeFile('jira', pages(), { projectMap: { ATL: 'atlas' } });
    const tasks = result.records as TaskRecord[];
    expect(tasks.map((t) => [t.key, t.done, t.points])).toEqual([
      ['ATL-12', true, 8],
      ['ATL-14', false, 5],
      ['ATL-15', true, 3.5],
      ['ATL-20', true, 2],
      ['ATL-21', false, 0],
    ]);
    expect(tasks[0]).toMatchObject({
      resolvedAt: '2026-10-14T14:02:11Z',
      milestone: 'm2-build',
      status: 'Done',
      projectRef: 'atlas',
    });
    expect(tasks[3]?.resolvedAt).toBe('2026-10-26T10:00:00Z');
    expect(result.notes.join(' ')).toContain('1 issue(s) have no customfield_10016');
  });

  it('reads points from a configurable field', async () => {
    const page = {
      issues: [
        {
          id: '1',
          key: 'FP-1',
          fields: { status: { name: 'Done', statusCategory: { key: 'done' } }, customfield_10042: 13 },
        },
      ],
    };
    const result = await normalizeFile('jira', new TextEncoder().encode(JSON.stringify(page)), {
      projectRef: 'p',
      pointsField: 'customfield_10042',
    });
    expect(result.records[0]).toMatchObject({ points: 13, done: true });
  });
});

describe('jira on a real response (atlassian-python-api test data)', () => {
  it('reads a done issue with its summary and description, a -0500 resolution date and no story points', async () => {
    const result = await normalizeFile(
      'jira',
      fixture('real/jira/agile-epic-issues-atlassian-python-api.json'),
      {},
    );
    expect(result.records).toEqual([
      {
        source: 'jira',
        kind: 'task',
        sourceId: '125595',
        projectRef: 'MIRCOLL',
        key: 'BAR-111',
        summary: 'Sample Story in Epic',
        description: 'Some Description',
        status: 'Done',
        done: true,
        points: 0,
        // 11:33:07 at UTC−5 is 16:33:07 UTC.
        resolvedAt: '2022-02-03T16:33:07Z',
      },
    ]);
    expect(result.notes.join('\n')).toContain('1 issue(s) have no customfield_10016; counted as 0 points');
  });
});

describe('jira on a real issue (atlassian-python-api test data, GET /rest/api/2/issue/FOO-123)', () => {
  it('reads an open Epic in Backlog: not done, no resolution date, no story points', async () => {
    const result = await normalizeFile('jira', fixture('real/jira/issue-foo-123-atlassian-python-api.json'), {
      projectMap: { FOO: 'foo-app' },
    });
    // Status "Backlog" is in category `new` ("To Do"), `resolutiondate` is null and the issue has no
    // customfield_10016: an open task worth 0 points, in project FOO.
    expect(result.records).toEqual([
      {
        source: 'jira',
        kind: 'task',
        sourceId: '138135',
        projectRef: 'foo-app',
        key: 'FOO-123',
        summary: 'Sample',
        description: 'Some Issue Description ',
        status: 'Backlog',
        done: false,
        points: 0,
      },
    ]);
    expect(result.quarantined).toEqual([]);
    expect(result.notes.join('\n')).toContain('1 issue(s) have no customfield_10016; counted as 0 points');
  });
});

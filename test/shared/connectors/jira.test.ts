import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import type { TaskRecord } from '#domain/records.ts';
import { fixtureJson } from './helpers.ts';

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

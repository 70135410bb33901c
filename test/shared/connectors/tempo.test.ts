import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import type { TimeRecord } from '#domain/records.ts';
import { fixture, fixtureJson } from './helpers.ts';

const bothPages = () =>
  new TextEncoder().encode(
    JSON.stringify([fixtureJson('tempo/worklogs-page-1.json'), fixtureJson('tempo/worklogs-page-2.json')]),
  );

describe('tempo', () => {
  it('keeps worked and billable seconds apart and a worklog on two pages once', async () => {
    const result = await normalizeFile('tempo', bothPages(), {
      tz: 'Europe/Berlin',
      projectMap: { ATL: 'atlas' },
    });
    expect(result.records.map((r) => r.sourceId)).toEqual(['8801', '8802', '8803', '8804']);
    expect(result.duplicates).toBe(1);
    expect(result.notes.join(' ')).toContain('kept once');
    expect(result.records[1]).toMatchObject({
      seconds: 5400,
      billableSeconds: 3600,
      billable: true,
      taskKey: 'ATL-14',
    });
    expect(result.records[2]).toMatchObject({ seconds: 3600, billableSeconds: 0, billable: false });
    expect(result.records[3]).toMatchObject({
      start: '2026-10-24T23:30:00Z',
      person: '712020:ben',
      projectRef: 'atlas',
    });
  });

  it('positions quarantined worklogs by page and item', async () => {
    const page = {
      results: [{ tempoWorklogId: 1, timeSpentSeconds: -5, startDate: '2026-10-01' }],
      metadata: {},
    };
    const result = await normalizeFile('tempo', new TextEncoder().encode(JSON.stringify([page, page])), {
      projectRef: 'p',
    });
    expect(result.quarantined.map((q) => q.position)).toEqual(['page 1 item 1', 'page 2 item 1']);
    expect(result.quarantined[0]?.message).toContain('`timeSpentSeconds`');
  });
});

describe('tempo on real worklogs (Airbyte acceptance-test data from a Tempo Cloud instance)', () => {
  const seconds = (records: unknown[]) => (records as TimeRecord[]).reduce((s, r) => s + r.seconds, 0);

  it('reads four January 2021 worklogs at Berlin wall-clock time, issue ids mapped to projects', async () => {
    const result = await normalizeFile('tempo', fixture('real/tempo/airbyte-worklogs-january-2021.json'), {
      tz: 'Europe/Berlin',
      projectMap: { '10000': 'alpha', '10002': 'beta' },
    });
    const time = result.records as TimeRecord[];
    expect(time.map((r) => [r.sourceId, r.projectRef, r.start, r.seconds, r.billableSeconds])).toEqual([
      ['2', 'alpha', '2021-01-24T07:00:00Z', 600, 600],
      ['4', 'alpha', '2021-01-24T07:10:00Z', 14_400, 14_400],
      ['5', 'alpha', '2021-01-25T07:00:00Z', 7200, 7200],
      ['3', 'beta', '2021-01-27T07:00:00Z', 1800, 1800],
    ]);
    expect(result.quarantined).toEqual([]);
    // By hand: alpha 600 + 14400 + 7200 = 22200 s; beta 1800 s; total 24000 s (6 h 40 min).
    expect(seconds(time.filter((r) => r.projectRef === 'alpha'))).toBe(22_200);
    expect(seconds(time)).toBe(24_000);
    expect(time[0]?.person).toBe('5fc9e78d2730d800760becc4');
  });

  it('shows the issue each April 2021 worklog is on when no project map is given', async () => {
    const result = await normalizeFile('tempo', fixture('real/tempo/airbyte-worklogs-april-2021.json'), {});
    const time = result.records as TimeRecord[];
    expect(time).toHaveLength(10);
    const byIssue = new Map<string, number>();
    for (const r of time) byIssue.set(r.projectRef, (byIssue.get(r.projectRef) ?? 0) + r.seconds);
    // By hand: 10622: 2640; 10077: 2160 + 2760 + 4260 + 2580 + 5820 = 17580; 10073: 8640;
    // 10070: 6240 + 7080 = 13320; 10064: 10860. Total 53040 s (14 h 44 min).
    expect(Object.fromEntries(byIssue)).toEqual({
      '10622': 2640,
      '10077': 17_580,
      '10073': 8640,
      '10070': 13_320,
      '10064': 10_860,
    });
    expect(seconds(time)).toBe(53_040);
    expect(time.every((r) => r.start === '2021-04-14T18:48:52Z')).toBe(true);
  });

  it('reads both samples as two pages: fourteen worklogs, none twice', async () => {
    const bytes = new TextEncoder().encode(
      JSON.stringify([
        fixtureJson('real/tempo/airbyte-worklogs-january-2021.json'),
        fixtureJson('real/tempo/airbyte-worklogs-april-2021.json'),
      ]),
    );
    const result = await normalizeFile('tempo', bytes, { projectRef: 'p' });
    expect(result.duplicates).toBe(0);
    // 24000 + 53040 = 77040 s.
    expect(seconds(result.records)).toBe(77_040);
  });
});

describe('tempo timesheet approvals', () => {
  const approvals = fixtureJson('tempo/timesheet-approvals-2026-10.json') as Record<string, unknown[]>;
  const all = Object.values(approvals).flat();

  it('marks each worklog by the approval of its author in the period that holds its date', async () => {
    const file = [
      fixtureJson('tempo/worklogs-page-1.json'),
      fixtureJson('tempo/worklogs-page-2.json'),
      ...all,
    ];
    const result = await normalizeFile('tempo', new TextEncoder().encode(JSON.stringify(file)), {
      tz: 'Europe/Berlin',
      projectMap: { ATL: 'atlas' },
    });
    const byId = Object.fromEntries(
      (result.records as TimeRecord[]).map((r) => [r.sourceId, [r.person, r.start.slice(0, 10), r.approval]]),
    );
    expect(byId).toEqual({
      // anna's first period (28 Sep – 11 Oct) is APPROVED, ben's is still OPEN
      '8801': ['712020:anna', '2026-10-05', 'approved'],
      '8802': ['712020:ben', '2026-10-05', 'pending'],
      '8803': ['712020:anna', '2026-10-06', 'approved'],
      // ben's worklog of 25 Oct (23:30 UTC on the 24th) falls in his second period, APPROVED
      '8804': ['712020:ben', '2026-10-24', 'approved'],
    });
    expect(result.quarantined).toEqual([]);
  });

  it('leaves the approval unknown without approval responses', async () => {
    const result = await normalizeFile('tempo', bothPages(), {
      tz: 'Europe/Berlin',
      projectMap: { ATL: 'atlas' },
    });
    expect((result.records as TimeRecord[]).every((r) => r.approval === undefined)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import { fixtureJson } from './helpers.ts';

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

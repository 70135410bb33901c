import { describe, expect, it } from 'vitest';
import { collectSource } from '#connectors/index.ts';
import { binding, demoFile, fixture, testContext } from './helpers.ts';

const demoFiles = {
  'toggl-detailed-2026-10.csv': demoFile('toggl-detailed-2026-10.csv'),
  'quickbooks-bills-2026-10.json': demoFile('quickbooks-bills-2026-10.json'),
  'cost-explorer-2026-10.json': demoFile('cost-explorer-2026-10.json'),
  'overheads-2026-10.csv': demoFile('overheads-2026-10.csv'),
  'acceptance-2026-10.csv': demoFile('acceptance-2026-10.csv'),
};

const demoBindings = [
  binding({
    id: 'toggl',
    connector: 'toggl',
    mode: 'file',
    path: 'toggl-detailed-2026-10.csv',
    options: { tz: 'Europe/Berlin' },
  }),
  binding({ id: 'purchases', connector: 'quickbooks', mode: 'file', path: 'quickbooks-bills-2026-10.json' }),
  binding({
    id: 'cloud',
    connector: 'aws-cost-explorer',
    mode: 'file',
    path: 'cost-explorer-2026-10.json',
    options: { tagKey: 'project', tagValue: 'atlas' },
  }),
  binding({
    id: 'overheads',
    connector: 'csv',
    mode: 'file',
    path: 'overheads-2026-10.csv',
    options: { profile: 'overhead' },
  }),
  binding({
    id: 'acceptance',
    connector: 'csv',
    mode: 'file',
    path: 'acceptance-2026-10.csv',
    options: { profile: 'acceptance' },
  }),
];

describe('collectSource in file mode', () => {
  it('collects the demo tenant with the charter projectRef and archives each file raw', async () => {
    const ctx = testContext({ files: demoFiles, projectRef: 'atlas' });
    const results = await Promise.all(demoBindings.map((b) => collectSource(b, ctx)));
    expect(results.map((r) => [r.sourceId, r.records.length, r.quarantined.length])).toEqual([
      ['toggl', 213, 0],
      ['purchases', 4, 0],
      ['cloud', 4, 0],
      ['overheads', 3, 0],
      ['acceptance', 1, 0],
    ]);
    const projects = new Set(results.flatMap((r) => r.records.map((rec) => rec.projectRef)));
    expect(projects).toEqual(new Set(['atlas', 'unallocated']));
    expect(results[0]?.raw[0]).toMatchObject({
      name: 'toggl/toggl-detailed-2026-10.csv',
      contentType: 'text/csv',
    });
    expect(results[0]?.raw[0]?.body).toEqual(demoFiles['toggl-detailed-2026-10.csv']);
  });

  it("reads wall-clock times in the project's time zone unless the binding sets tz", async () => {
    const ctx = testContext({ files: demoFiles, projectRef: 'atlas' });
    const [withTz] = demoBindings;
    if (!withTz) throw new Error('no toggl binding');
    const plain = { ...withTz, options: {} };
    const berlin = await collectSource(withTz, ctx);
    const inherited = await collectSource(plain, { ...ctx, timeZone: 'Europe/Berlin' });
    const utc = await collectSource(plain, ctx);
    expect(inherited.records).toEqual(berlin.records);
    expect(utc.records).not.toEqual(berlin.records);
    // The binding's own tz wins over the project's zone.
    const own = await collectSource(
      { ...withTz, options: { tz: 'UTC' } },
      { ...ctx, timeZone: 'Europe/Berlin' },
    );
    expect(own.records).toEqual(utc.records);
  });

  it('yields the same records when the same input is collected twice (idempotent keys)', async () => {
    const ctx = testContext({ files: demoFiles });
    const first = await Promise.all(demoBindings.map((b) => collectSource(b, ctx)));
    const second = await Promise.all(demoBindings.map((b) => collectSource(b, ctx)));
    expect(second.map((r) => r.records)).toEqual(first.map((r) => r.records));
    for (const result of first) {
      expect(new Set(result.records.map((r) => `${r.source}#${r.sourceId}`)).size).toBe(
        result.records.length,
      );
    }
  });

  it('quarantines an unreadable JSON file as a whole instead of failing', async () => {
    const ctx = testContext({ files: { 'bad.json': new TextEncoder().encode('{"QueryResponse": ') } });
    const result = await collectSource(
      binding({ connector: 'quickbooks', mode: 'file', path: 'bad.json' }),
      ctx,
    );
    expect(result.records).toEqual([]);
    expect(result.quarantined[0]).toMatchObject({
      reason: 'unparseable-file',
      position: 'file',
      source: 'quickbooks',
    });
  });

  it('fails with SourceConfigError when the inbox file is missing or no path is set', async () => {
    await expect(
      collectSource(binding({ connector: 'toggl', mode: 'file', path: 'nope.csv' }), testContext()),
    ).rejects.toMatchObject({
      name: 'SourceConfigError',
    });
    await expect(
      collectSource(binding({ connector: 'toggl', mode: 'file' }), testContext()),
    ).rejects.toMatchObject({ name: 'SourceConfigError' });
  });

  it('refuses live mode for file-only connectors', async () => {
    await expect(
      collectSource(binding({ connector: 'csv', mode: 'live', secret: 's' }), testContext()),
    ).rejects.toMatchObject({
      name: 'SourceConfigError',
    });
  });

  it('reads NDJSON records for the demo connector (the output of settle normalize)', async () => {
    const line = JSON.stringify({
      kind: 'evidence',
      source: 'csv',
      sourceId: 'x',
      projectRef: 'atlas',
      type: 'acceptance',
      date: '2026-10-16',
      reference: 'r',
    });
    const ctx = testContext({ files: { 'records.ndjson': new TextEncoder().encode(`${line}\nnot json\n`) } });
    const result = await collectSource(
      binding({ connector: 'demo', mode: 'file', path: 'records.ndjson' }),
      ctx,
    );
    expect(result.records[0]).toMatchObject({ source: 'demo', sourceId: 'x' });
    expect(result.quarantined[0]).toMatchObject({ reason: 'unparseable-line', position: 'line 2' });
  });

  it('uses the binding projectRef before the charter one', async () => {
    const ctx = testContext({
      files: { 'e.json': fixture('toggl/time-entries-v9.json') },
      projectRef: 'atlas',
    });
    const result = await collectSource(
      binding({ connector: 'toggl', mode: 'file', path: 'e.json', options: { projectRef: 'atlas-phase-2' } }),
      ctx,
    );
    expect(new Set(result.records.map((r) => r.projectRef))).toEqual(new Set(['atlas-phase-2']));
  });
});

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFocusCostsSql, queryFocusFiles } from '#analytics/focus-export.ts';
import { type CloudCostSnapshot, focusQuery, sharedQueryKey, sliceOf } from '#connectors/cloud-costs.ts';
import { createCollector, normalizeFile } from '#connectors/index.ts';
import type { DataSourceBinding } from '#domain/sources.ts';

/**
 * The nightly FOCUS query: the same SQL text Athena runs, on DuckDB over the FinOps Foundation's
 * real FOCUS 1.0 sample (test/fixtures/focus), gives each project the same records, allocation of
 * the untagged cost and notes as reading the export file in the Collect step.
 */

const SAMPLE = resolve(import.meta.dirname, '../../fixtures/focus/focus-1.0-sample.csv');
const WINDOW = { from: '2024-09-01', to: '2024-10-01' };
const PROJECTS = { 'bright-path': 'BrightPathMatrix', 'bright-lens': 'BrightLensMatrix' } as const;
let sql: string;
let rows: Record<string, string | null>[];
let csv: Uint8Array;

beforeAll(async () => {
  sql = await loadFocusCostsSql();
  csv = new Uint8Array(await readFile(SAMPLE));
  rows = await queryFocusFiles([{ path: SAMPLE, billingPeriod: '2024-09' }], sql, [
    'application',
    'application',
    '2024-09',
    '2024-09',
  ]);
});

const bindingOf = (options: Record<string, unknown>): DataSourceBinding => ({
  id: 'cloud',
  connector: 'focus',
  mode: 'live',
  options: { tagKey: 'application', ...options },
});

/** The records a settlement gets from the night's snapshot slice. */
async function fromSnapshot(projectRef: string, options: Record<string, unknown>) {
  const binding = bindingOf(options);
  const key = sharedQueryKey(binding, WINDOW) ?? '';
  const query = focusQuery(rows, {
    key,
    window: WINDOW,
    queryId: 'local-1',
    tagValues: Object.values(PROJECTS),
    metric: options.metric === 'BilledCost' ? 'BilledCost' : 'EffectiveCost',
  });
  const snapshot: CloudCostSnapshot = { tenantId: 'acme', asOf: '2024-10-05', queries: [query] };
  const collect = createCollector();
  return collect(binding, {
    projectRef,
    window: WINDOW,
    readFile: async () => new Uint8Array(),
    getSecret: async () => ({}),
    fetch: globalThis.fetch,
    sleep: async () => {},
    sharedSlice: async (b) => sliceOf(snapshot, 'cloud-costs/acme/2024-10-05.json', b, projectRef, WINDOW),
  });
}

describe('the nightly FOCUS cost query', () => {
  it('is Trino SQL: the Athena grammar parses the file', () => {
    expect(new TrinoSQL().validate(sql)).toEqual([]);
  });

  it('groups the real sample by the tag with exact decimal sums', () => {
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(row.effective_cost ?? '0').toMatch(/^-?\d+(\.\d+)?$/);
    expect(rows.reduce((n, r) => n + Number(r.row_count), 0)).toBe(1000);
    expect(new Set(rows.map((r) => r.tag_value))).toContain('BrightPathMatrix');
  });

  for (const shared of ['proportional', '0.25', 'none'] as const) {
    for (const metric of ['EffectiveCost', 'BilledCost'] as const) {
      it(`gives each project the records of the export file (shared: ${shared}, ${metric})`, async () => {
        for (const [projectRef, tagValue] of Object.entries(PROJECTS)) {
          const options = { tagValue, shared, metric };
          const file = await normalizeFile('focus', csv, { tagKey: 'application', projectRef, ...options });
          const night = await fromSnapshot(projectRef, options);
          expect(file.records.length, projectRef).toBeGreaterThan(0);
          // Same records (stored by source id, so their order does not matter).
          const bySourceId = <T extends { sourceId: string }>(list: T[]) =>
            [...list].sort((a, b) => a.sourceId.localeCompare(b.sourceId));
          expect(bySourceId(night.records), projectRef).toEqual(bySourceId(file.records));
          expect(night.quarantined).toEqual([]);
          expect(night.notes.join('\n')).toContain('read from the nightly cloud-cost snapshot');
          // The notes on untagged cost, other projects, finality and the metric are the file's.
          for (const note of file.notes) expect(night.notes).toContain(note);
        }
      });
    }
  }

  it('keeps no other project’s detail in a slice: only its sum per billing period', async () => {
    const night = await fromSnapshot('bright-path', { tagValue: 'BrightPathMatrix' });
    const raw = new TextDecoder().decode(night.raw[0]?.body);
    expect(raw).not.toContain('BrightLensMatrix');
    expect(raw).toContain('"tag":"others"');
  });
});

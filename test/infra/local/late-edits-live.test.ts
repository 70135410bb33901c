import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putCharter } from '#adapters/settlement-store.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import {
  startVendor,
  TEMPO_SECRET_ENV,
  type Vendor,
  withLiveTempo,
} from '../../reliability/support/vendor.ts';

/**
 * A live source under a late-edit rule asks the vendor for the days before the period too (31 by
 * default: the previous month in full), so that a worklog of a locked month edited or deleted at the
 * source since is seen at the next collection; without a rule it asks for the period only.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

let runtime: LocalRuntime;
let vendor: Vendor;

beforeAll(async () => {
  vendor = await startVendor();
  runtime = await startLocalRuntime({ tenantId: 'acme', retryIntervalMs: 0, env: TEMPO_SECRET_ENV });
}, 120_000);

afterAll(async () => {
  await runtime?.sfn.stopAll();
  await runtime?.stop();
  await vendor?.close();
});

/** Starts a settlement of November for a live-Tempo copy of the demo and returns the first worklog query. */
async function firstQuery(
  projectId: string,
  lateEdits: unknown,
  extra: Record<string, unknown> = {},
): Promise<URLSearchParams> {
  // UTC days (the windows below are UTC dates) unless a test sets `timeZone` in `extra`.
  const { timeZone: _demoZone, ...demo } = JSON.parse(
    await readFile(join(ROOT, 'demo', 'acme', 'charter.json'), 'utf8'),
  ) as Record<string, unknown>;
  const charter = withLiveTempo(vendor.baseUrl)({ ...demo, ...extra, projectId, sources: [] });
  await putCharter(projectId, lateEdits === undefined ? charter : { ...charter, lateEdits });
  vendor.urls.length = 0;
  const input = { tenantId: 'acme', projectId, period: '2026-11', revision: 0, asOf: '2026-11-30' };
  const execution = runtime.sfn.startExecution(runtime.settlementArn, input, `${projectId}-2026-11`);
  while (vendor.urls.length === 0 && execution.status === 'RUNNING')
    await new Promise((r) => setTimeout(r, 20));
  expect(vendor.urls.length, `${execution.error}: ${execution.cause}`).toBeGreaterThan(0);
  return new URL(vendor.urls[0] ?? '/', 'http://vendor').searchParams;
}

describe('late edits of live sources', { timeout: 180_000 }, () => {
  it('asks for the period only without a late-edit rule', async () => {
    expect((await firstQuery('live-plain', undefined)).get('from')).toBe('2026-11-01');
  });

  it('looks back 31 days by default under a rule, so October is asked for in full', async () => {
    const query = await firstQuery('live-lookback', { mode: 'carryForward' });
    expect(query.get('from')).toBe('2026-10-01');
  });

  it('asks for a day more on each side when the project counts its days in another zone than UTC', async () => {
    const query = await firstQuery('live-berlin', undefined, { timeZone: 'Europe/Berlin' });
    expect([query.get('from'), query.get('to')]).toEqual(['2026-10-31', '2026-12-01']);
    const utc = await firstQuery('live-utc', undefined, { timeZone: 'UTC' });
    expect([utc.get('from'), utc.get('to')]).toEqual(['2026-11-01', '2026-11-30']);
  });

  it('looks back as far as the rule says', async () => {
    const query = await firstQuery('live-lookback-60', { mode: 'revise', lookBackDays: 60 });
    expect(query.get('from')).toBe('2026-09-02');
  });
});

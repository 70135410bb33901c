import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSettlement } from '#adapters/settlement-store.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { importProject } from '#local/tenant-files.ts';

/**
 * The Open step as the cloud runs it (a nightly start or an API call, no command line in front):
 * a period the charter cannot settle and a revision with nothing to correct claim nothing.
 */

const DEMO = join(resolve(import.meta.dirname, '..', '..'), 'demo', 'acme');
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({ tenantId: 'acme', retryIntervalMs: 0 });
  await importProject(join(DEMO, 'charter.json'), DEMO);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

const input = { tenantId: 'acme', projectId: 'atlas-portal', asOf: '2026-10-31' };

describe('Open', () => {
  it('refuses a malformed period before claiming a settlement', async () => {
    const execution = await runtime.runSettlement({ ...input, period: '2026-1', revision: 0 });
    expect(execution.status).toBe('FAILED');
    expect(execution.history.some((e) => e.type === 'StateFailed' && e.error === 'InvalidPeriodError')).toBe(
      true,
    );
    expect(await getSettlement('atlas-portal', '2026-1', 0)).toBeUndefined();
  }, 60_000);

  it('refuses a revision of a period with no earlier settlement', async () => {
    const execution = await runtime.runSettlement({
      ...input,
      period: '2026-11',
      revision: 1,
      reason: 'late invoice',
    });
    expect(execution.status).toBe('FAILED');
    const failed = execution.history.find((e) => e.type === 'StateFailed' && e.state === 'Open');
    expect(failed?.cause).toContain(
      'revision 1 corrects an earlier settlement of this period, but there is none',
    );
    expect(await getSettlement('atlas-portal', '2026-11', 1)).toBeUndefined();
  }, 60_000);
});

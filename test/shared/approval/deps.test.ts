import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetConfig } from '#adapters/config.ts';
import { WRONG_SECRET_METRIC } from '#approval/throttle.ts';

/** The wrong-secret count leaves the function as a CloudWatch metric (EMF), as the alarm reads it. */

const saved = { ...process.env };
let lines: string[] = [];
const write = process.stdout.write.bind(process.stdout);

beforeEach(() => {
  Object.assign(process.env, {
    TENANT_ID: 'acme',
    TABLE_NAME: 't',
    BUCKET_NAME: 'b',
    ARCHIVE_BUCKET_NAME: 'a',
    POWERTOOLS_SERVICE_NAME: 'approval-api',
    POWERTOOLS_METRICS_NAMESPACE: 'ProjectSettlement',
  });
  delete process.env.POWERTOOLS_DEV;
  resetConfig();
  lines = [];
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
});

afterEach(() => {
  process.stdout.write = write;
  process.env = { ...saved };
  resetConfig();
});

describe('approvalDeps', () => {
  it('publishes one ApprovalWrongSecret count per wrong secret, by service and tenant', async () => {
    // Imported here: the metrics module reads its namespace and dimensions from the environment.
    const { approvalDeps } = await import('#approval/deps.ts');
    approvalDeps(new Logger({ serviceName: 'approval-api' })).countWrongSecret();
    process.stdout.write = write;
    const emf = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('_aws'))
      .map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } });
    expect(emf).toHaveLength(1);
    const [entry] = emf;
    expect(entry?.[WRONG_SECRET_METRIC]).toBe(1);
    expect(entry?.service).toBe('approval-api');
    expect(entry?.tenant).toBe('acme');
    expect(entry?._aws.CloudWatchMetrics).toEqual([
      expect.objectContaining({
        Namespace: 'ProjectSettlement',
        Metrics: [expect.objectContaining({ Name: WRONG_SECRET_METRIC })],
      }),
    ]);
  });
});

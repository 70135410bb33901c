import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getClients, resetClients } from '#adapters/clients.ts';
import { resetConfig } from '#adapters/config.ts';
import { readRecords, storeRecords, takeStatementNumber } from '#adapters/settlement-store.ts';
import type { SettlementRecord } from '#domain/records.ts';
import { type Emulators, LOCAL_CREDENTIALS, provisionTenant, startEmulators } from '#local/emulators.ts';

let emulators: Emulators;

beforeAll(async () => {
  emulators = await startEmulators();
  await provisionTenant(emulators, {
    tableName: 'settlement-store-test',
    bucketName: 'settlement-store-test',
    archiveBucketName: 'settlement-store-test-archive',
  });
  Object.assign(process.env, {
    TENANT_ID: 'store',
    TABLE_NAME: 'settlement-store-test',
    BUCKET_NAME: 'settlement-store-test',
    ARCHIVE_BUCKET_NAME: 'settlement-store-test-archive',
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    DYNAMODB_ENDPOINT: emulators.dynamodbEndpoint,
    S3_ENDPOINT: emulators.s3Endpoint,
  });
  resetConfig();
  resetClients();
});

afterAll(async () => {
  resetClients();
  await emulators?.stop();
});

const entry = (id: string, seconds: number): SettlementRecord => ({
  kind: 'time',
  source: 'toggl',
  sourceId: id,
  projectRef: 'atlas',
  person: 'anna@example.com',
  start: '2026-10-05T08:00:00Z',
  seconds,
  billable: true,
  billableSeconds: seconds,
});

describe('the settlement store on DynamoDB (dynalite)', () => {
  it('stores a record collected twice once, and records a change at the source', async () => {
    const first = await storeRecords(
      'p1',
      [entry('1', 3600), entry('2', 1800), entry('1', 3600)],
      '2026-11-01T00:00:00Z',
    );
    expect(first).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    const again = await storeRecords('p1', [entry('1', 3600), entry('2', 1800)], '2026-11-02T00:00:00Z');
    expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    const changed = await storeRecords('p1', [entry('2', 2700)], '2026-11-03T00:00:00Z');
    expect(changed).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    const stored: SettlementRecord[] = [];
    for await (const r of readRecords('p1')) stored.push(r);
    expect(stored.map((r) => (r.kind === 'time' ? r.seconds : 0))).toEqual([3600, 2700]);
  });

  it('gives statement numbers without gaps, the same number to a re-run, and back to a settlement that crashed', async () => {
    expect(await takeStatementNumber(2026, 'a')).toBe(1);
    expect(await takeStatementNumber(2026, 'a')).toBe(1);
    // b takes 2; c takes 3; b is re-run after c: it gets 2 back, not 4.
    expect(await takeStatementNumber(2026, 'b')).toBe(2);
    expect(await takeStatementNumber(2026, 'c')).toBe(3);
    expect(await takeStatementNumber(2026, 'b')).toBe(2);
    expect(await takeStatementNumber(2026, 'd')).toBe(4);
    expect(await takeStatementNumber(2027, 'e')).toBe(1);
  });

  it('gives a settlement that crashed right after taking its number that number back', async () => {
    // x took 5 (the counter says so) and crashed before writing its assignment down.
    await getClients().ddb.send(
      new PutCommand({
        TableName: 'settlement-store-test',
        Item: { pk: 'COUNTER#STATEMENT', sk: '2031', type: 'counter', value: 5, owner: 'x' },
      }),
    );
    expect(await takeStatementNumber(2031, 'y')).toBe(6);
    expect(await takeStatementNumber(2031, 'x')).toBe(5);
  });

  it('never gives one number twice when settlements take numbers at once', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `concurrent-${i}`);
    const numbers = await Promise.all(ids.map((id) => takeStatementNumber(2030, id)));
    expect([...numbers].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });
});

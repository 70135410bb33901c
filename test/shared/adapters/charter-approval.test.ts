import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClients } from '#adapters/clients.ts';
import { resetConfig } from '#adapters/config.ts';
import {
  approveCharter,
  getEffectiveCharter,
  listCharterVersions,
  proposeCharter,
} from '#adapters/settlement-store.ts';
import { assertMayApprove, controlledChanges } from '#domain/charter-changes.ts';
import { SegregationOfDutiesError } from '#domain/errors.ts';
import { type Emulators, LOCAL_CREDENTIALS, provisionTenant, startEmulators } from '#local/emulators.ts';
import { charterWith } from '../domain/fixtures.ts';

let emulators: Emulators;

beforeAll(async () => {
  emulators = await startEmulators();
  await provisionTenant(emulators, {
    tableName: 'charter-approval-test',
    bucketName: 'charter-approval-test',
    archiveBucketName: 'charter-approval-test-archive',
  });
  Object.assign(process.env, {
    TENANT_ID: 'sod',
    TABLE_NAME: 'charter-approval-test',
    BUCKET_NAME: 'charter-approval-test',
    ARCHIVE_BUCKET_NAME: 'charter-approval-test-archive',
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

const base = charterWith({
  rateCards: [{ role: 'dev', currency: 'EUR', costRate: '50', billRate: '100', effectiveFrom: '2026-01-01' }],
});
const raisedRates = charterWith({
  rateCards: [{ role: 'dev', currency: 'EUR', costRate: '50', billRate: '120', effectiveFrom: '2026-01-01' }],
});

describe('segregation of duties over the charter (pure)', () => {
  it('names the controlled fields a version changes, whatever the key order', () => {
    expect(controlledChanges(undefined, base)).toEqual([]);
    expect(controlledChanges(base, { ...base, description: 'renamed' })).toEqual([]);
    const reordered = { ...base, thresholds: { ...base.thresholds } };
    expect(controlledChanges(base, reordered)).toEqual([]);
    const changes = controlledChanges(base, {
      ...raisedRates,
      approvers: [{ role: 'pm', email: 'pm@example.com', name: 'PM', minAmount: '1000000' }],
    });
    expect(changes.map((c) => c.field)).toEqual(['approvers', 'rateCards']);
  });

  it('refuses the author, an unnamed approver and a version not waiting', () => {
    const pending = { version: 2, status: 'pending' as const, author: 'Alice@Example.com' };
    expect(() => assertMayApprove(pending, 'alice@example.com')).toThrow(SegregationOfDutiesError);
    expect(() => assertMayApprove(pending, ' ')).toThrow(/must be named/);
    expect(() => assertMayApprove({ ...pending, status: 'effective' }, 'bob@example.com')).toThrow(
      /not waiting/,
    );
    expect(() => assertMayApprove(pending, 'bob@example.com')).not.toThrow();
  });
});

describe('charter versions on DynamoDB (dynalite)', () => {
  it('keeps a rate change pending until another person approves it, and logs every version', async () => {
    const first = await proposeCharter('p1', base, 'alice@example.com', '2026-11-01T09:00:00Z');
    expect(first).toMatchObject({ version: 1, status: 'effective', changes: [] });
    // The same charter again stores nothing.
    expect((await proposeCharter('p1', base, 'alice@example.com', '2026-11-01T09:05:00Z')).version).toBe(1);

    const raised = await proposeCharter('p1', raisedRates, 'alice@example.com', '2026-11-02T09:00:00Z');
    expect(raised.status).toBe('pending');
    expect(raised.changes.map((c) => c.field)).toEqual(['rateCards']);
    // Settlements keep the version in effect.
    const effective = await getEffectiveCharter('p1');
    expect([effective.version, effective.pending]).toEqual([1, [2]]);

    await expect(approveCharter('p1', 2, 'ALICE@example.com', '2026-11-02T10:00:00Z')).rejects.toThrow(
      SegregationOfDutiesError,
    );
    expect((await getEffectiveCharter('p1')).version).toBe(1);
    const approved = await approveCharter('p1', 2, 'controller@example.com', '2026-11-02T11:00:00Z');
    expect(approved).toMatchObject({ version: 2, status: 'effective', approvedBy: 'controller@example.com' });
    expect((await getEffectiveCharter('p1')).version).toBe(2);
    // Once: a second approval finds nothing waiting.
    await expect(approveCharter('p1', 2, 'cfo@example.com', '2026-11-02T12:00:00Z')).rejects.toThrow(
      /not waiting/,
    );

    // A change to nothing controlled takes effect at once.
    const renamed = await proposeCharter(
      'p1',
      { ...raisedRates, name: 'Renamed' },
      'alice@example.com',
      '2026-11-03T09:00:00Z',
    );
    expect(renamed).toMatchObject({ version: 3, status: 'effective' });
    expect((await getEffectiveCharter('p1')).version).toBe(3);

    expect(
      (await listCharterVersions('p1')).map((v) => [
        v.version,
        v.status,
        v.author,
        v.changes.length,
        v.approvedBy,
      ]),
    ).toEqual([
      [1, 'effective', 'alice@example.com', 0, undefined],
      [2, 'effective', 'alice@example.com', 1, 'controller@example.com'],
      [3, 'effective', 'alice@example.com', 0, undefined],
    ]);
  });
});

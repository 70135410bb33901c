import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delegate } from '#approval/delegation.ts';
import { hashSecret } from '#approval/links.ts';
import type { ApprovalRequest, Clock } from '#approval/model.ts';
import { type ApprovalStore, createApprovalStore } from '#approval/store.ts';
import {
  type Emulators,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  provisionTenant,
  startEmulators,
} from '#local/emulators.ts';

let emulators: Emulators;
let ddb: DynamoDBDocumentClient;
let store: ApprovalStore;
const clock: Clock = { now: () => new Date('2026-11-02T09:00:00.000Z') };
const HASH = hashSecret('secret-secret-secret-secret');

beforeAll(async () => {
  emulators = await startEmulators();
  await provisionTenant(emulators, { tableName: 'store-test', bucketName: 'store-test' });
  ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: emulators.dynamodbEndpoint,
      credentials: LOCAL_CREDENTIALS,
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  store = createApprovalStore(ddb, 'store-test');
});

afterAll(async () => {
  ddb?.destroy();
  await emulators?.stop();
});

let n = 0;
function newRequest(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  n += 1;
  return {
    requestId: `request${String(n).padStart(15, '0')}`,
    tenantId: 'acme',
    settlementId: `s${n}`,
    projectId: 'p1',
    period: '2026-10',
    revision: 0,
    step: 0,
    steps: 1,
    approver: { email: 'pm@x.test', name: 'PM', role: 'Project manager' },
    status: 'pending',
    grants: {
      [HASH]: { email: 'pm@x.test', name: 'PM', kind: 'approver', issuedAt: '2026-11-02T09:00:00.000Z' },
    },
    taskToken: 'token-1',
    phase: 'initial',
    createdAt: '2026-11-02T09:00:00.000Z',
    expiresAt: '2026-11-09T09:00:00.000Z',
    timings: { reminderAfterSeconds: 1, escalateAfterSeconds: 2, expireAfterSeconds: 3 },
    summaryKey: 'drafts/s/summary.json',
    ...overrides,
  };
}

const decision = (overrides: Partial<Parameters<ApprovalStore['decide']>[1]> = {}) => ({
  secretHash: HASH,
  tenantId: 'acme',
  now: new Date('2026-11-03T00:00:00.000Z'),
  decision: 'approved' as const,
  decidedBy: 'pm@x.test',
  comment: undefined,
  output: '{}',
  ...overrides,
});

describe('the approval store on DynamoDB (dynalite)', () => {
  it('finds a step request through its pointer and refuses a second claim', async () => {
    const a = newRequest();
    await store.putRequest(a);
    expect(await store.claimStep(a.settlementId, 0, a.requestId)).toBe(true);
    expect(await store.claimStep(a.settlementId, 0, 'other-request-id-000')).toBe(false);
    expect((await store.findStepRequest(a.settlementId, 0))?.requestId).toBe(a.requestId);
    expect(await store.claimStep(a.settlementId, 0, 'other-request-id-000', a.requestId)).toBe(true);
    expect(await store.findStepRequest(a.settlementId, 1)).toBeUndefined();
    await expect(store.putRequest(a)).rejects.toThrow();
  });

  it('decides once: the conditional write lets exactly one of many concurrent decisions through', async () => {
    const r = newRequest();
    await store.putRequest(r);
    const results = await Promise.all(Array.from({ length: 8 }, () => store.decide(r.requestId, decision())));
    const winners = results.filter((x) => x.ok);
    expect(winners).toEqual([{ ok: true, taskToken: 'token-1' }]);
    const stored = await store.getRequest(r.requestId);
    expect(stored).toMatchObject({ status: 'decided', decision: 'approved', decidedBy: 'pm@x.test' });
    expect(stored?.taskToken).toBeUndefined();
  });

  it('refuses a decision with an unknown secret, another tenant or after the expiry', async () => {
    const r = newRequest();
    await store.putRequest(r);
    expect(await store.decide(r.requestId, decision({ secretHash: hashSecret('nope') }))).toEqual({
      ok: false,
    });
    expect(await store.decide(r.requestId, decision({ tenantId: 'globex' }))).toEqual({ ok: false });
    expect(await store.decide(r.requestId, decision({ now: new Date('2026-11-09T09:00:00.000Z') }))).toEqual({
      ok: false,
    });
    expect((await store.getRequest(r.requestId))?.status).toBe('pending');
  });

  it('stores each round’s token and each new link, and expires only a pending request', async () => {
    const r = newRequest();
    await store.putRequest(r);
    const updated = await store.startRound(r.requestId, 'token-2', 'reminder');
    expect(updated).toMatchObject({ taskToken: 'token-2', phase: 'reminder' });
    const other = hashSecret('second-secret-second-secret');
    await store.addGrant(r.requestId, other, {
      email: 'cfo@x.test',
      name: 'CFO',
      kind: 'backup',
      issuedAt: 'x',
    });
    expect(Object.keys((await store.getRequest(r.requestId))?.grants ?? {}).sort()).toEqual(
      [HASH, other].sort(),
    );
    expect(await store.expire(r.requestId, clock.now())).toBe(true);
    expect(await store.expire(r.requestId, clock.now())).toBe(false);
    expect(await store.supersede(r.requestId, clock.now())).toBe(false);
    expect((await store.getRequest(r.requestId))?.taskToken).toBeUndefined();
  });

  it('reads the whole approval log of a settlement in order, across pages', async () => {
    const settlementId = 'log-settlement';
    for (let i = 0; i < 120; i++) {
      await store.appendEvent({
        settlementId,
        requestId: 'r',
        step: 0,
        type: i % 2 ? 'opened' : 'reminded',
        at: new Date(Date.UTC(2026, 10, 2, 9, 0, i)).toISOString(),
        actor: 'system',
        detail: { n: String(i), padding: 'x'.repeat(9000) },
      });
    }
    const log = await store.readLog(settlementId);
    expect(log.map((e) => Number(e.detail?.n))).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(log[0]).toMatchObject({ settlementId, type: 'reminded', actor: 'system' });
  });

  it('records delegations and finds those started by a date', async () => {
    const made = await delegate(
      { store, clock },
      'Boss@X.test',
      'deputy@x.test',
      '2026-11-01T00:00:00+01:00',
      '2026-11-05T00:00:00Z',
      'Leave',
    );
    expect(made).toMatchObject({ from: 'boss@x.test', validFrom: '2026-10-31T23:00:00.000Z' });
    expect(await store.delegationsStartedBy('boss@x.test', new Date('2026-10-31T22:00:00Z'))).toEqual([]);
    expect(
      (await store.delegationsStartedBy('boss@x.test', new Date('2026-11-02T00:00:00Z'))).map((d) => d.id),
    ).toEqual([made.id]);
    await expect(
      delegate(
        { store, clock },
        'boss@x.test',
        'boss@x.test',
        '2026-11-01T00:00:00Z',
        '2026-11-02T00:00:00Z',
        'x',
      ),
    ).rejects.toThrow('cannot delegate to themselves');
    await expect(
      delegate(
        { store, clock },
        'boss@x.test',
        'd@x.test',
        '2026-11-03T00:00:00Z',
        '2026-11-02T00:00:00Z',
        'x',
      ),
    ).rejects.toThrow('validTo must be after validFrom');
    await expect(
      delegate(
        { store, clock },
        'boss@x.test',
        'd@x.test',
        '2026-11-01T00:00:00Z',
        '2026-11-02T00:00:00Z',
        ' ',
      ),
    ).rejects.toThrow('a reason is required');
  });

  it('decides with a one-time code only while that code is stored and unexpired, then removes it', async () => {
    const otp = (hash: string, expiresAt = '2026-11-03T00:10:00.000Z') => ({
      hash,
      secretHash: HASH,
      email: 'pm@x.test',
      issuedAt: '2026-11-03T00:00:00.000Z',
      expiresAt,
    });
    const limits = { maxSends: 2, maxAttempts: 2 };
    const request = newRequest({ codeRequired: true });
    await store.putRequest(request);
    expect(await store.storeCode(request.requestId, otp('a'.repeat(64)), limits)).toBe(true);
    // Replaced by a newer code: the old one decides nothing.
    expect(await store.storeCode(request.requestId, otp('b'.repeat(64)), limits)).toBe(true);
    expect(await store.storeCode(request.requestId, otp('c'.repeat(64)), limits)).toBe(false);
    expect((await store.decide(request.requestId, decision({ codeHash: 'a'.repeat(64) }))).ok).toBe(false);
    expect((await store.getRequest(request.requestId))?.status).toBe('pending');
    const done = await store.decide(request.requestId, decision({ codeHash: 'b'.repeat(64) }));
    expect(done).toEqual({ ok: true, taskToken: 'token-1' });
    const after = await store.getRequest(request.requestId);
    expect(after?.otp).toBeUndefined();
    expect(after?.codeSends).toBe(2);

    const expired = newRequest({ codeRequired: true });
    await store.putRequest(expired);
    await store.storeCode(expired.requestId, otp('d'.repeat(64), '2026-11-02T23:59:59.000Z'), limits);
    expect((await store.decide(expired.requestId, decision({ codeHash: 'd'.repeat(64) }))).ok).toBe(false);
  });

  it('counts code attempts atomically and refuses them past the limit', async () => {
    const request = newRequest({ codeRequired: true });
    await store.putRequest(request);
    const used = await Promise.all(
      Array.from({ length: 8 }, () => store.useCodeAttempt(request.requestId, 5)),
    );
    expect(used.filter((u) => u !== undefined).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await store.getRequest(request.requestId))?.codeAttempts).toBe(5);
    // Locked: no new code either.
    const code = {
      hash: 'e'.repeat(64),
      secretHash: HASH,
      email: 'pm@x.test',
      issuedAt: 'x',
      expiresAt: 'y',
    };
    expect(await store.storeCode(request.requestId, code, { maxSends: 3, maxAttempts: 5 })).toBe(false);
  });
});

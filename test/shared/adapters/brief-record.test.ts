import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readBriefRecord,
  recordBriefFailed,
  recordBriefIntent,
  recordBriefSent,
} from '#adapters/brief-record.ts';
import { getClients, resetClients } from '#adapters/clients.ts';
import { resetConfig } from '#adapters/config.ts';
import { keys } from '#adapters/keys.ts';
import { type Emulators, LOCAL_CREDENTIALS, provisionTenant, startEmulators } from '#local/emulators.ts';

let emulators: Emulators;
const TABLE = 'brief-record-test';

beforeAll(async () => {
  emulators = await startEmulators();
  await provisionTenant(emulators, { tableName: TABLE, bucketName: TABLE });
  Object.assign(process.env, {
    TENANT_ID: 'brief',
    TABLE_NAME: TABLE,
    BUCKET_NAME: TABLE,
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

let n = 0;
async function settlement() {
  n += 1;
  const s = { projectId: `p${n}`, period: '2026-10', revision: 0 };
  await getClients().ddb.send(
    new PutCommand({
      TableName: TABLE,
      Item: { ...keys.settlement(s.projectId, s.period, s.revision), type: 'settlement', status: 'open' },
    }),
  );
  return s;
}

const T = '2026-11-05T09:00:00.000Z';

describe('the brief record on the settlement item', () => {
  it('records one intent, then its message id', async () => {
    const s = await settlement();
    expect(await readBriefRecord(s)).toBeUndefined();
    expect(await recordBriefIntent(s, 1, ['a@x.example'], undefined, T)).toBe(true);
    expect(await recordBriefIntent(s, 1, ['a@x.example'], undefined, T)).toBe(false);
    await recordBriefSent(s, 1, 'ses-1', T);
    expect(await readBriefRecord(s)).toEqual({
      status: 'sent',
      attempt: 1,
      to: ['a@x.example'],
      intentAt: T,
      messageId: 'ses-1',
      sentAt: T,
    });
    // Sent: no later attempt can be claimed.
    expect(await recordBriefIntent(s, 2, ['a@x.example'], 1, T)).toBe(false);
  });

  it('claims the next attempt only after a recorded failure of the previous one', async () => {
    const s = await settlement();
    expect(await recordBriefIntent(s, 1, ['a@x.example'], undefined, T)).toBe(true);
    // In flight (sending): the next attempt is refused.
    expect(await recordBriefIntent(s, 2, ['a@x.example'], 1, T)).toBe(false);
    await recordBriefFailed(s, 1, 'MessageRejected', T);
    expect(await readBriefRecord(s)).toMatchObject({ status: 'failed', error: 'MessageRejected' });
    expect(await recordBriefIntent(s, 2, ['a@x.example'], 1, T)).toBe(true);
    expect(await recordBriefIntent(s, 2, ['a@x.example'], 1, T)).toBe(false);
    await expect(recordBriefSent(s, 1, 'ses-old', T)).rejects.toThrow(/not the one in flight/);
    await recordBriefSent(s, 2, 'ses-2', T);
    expect(await readBriefRecord(s)).toMatchObject({ status: 'sent', attempt: 2, messageId: 'ses-2' });
  });

  it('records nothing on a settlement that does not exist', async () => {
    const missing = { projectId: 'nobody', period: '2026-10', revision: 0 };
    expect(await recordBriefIntent(missing, 1, [], undefined, T)).toBe(false);
    expect(await readBriefRecord(missing)).toBeUndefined();
  });
});

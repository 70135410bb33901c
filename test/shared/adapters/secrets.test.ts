import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentSecretStore, PENDING_STAGE, SecretsManagerStore } from '#adapters/secrets.ts';

// Secrets Manager has no local emulator in this project: the client is mocked.
const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

describe('SecretsManagerStore', () => {
  const store = () =>
    new SecretsManagerStore(new SecretsManagerClient({ region: 'eu-central-1' }), 'settlement/acme/');

  it('reads the current version under the tenant prefix', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"refreshToken":"r1"}', VersionId: 'v1' });
    expect(await store().read('qbo')).toEqual({ value: { refreshToken: 'r1' }, version: 'v1' });
    expect(sm.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: 'settlement/acme/qbo',
    });
  });

  it('writes a pending version and moves AWSCURRENT to it from the version read', async () => {
    sm.on(PutSecretValueCommand).resolves({});
    sm.on(UpdateSecretVersionStageCommand).resolves({});
    const version = await store().replace('qbo', { refreshToken: 'r2' }, 'v1');
    const put = sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      SecretId: 'settlement/acme/qbo',
      SecretString: '{"refreshToken":"r2"}',
      ClientRequestToken: version,
      VersionStages: [PENDING_STAGE],
    });
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)[0]?.args[0].input).toEqual({
      SecretId: 'settlement/acme/qbo',
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: version,
      RemoveFromVersionId: 'v1',
    });
  });

  it('reports a conflict when another writer moved AWSCURRENT first', async () => {
    sm.on(PutSecretValueCommand).resolves({});
    sm.on(UpdateSecretVersionStageCommand).rejects(
      Object.assign(new Error('label is attached to another version'), { name: 'InvalidParameterException' }),
    );
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{}', VersionId: 'v9' });
    expect(await store().replace('qbo', { refreshToken: 'r2' }, 'v1')).toBeUndefined();
  });
});

describe('EnvironmentSecretStore', () => {
  it('reads SECRET_<NAME> once and keeps rotated values in memory, compare-and-swap', async () => {
    const store = new EnvironmentSecretStore({ SECRET_QBO_LIVE: '{"refreshToken":"r0"}' });
    const first = await store.read('qbo-live');
    expect(first.value).toEqual({ refreshToken: 'r0' });
    const next = await store.replace('qbo-live', { refreshToken: 'r1' }, first.version);
    expect(next).toBeDefined();
    expect(await store.replace('qbo-live', { refreshToken: 'stale' }, first.version)).toBeUndefined();
    expect((await store.read('qbo-live')).value).toEqual({ refreshToken: 'r1' });
  });
});

import { copyFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWithCredentials } from '#adapters/clients.ts';
import {
  CredentialsDocumentError,
  CredentialsMissingError,
  ParameterCredentialStore,
} from '#adapters/credentials.ts';
import { credentialsFor, tenantCredentials, tenantSecrets } from '#adapters/source-files.ts';
import { MemorySecretStore } from '#connectors/index.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/emulators.ts';
import type { AccessDeniedError } from '#local/iam/evaluate.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { parseCredential, setCredential } from '../../../infra/cli/commands/credentials.ts';
import { UsageError } from '../../../infra/cli/usage-error.ts';

/**
 * Static connector credentials in the tenant's SSM SecureString, on the local stand-in: stored
 * encrypted (the key apart from the data), read by Collect through the synthesized IAM policies
 * (ssm:GetParameter on the one parameter, kms:Decrypt bound to it), refused to every other function.
 */

const TOKEN = 'toggl-api-token-7c1f0e9a4b';
let runtime: LocalRuntime;
let dataDir: string;
let keysDir: string;
const denials: AccessDeniedError[] = [];

const operatorSsm = () =>
  new SSMClient({ region: LOCAL_REGION, endpoint: runtime.endpoints.ssm, credentials: LOCAL_CREDENTIALS });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'credentials-'));
  keysDir = process.env.SETTLE_KEYS_DIR ?? '';
  runtime = await startLocalRuntime({ tenantId: 'acme', dataDir, onDenied: (d) => denials.push(d) });
  const ssm = operatorSsm();
  await ssm.send(
    new PutParameterCommand({
      Name: runtime.credentialsParameter,
      Type: 'SecureString',
      Value: JSON.stringify({ toggl: { apiToken: TOKEN }, jira: { email: 'a@acme.example', apiToken: 'j' } }),
    }),
  );
  ssm.destroy();
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the credentials parameter on the local stand-in', () => {
  it('is named after the tenant and kept encrypted, its key outside the data dir', async () => {
    expect(runtime.credentialsParameter).toBe('/settlement/acme/connector-credentials');
    const files = await readdir(join(dataDir, 'ssm'));
    expect(files).toHaveLength(1);
    const stored = await readFile(join(dataDir, 'ssm', files[0] ?? ''), 'utf8');
    expect(stored).not.toContain(TOKEN);
    expect(Buffer.from(JSON.parse(stored).sealed, 'base64').toString('latin1')).not.toContain(TOKEN);
    const key = await stat(join(keysDir, 'acme.key'));
    expect(key.mode & 0o777).toBe(0o600);
    expect(join(keysDir, 'acme.key').startsWith(dataDir)).toBe(false);
  });

  it('gives Collect the static credentials of a connector, by name', async () => {
    const toggl = await runWithCredentials(runtime.credentialsOf('CollectSource'), () =>
      credentialsFor('toggl').read('toggl'),
    );
    expect(toggl.value).toEqual({ apiToken: TOKEN });
    expect(credentialsFor('toggl')).toBe(tenantCredentials);
    // QuickBooks rotates its refresh token on use: a secret of its own, written with a compare-and-swap.
    expect(credentialsFor('quickbooks')).toBe(tenantSecrets);
  });

  it('names the parameter and the missing key when a source names credentials it does not hold', async () => {
    const read = runWithCredentials(runtime.credentialsOf('CollectSource'), () =>
      tenantCredentials.read('clockify'),
    );
    await expect(read).rejects.toThrow(CredentialsMissingError);
    await expect(read).rejects.toThrow(
      /"clockify" in the SSM parameter \/settlement\/acme\/connector-credentials/,
    );
  });

  it('refuses the parameter to a function not declared to read credentials', async () => {
    const read = runWithCredentials(runtime.credentialsOf('ComputeSettlement'), () =>
      tenantCredentials.read('toggl'),
    );
    await expect(read).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(denials.map((d) => [d.principal, d.request.action, d.request.resource])).toContainEqual([
      'ComputeSettlement',
      'ssm:GetParameter',
      'arn:aws:ssm:eu-central-1:000000000000:parameter/settlement/acme/connector-credentials',
    ]);
  });

  it('does not decrypt a parameter file copied to another name', async () => {
    const ssm = operatorSsm();
    await ssm.send(
      new PutParameterCommand({ Name: '/settlement/acme/other', Type: 'SecureString', Value: '{}' }),
    );
    const [file] = (await readdir(join(dataDir, 'ssm'))).filter((f) => f.includes('connector-credentials'));
    await copyFile(
      join(dataDir, 'ssm', file ?? ''),
      join(dataDir, 'ssm', encodeURIComponent('/settlement/acme/other') + '.json'),
    );
    await expect(
      ssm.send(new GetParameterCommand({ Name: '/settlement/acme/other', WithDecryption: true })),
    ).rejects.toThrow(/authenticate|unsupported state/i);
    ssm.destroy();
  });

  it('reads a tenant still on per-connector secrets from them, and the parameter first once it holds the key', async () => {
    const ssm = operatorSsm();
    const old = new MemorySecretStore({ toggl: { apiToken: 'from-the-old-secret' } });
    const before = new ParameterCredentialStore(ssm, '/settlement/acme/never-created', { fallback: old });
    expect((await before.read('toggl')).value).toEqual({ apiToken: 'from-the-old-secret' });
    await expect(before.read('jira')).rejects.toThrow(CredentialsMissingError);
    const after = new ParameterCredentialStore(ssm, runtime.credentialsParameter, { fallback: old });
    expect((await after.read('toggl')).value).toEqual({ apiToken: TOKEN });
    ssm.destroy();
  });

  it('refuses a parameter that is not a JSON object of credentials, naming it', async () => {
    const ssm = operatorSsm();
    const name = '/settlement/acme/malformed';
    await ssm.send(new PutParameterCommand({ Name: name, Type: 'SecureString', Value: '{"toggl":"token"}' }));
    await expect(new ParameterCredentialStore(ssm, name).read('toggl')).rejects.toThrow(
      CredentialsDocumentError,
    );
    await expect(new ParameterCredentialStore(ssm, name).read('toggl')).rejects.toThrow(
      /\/settlement\/acme\/malformed/,
    );
    ssm.destroy();
  });

  it('settle credentials set adds one credential and keeps the others (a new version)', async () => {
    const ssm = operatorSsm();
    const name = '/settlement/acme/cli-test';
    await setCredential(ssm, name, 'toggl', parseCredential('toggl', '{"apiToken":"t1"}'));
    const second = await setCredential(ssm, name, 'tempo', parseCredential('tempo', '{"token":"t2"}'));
    expect(second).toEqual({ version: 2, names: ['tempo', 'toggl'] });
    expect((await new ParameterCredentialStore(ssm, name).read('toggl')).value).toEqual({ apiToken: 't1' });
    expect(() => parseCredential('toggl', '"t1"')).toThrow(UsageError);
    expect(() => parseCredential('../x', '{"a":"b"}')).toThrow(UsageError);
    ssm.destroy();
  });
});

import { createHash } from 'node:crypto';
import { connectorFor, type SecretStore } from '#connectors/index.ts';
import type { SourceName } from '#domain/records.ts';
import { getClients } from './clients.ts';
import { loadConfig } from './config.ts';
import { ParameterCredentialStore } from './credentials.ts';
import { getObject, objectKeys, putObject } from './objects.ts';
import { EnvironmentSecretStore, SecretsManagerStore } from './secrets.ts';

/** What Collect reads and keeps for one data source: its inbox files, credentials and raw payloads. */

export class InboxFileMissingError extends Error {
  override name = 'InboxFileMissingError';
}

/** Reads a file-mode source's file from the project's inbox (where `settle import` puts it). */
export function inboxReader(projectId: string, sourceId: string): (path: string) => Promise<Uint8Array> {
  return async (path) => {
    const key = objectKeys.inbox(projectId, path);
    const body = await getObject(key);
    if (!body)
      throw new InboxFileMissingError(`Source ${sourceId}: no file at s3://…/${key}; import it first`);
    return body;
  };
}

const environmentSecrets = new EnvironmentSecretStore();
// Built per call: the clients are the calling function's (locally every function signs as itself).
const cloudStore = () => new SecretsManagerStore(getClients().secrets, loadConfig().secretsPrefix);

/**
 * Credentials that rotate (OAuth refresh tokens): a Secrets Manager secret each, under the tenant's
 * prefix (`settlement/<tenant>/<name>`: the function may read nothing else, and write only new versions
 * of those secrets); `SECRET_<NAME>` JSON in the environment overrides it (a local run, never at rest).
 */
export const tenantSecrets: SecretStore = {
  read: (name) => (environmentSecrets.has(name) ? environmentSecrets.read(name) : cloudStore().read(name)),
  replace: (name, value, expected) =>
    environmentSecrets.has(name)
      ? environmentSecrets.replace(name, value, expected)
      : cloudStore().replace(name, value, expected),
};

// A tenant deployed before the parameter keeps its per-connector secrets readable until they move
// (where a stack configured Secrets Manager: the local runtime has none).
const parameterCredentials = () => {
  const { credentialsParameter, secretsPrefix } = loadConfig();
  return new ParameterCredentialStore(
    getClients().ssm,
    credentialsParameter,
    secretsPrefix ? { fallback: cloudStore() } : {},
  );
};

/**
 * Static credentials (API tokens, client secrets): the tenant's SSM SecureString
 * (`/settlement/<tenant>/connector-credentials`); `SECRET_<NAME>` in the environment overrides it.
 */
export const tenantCredentials: SecretStore = {
  read: (name) =>
    environmentSecrets.has(name) ? environmentSecrets.read(name) : parameterCredentials().read(name),
  replace: (name, value, expected) =>
    environmentSecrets.has(name)
      ? environmentSecrets.replace(name, value, expected)
      : parameterCredentials().replace(name),
};

/** Where a connector's live credentials are: a secret of their own when they rotate, else the parameter. */
export function credentialsFor(connector: SourceName): SecretStore {
  return connectorFor(connector).rotatingCredentials ? tenantSecrets : tenantCredentials;
}

export interface RawPayload {
  readonly name: string;
  readonly body: Uint8Array;
  readonly contentType: string;
}

/** Keeps every raw payload a connector read under `raw/<settlement>/<source>/`, with its SHA-256. */
export async function archiveRawPayloads(
  settlementId: string,
  sourceId: string,
  payloads: readonly RawPayload[],
): Promise<Array<{ key: string; sha256: string; bytes: number }>> {
  const kept = [];
  for (const payload of payloads) {
    // Connectors name payloads `<binding id>/<file or page>`; the key already has the binding id.
    const name = payload.name.startsWith(`${sourceId}/`)
      ? payload.name.slice(sourceId.length + 1)
      : payload.name;
    const key = objectKeys.raw(settlementId, sourceId, name);
    await putObject(key, payload.body, payload.contentType);
    kept.push({
      key,
      sha256: createHash('sha256').update(payload.body).digest('hex'),
      bytes: payload.body.length,
    });
  }
  return kept;
}

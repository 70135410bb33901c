import { createHash } from 'node:crypto';
import type { SecretStore } from '#connectors/index.ts';
import { getClients } from './clients.ts';
import { loadConfig } from './config.ts';
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
let cloudSecrets: SecretsManagerStore | undefined;
function cloudStore(): SecretsManagerStore {
  cloudSecrets ??= new SecretsManagerStore(getClients().secrets, loadConfig().secretsPrefix);
  return cloudSecrets;
}

/**
 * Live-mode credentials: Secrets Manager in the cloud, under the tenant's prefix
 * (`settlement/<tenant>/<name>`: the function may read nothing else, and write only new versions of
 * those secrets, for OAuth refresh tokens that rotate); locally `SECRET_<NAME>` JSON in the environment.
 */
export const tenantSecrets: SecretStore = {
  read: (name) => (environmentSecrets.has(name) ? environmentSecrets.read(name) : cloudStore().read(name)),
  replace: (name, value, expected) =>
    environmentSecrets.has(name)
      ? environmentSecrets.replace(name, value, expected)
      : cloudStore().replace(name, value, expected),
};

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

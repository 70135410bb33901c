import { randomUUID } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { MemorySecretStore, type SecretStore, type SecretVersion } from '#connectors/secret-store.ts';

/** Staging label of a version written but not (yet) made current; moved on by the next write. */
export const PENDING_STAGE = 'SETTLE_PENDING';

/**
 * Connector secrets in Secrets Manager with compare-and-swap writes. `replace` stores the new value as
 * a version labelled SETTLE_PENDING, then moves AWSCURRENT to it from the version the caller read
 * (UpdateSecretVersionStage with RemoveFromVersionId): when another writer moved AWSCURRENT first, that
 * call fails and the write reports a conflict; the pending version stays unused.
 * Names are resolved under the tenant's prefix (`settlement/<tenant>/`).
 */
export class SecretsManagerStore implements SecretStore {
  readonly #client: SecretsManagerClient;
  readonly #prefix: string;

  constructor(client: SecretsManagerClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  #id(name: string): string {
    return name.startsWith(this.#prefix) ? name : `${this.#prefix}${name}`;
  }

  async read(name: string): Promise<SecretVersion> {
    const result = await this.#client.send(new GetSecretValueCommand({ SecretId: this.#id(name) }));
    return {
      value: JSON.parse(result.SecretString ?? '{}') as Record<string, string>,
      version: result.VersionId ?? '',
    };
  }

  async replace(name: string, value: Record<string, string>, expected: string): Promise<string | undefined> {
    const secretId = this.#id(name);
    const version = randomUUID();
    await this.#client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: JSON.stringify(value),
        ClientRequestToken: version,
        VersionStages: [PENDING_STAGE],
      }),
    );
    try {
      await this.#client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: version,
          RemoveFromVersionId: expected,
        }),
      );
      return version;
    } catch (error) {
      // A failed move is a conflict only if AWSCURRENT is no longer where the caller read it.
      const current = await this.#client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (current.VersionId === version) return version;
      if (current.VersionId !== expected) return undefined;
      throw error;
    }
  }
}

/**
 * Secrets given as `SECRET_<NAME>` JSON in the environment (the local runtime): read once into memory,
 * where rotated OAuth tokens live for as long as the process does.
 */
export class EnvironmentSecretStore implements SecretStore {
  readonly #memory = new MemorySecretStore();
  readonly #env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.#env = env;
  }

  static variableFor(name: string): string {
    return `SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  }

  has(name: string): boolean {
    return Boolean(this.#env[EnvironmentSecretStore.variableFor(name)]);
  }

  async read(name: string): Promise<SecretVersion> {
    try {
      return await this.#memory.read(name);
    } catch {
      const raw = this.#env[EnvironmentSecretStore.variableFor(name)];
      if (!raw) throw new Error(`no ${EnvironmentSecretStore.variableFor(name)} in the environment`);
      this.#memory.seed(name, JSON.parse(raw) as Record<string, string>);
      return this.#memory.read(name);
    }
  }

  replace(name: string, value: Record<string, string>, expected: string): Promise<string | undefined> {
    return this.#memory.replace(name, value, expected);
  }
}

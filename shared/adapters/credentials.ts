import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import type { SecretStore, SecretVersion } from '#connectors/secret-store.ts';

/**
 * Static connector credentials (API tokens, client secrets: nothing the vendor rotates on use) of one
 * tenant, in one SSM Parameter Store SecureString encrypted with the tenant's KMS key:
 * `/settlement/<tenant>/connector-credentials`, a JSON object of credential name → key/value pairs:
 *
 * ```json
 * { "toggl": { "apiToken": "…" }, "jira": { "email": "…", "apiToken": "…" } }
 * ```
 *
 * Why a parameter and not a secret each (or one secret per tenant): a standard parameter costs nothing
 * to store and nothing to read at standard throughput, beyond one KMS Decrypt with the key the tenant
 * has anyway; a Secrets Manager secret is $0.40 a month plus $0.05 per 10,000 reads, and its managed
 * rotation and versioning buy nothing for a credential that only changes when a person replaces it.
 * Connectors whose OAuth refresh token rotates on every use keep a Secrets Manager secret of their own
 * (compare-and-swap on its version, see secrets.ts): one shared document would make every refresh a
 * write that can lose another connector's concurrent one.
 *
 * CloudFormation cannot create a SecureString, so the stack grants access to the parameter and the
 * platform team creates it (`aws ssm put-parameter --type SecureString`, README deploy guide).
 */

export { credentialsParameterName } from './config.ts';

/** What the parameter holds. */
export const CredentialsDocument = z.record(
  z.string().min(1),
  z.record(z.string(), z.string(), 'each credential is an object of string values'),
);
export type CredentialsDocument = z.infer<typeof CredentialsDocument>;

/** A credential a live source names is in neither place: the message says where to put it. */
export class CredentialsMissingError extends Error {
  override name = 'CredentialsMissingError';
  readonly parameter: string;
  readonly credential: string;
  constructor(parameter: string, credential: string, options?: { cause?: unknown }) {
    super(
      `no credentials "${credential}" in the SSM parameter ${parameter} (nor a Secrets Manager secret of that name ` +
        `from before the parameter): add "${credential}" to the parameter's JSON (README, "Connector credentials")`,
      options,
    );
    this.parameter = parameter;
    this.credential = credential;
  }
}

/** The parameter exists but does not hold a JSON object of credentials. */
export class CredentialsDocumentError extends Error {
  override name = 'CredentialsDocumentError';
}

export interface ParameterCredentialsOptions {
  /**
   * Where a credential the parameter lacks is still read from: the per-connector Secrets Manager
   * secrets of a tenant deployed before the parameter (`settlement/<tenant>/<name>`), so that it keeps
   * working until its credentials are moved.
   */
  readonly fallback?: SecretStore;
}

/**
 * Reads static credentials from the tenant's SecureString; never writes (nothing here rotates). One
 * GetParameter per read, nothing kept in memory: a collect reads one credential once, and a credential
 * a person just replaced is used by the next collect.
 */
export class ParameterCredentialStore implements SecretStore {
  readonly #ssm: SSMClient;
  readonly #name: string;
  readonly #options: ParameterCredentialsOptions;

  constructor(ssm: SSMClient, parameterName: string, options: ParameterCredentialsOptions = {}) {
    this.#ssm = ssm;
    this.#name = parameterName;
    this.#options = options;
  }

  get parameterName(): string {
    return this.#name;
  }

  async #document(): Promise<{ document: CredentialsDocument | undefined; version: string }> {
    let document: CredentialsDocument | undefined;
    let version = '';
    try {
      const result = await this.#ssm.send(
        new GetParameterCommand({ Name: this.#name, WithDecryption: true }),
      );
      version = String(result.Parameter?.Version ?? '');
      let json: unknown;
      try {
        json = JSON.parse(result.Parameter?.Value ?? '');
      } catch {
        throw new CredentialsDocumentError(`the SSM parameter ${this.#name} is not JSON`);
      }
      const parsed = CredentialsDocument.safeParse(json);
      if (!parsed.success)
        throw new CredentialsDocumentError(
          `the SSM parameter ${this.#name} must be a JSON object of credential name → {key: value}: ${parsed.error.issues
            .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
            .join('; ')}`,
        );
      document = parsed.data;
    } catch (error) {
      // No parameter yet (a tenant still on per-connector secrets): every read goes to the fallback.
      if ((error as Error).name !== 'ParameterNotFound') throw error;
    }
    return { document, version };
  }

  async read(name: string): Promise<SecretVersion> {
    const { document, version } = await this.#document();
    const value = document?.[name];
    if (value) return { value: { ...value }, version: `parameter-${version}` };
    const fallback = this.#options.fallback;
    if (!fallback) throw new CredentialsMissingError(this.#name, name);
    try {
      return await fallback.read(name);
    } catch (error) {
      throw new CredentialsMissingError(this.#name, name, { cause: error });
    }
  }

  async replace(name: string): Promise<string | undefined> {
    throw new CredentialsDocumentError(
      `credentials "${name}" are static (in ${this.#name}): a connector that rotates its tokens keeps a Secrets Manager secret of its own`,
    );
  }
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The local stand-in for SSM Parameter Store SecureStrings (the tenant's connector credentials). As in
 * AWS, a value is never at rest in plaintext: each parameter is a file under `<dataDir>/ssm/` holding
 * AES-256-GCM ciphertext, authenticated with the parameter's ARN (what SSM binds as the KMS encryption
 * context `PARAMETER_ARN`), so a file copied to another name or tenant does not decrypt. The key plays
 * the tenant's KMS key and lives apart from the data, in `~/.config/settle/keys/<tenant>.key` (mode
 * 0600; `SETTLE_KEYS_DIR` chooses another folder): a copy of `.local/` reveals nothing.
 * The local runtime serves GetParameter / PutParameter from it after the IAM checks (ssm:GetParameter on
 * the parameter, kms:Decrypt with the encryption context), as the service does.
 */

export class ParameterNotFoundError extends Error {
  override name = 'ParameterNotFound';
}

export class ParameterAlreadyExistsError extends Error {
  override name = 'ParameterAlreadyExists';
}

/** What a parameter file holds: everything but the value in clear, the value sealed. */
interface StoredParameter {
  readonly name: string;
  readonly type: 'SecureString';
  readonly version: number;
  readonly keyId: string;
  readonly lastModified: string;
  /** base64 of iv (12) ‖ tag (16) ‖ ciphertext. */
  readonly sealed: string;
}

export interface LocalParameter {
  readonly name: string;
  readonly value: string;
  readonly version: number;
  readonly lastModified: string;
  readonly arn: string;
}

/** Where local keys live (never under a data dir). */
export function localKeysDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SETTLE_KEYS_DIR ?? join(homedir(), '.config', 'settle', 'keys');
}

export class LocalParameterStore {
  readonly #dir: string;
  readonly #keyFile: string;
  readonly #arnOf: (name: string) => string;
  readonly #keyId: string;

  /**
   * @param dir the folder of parameter files (`<dataDir>/ssm`)
   * @param tenantId names the key file
   * @param arnOf the ARN of a parameter name, bound into each ciphertext
   * @param keyId the KMS key ARN the stack encrypts with (recorded, as SSM records it)
   */
  constructor(options: {
    dir: string;
    tenantId: string;
    arnOf: (name: string) => string;
    keyId: string;
    keysDir?: string;
  }) {
    this.#dir = options.dir;
    this.#keyFile = join(options.keysDir ?? localKeysDir(), `${options.tenantId}.key`);
    this.#arnOf = options.arnOf;
    this.#keyId = options.keyId;
  }

  #file(name: string): string {
    return join(this.#dir, `${encodeURIComponent(name)}.json`);
  }

  /** The tenant's key: created (random, 0600) on the first write, never derived from the data. */
  async #key(create: boolean): Promise<Buffer> {
    try {
      const key = Buffer.from((await readFile(this.#keyFile, 'utf8')).trim(), 'base64');
      if (key.length !== 32) throw new Error(`${this.#keyFile} is not a 256-bit key`);
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !create) throw error;
      await mkdir(dirname(this.#keyFile), { recursive: true, mode: 0o700 });
      const key = randomBytes(32);
      // `wx`: two processes creating it at once keep the first one's key.
      await writeFile(this.#keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(
        (e: NodeJS.ErrnoException) => {
          if (e.code !== 'EEXIST') throw e;
        },
      );
      return this.#key(false);
    }
  }

  async #stored(name: string): Promise<StoredParameter | undefined> {
    try {
      return JSON.parse(await readFile(this.#file(name), 'utf8')) as StoredParameter;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** The decrypted parameter, or ParameterNotFound. */
  async get(name: string): Promise<LocalParameter> {
    const stored = await this.#stored(name);
    if (!stored) throw new ParameterNotFoundError(`Parameter ${name} not found.`);
    const raw = Buffer.from(stored.sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', await this.#key(false), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(this.#arnOf(name)));
    decipher.setAuthTag(raw.subarray(12, 28));
    const value = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    return {
      name,
      value,
      version: stored.version,
      lastModified: stored.lastModified,
      arn: this.#arnOf(name),
    };
  }

  /** Stores a SecureString; a new version over an existing one only with `overwrite`. */
  async put(name: string, value: string, overwrite: boolean): Promise<number> {
    const previous = await this.#stored(name);
    if (previous && !overwrite)
      throw new ParameterAlreadyExistsError(`The parameter ${name} already exists.`);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.#key(true), iv);
    cipher.setAAD(Buffer.from(this.#arnOf(name)));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const stored: StoredParameter = {
      name,
      type: 'SecureString',
      version: (previous?.version ?? 0) + 1,
      keyId: this.#keyId,
      lastModified: new Date().toISOString(),
      sealed: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'),
    };
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const file = this.#file(name);
    await writeFile(`${file}.tmp`, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    return stored.version;
  }
}

/**
 * A tenant's connector secret as a versioned document. OAuth connectors whose refresh token rotates on
 * every use must write the new token back before using the access token it came with, and two runs
 * refreshing at once must not overwrite each other: `replace` is a compare-and-swap on the version read.
 */
export interface SecretVersion {
  readonly value: Record<string, string>;
  /** Opaque version id (Secrets Manager VersionId). */
  readonly version: string;
}

export interface SecretStore {
  read(name: string): Promise<SecretVersion>;
  /**
   * Stores `value` as the secret's current version if the current version is still `expected`.
   * Returns the new version, or undefined when another writer got there first (re-read and retry).
   */
  replace(name: string, value: Record<string, string>, expected: string): Promise<string | undefined>;
}

/** An in-process store (tests, the local runtime): same compare-and-swap semantics as Secrets Manager. */
export class MemorySecretStore implements SecretStore {
  readonly #secrets = new Map<string, SecretVersion>();
  #counter = 0;

  constructor(initial: Readonly<Record<string, Record<string, string>>> = {}) {
    for (const [name, value] of Object.entries(initial)) this.#set(name, value);
  }

  #set(name: string, value: Record<string, string>): string {
    this.#counter += 1;
    const version = `v${this.#counter}`;
    this.#secrets.set(name, { value: { ...value }, version });
    return version;
  }

  /** Stores a secret unless it is already there. */
  seed(name: string, value: Record<string, string>): void {
    if (!this.#secrets.has(name)) this.#set(name, value);
  }

  async read(name: string): Promise<SecretVersion> {
    const current = this.#secrets.get(name);
    if (!current) throw new Error(`secret ${name} does not exist`);
    return { value: { ...current.value }, version: current.version };
  }

  async replace(name: string, value: Record<string, string>, expected: string): Promise<string | undefined> {
    if (this.#secrets.get(name)?.version !== expected) return undefined;
    return this.#set(name, value);
  }
}

import { BlobExistsError } from './errors.ts';

/**
 * The archive's port to an object store: whole objects by key. The S3 adapter is `s3-store.ts`;
 * `createMemoryBlobStore` serves unit tests and dry runs.
 */
export interface BlobInfo {
  readonly key: string;
  readonly size: number;
}

export interface PutOptions {
  readonly contentType: string;
  /** Fail with BlobExistsError when the key already exists (S3 If-None-Match: *). */
  readonly ifAbsent?: boolean;
}

export interface BlobStore {
  put(key: string, body: Uint8Array, options: PutOptions): Promise<void>;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The object's size, or undefined when there is no such key. */
  head(key: string): Promise<BlobInfo | undefined>;
  /** Every object under the prefix, sorted by key. */
  list(prefix: string): Promise<BlobInfo[]>;
}

/** An in-memory BlobStore (tests, dry runs). `objects` is exposed so tests can tamper with it. */
export function createMemoryBlobStore(): BlobStore & { readonly objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  return {
    objects,
    async put(key, body, options) {
      if (options.ifAbsent && objects.has(key)) throw new BlobExistsError(`${key} already exists`, { key });
      objects.set(key, new Uint8Array(body));
    },
    async get(key) {
      const body = objects.get(key);
      return body === undefined ? undefined : new Uint8Array(body);
    },
    async head(key) {
      const body = objects.get(key);
      return body === undefined ? undefined : { key, size: body.byteLength };
    },
    async list(prefix) {
      return [...objects.entries()]
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, body]) => ({ key, size: body.byteLength }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
  };
}

import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import type { AthenaClient } from '@aws-sdk/client-athena';
import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from './config.ts';

/**
 * The SDK packages, each loaded when its client is first made, not when this module is. A function
 * loads the packages whose commands its code imports (a command and its client come from one
 * package); before, this module made every function load all five clients, and loading an SDK client
 * package is most of a Lambda's init (see docs/benchmarks.md, B4). Nothing moves to the first call:
 * a package a function uses is loaded at init by the command imports, one it does not use never is.
 * `require`, not `import()`: clients are made synchronously; the packages are CommonJS, and Node
 * gives `import` and `require` the same module instance. In Lambda the runtime's SDK is found
 * through NODE_PATH, which `require` follows.
 */
const requireSdk = createRequire(import.meta.url);
const sdk = {
  dynamodb: () => requireSdk('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb'),
  documents: () => requireSdk('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb'),
  s3: () => requireSdk('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3'),
  sfn: () => requireSdk('@aws-sdk/client-sfn') as typeof import('@aws-sdk/client-sfn'),
  ses: () => requireSdk('@aws-sdk/client-sesv2') as typeof import('@aws-sdk/client-sesv2'),
  secrets: () =>
    requireSdk('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager'),
  costExplorer: () =>
    requireSdk('@aws-sdk/client-cost-explorer') as typeof import('@aws-sdk/client-cost-explorer'),
  athena: () => requireSdk('@aws-sdk/client-athena') as typeof import('@aws-sdk/client-athena'),
  ssm: () => requireSdk('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm'),
};

/**
 * AWS SDK v3 clients, created once per module instance from the environment. Locally the
 * endpoints point at dynalite, s3rver and the local runtime's Step Functions / SES endpoint; the
 * handler code is the same in both places.
 */
export interface Clients {
  readonly ddb: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly ses: SESv2Client;
  readonly secrets: SecretsManagerClient;
  /** Cost Explorer's API lives in us-east-1 whatever the stack's region. */
  readonly costExplorer: CostExplorerClient;
  readonly athena: AthenaClient;
  readonly ssm: SSMClient;
}

/** Static credentials of one caller (locally: one per function, as Lambda gives each its role's). */
export interface CallerCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * In Lambda every function runs in its own process with its own role's credentials, found by the
 * SDK's default chain. The local runtime runs every function in one process, so it runs each
 * invocation inside `runWithCredentials` and the clients of that invocation sign as that function.
 */
const invocationCredentials = new AsyncLocalStorage<CallerCredentials>();

/** Runs `fn` with every client obtained inside it signing with `credentials`. */
export function runWithCredentials<T>(credentials: CallerCredentials, fn: () => T): T {
  return invocationCredentials.run(credentials, fn);
}

/** Clients given explicitly (the command line operating a deployed stack); see `runWithClients`. */
const givenClients = new AsyncLocalStorage<Clients>();

/** Runs `fn` with `getClients()` answering `clients` inside it. */
export function runWithClients<T>(clients: Clients, fn: () => T): T {
  return givenClients.run(clients, fn);
}

const byCaller = new Map<string, LazyClients>();
const instruments = new Set<(clients: Clients) => void>();

/**
 * For tests: applies `instrument` (middleware, typically) to every set of clients, those that exist
 * and those created later for other callers. Returns the function that stops applying it to new ones.
 */
export function instrumentClients(instrument: (clients: Clients) => void): () => void {
  for (const clients of byCaller.values()) instrument(clients);
  instruments.add(instrument);
  return () => instruments.delete(instrument);
}

export function getClients(): Clients {
  const given = givenClients.getStore();
  if (given) return given;
  const credentials = invocationCredentials.getStore();
  const cacheKey = credentials?.accessKeyId ?? '';
  const cached = byCaller.get(cacheKey);
  if (cached) return cached;
  const clients = createClients(credentials);
  for (const instrument of instruments) instrument(clients);
  byCaller.set(cacheKey, clients);
  return clients;
}

/** Clients of one caller; each is made (and its SDK package loaded) on first use. */
class LazyClients implements Clients {
  private made: Partial<Record<keyof Clients, Clients[keyof Clients]>> = {};
  private readonly base: { region: string; credentials?: CallerCredentials };
  private readonly endpoints: ReturnType<typeof loadConfig>['endpoints'];

  constructor(
    credentials: CallerCredentials | undefined,
    endpoints: ReturnType<typeof loadConfig>['endpoints'],
    region: string,
  ) {
    this.base = { region, ...(credentials ? { credentials } : {}) };
    this.endpoints = endpoints;
  }

  private once<K extends keyof Clients>(key: K, make: () => Clients[K]): Clients[K] {
    const existing = this.made[key] as Clients[K] | undefined;
    if (existing) return existing;
    const client = make();
    this.made[key] = client;
    return client;
  }

  get ddb(): DynamoDBDocumentClient {
    return this.once('ddb', () => {
      const { DynamoDBClient } = sdk.dynamodb();
      const dynamo = new DynamoDBClient({
        ...this.base,
        ...(this.endpoints.dynamodb ? { endpoint: this.endpoints.dynamodb } : {}),
      });
      return sdk.documents().DynamoDBDocumentClient.from(dynamo, {
        marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
      });
    });
  }

  get s3(): S3Client {
    return this.once(
      's3',
      () =>
        new (sdk.s3().S3Client)({
          ...this.base,
          ...(this.endpoints.s3
            ? {
                endpoint: this.endpoints.s3,
                // s3rver needs path-style addressing, and stores streamed uploads corrupted when the
                // SDK adds flexible checksums.
                forcePathStyle: true,
                requestChecksumCalculation: 'WHEN_REQUIRED',
                responseChecksumValidation: 'WHEN_REQUIRED',
              }
            : {}),
        }),
    );
  }

  get sfn(): SFNClient {
    return this.once(
      'sfn',
      () =>
        new (sdk.sfn().SFNClient)({
          ...this.base,
          ...(this.endpoints.sfn ? { endpoint: this.endpoints.sfn } : {}),
        }),
    );
  }

  get ses(): SESv2Client {
    return this.once(
      'ses',
      () =>
        new (sdk.ses().SESv2Client)({
          ...this.base,
          ...(this.endpoints.ses ? { endpoint: this.endpoints.ses } : {}),
        }),
    );
  }

  get secrets(): SecretsManagerClient {
    return this.once(
      'secrets',
      () =>
        new (sdk.secrets().SecretsManagerClient)({
          ...this.base,
          ...(this.endpoints.secrets ? { endpoint: this.endpoints.secrets } : {}),
        }),
    );
  }

  /** Cost Explorer's API lives in us-east-1 whatever the stack's region. */
  get costExplorer(): CostExplorerClient {
    return this.once(
      'costExplorer',
      () =>
        new (sdk.costExplorer().CostExplorerClient)({
          ...this.base,
          region: 'us-east-1',
          ...(this.endpoints.costExplorer ? { endpoint: this.endpoints.costExplorer } : {}),
        }),
    );
  }

  get athena(): AthenaClient {
    return this.once(
      'athena',
      () =>
        new (sdk.athena().AthenaClient)({
          ...this.base,
          ...(this.endpoints.athena ? { endpoint: this.endpoints.athena } : {}),
        }),
    );
  }

  get ssm(): SSMClient {
    return this.once(
      'ssm',
      () =>
        new (sdk.ssm().SSMClient)({
          ...this.base,
          ...(this.endpoints.ssm ? { endpoint: this.endpoints.ssm } : {}),
        }),
    );
  }

  /** Destroys the clients made so far (none is made to be destroyed). */
  destroy(): void {
    for (const client of Object.values(this.made)) client?.destroy();
    this.made = {};
  }
}

function createClients(credentials: CallerCredentials | undefined): LazyClients {
  const config = loadConfig();
  return new LazyClients(credentials, config.endpoints, config.region);
}

/** For tests and the local runtime: drop the clients so the next call re-reads the environment. */
export function resetClients(): void {
  for (const clients of byCaller.values()) clients.destroy();
  byCaller.clear();
}

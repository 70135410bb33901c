import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from './config.ts';

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

const byCaller = new Map<string, Clients>();
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

function createClients(credentials: CallerCredentials | undefined): Clients {
  const config = loadConfig();
  const { endpoints } = config;
  const region = config.region;
  const base = { region, ...(credentials ? { credentials } : {}) };
  const dynamo = new DynamoDBClient({
    ...base,
    ...(endpoints.dynamodb ? { endpoint: endpoints.dynamodb } : {}),
  });
  return {
    ddb: DynamoDBDocumentClient.from(dynamo, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    }),
    s3: new S3Client({
      ...base,
      ...(endpoints.s3
        ? {
            endpoint: endpoints.s3,
            // s3rver needs path-style addressing, and stores streamed uploads corrupted when the
            // SDK adds flexible checksums.
            forcePathStyle: true,
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }
        : {}),
    }),
    sfn: new SFNClient({ ...base, ...(endpoints.sfn ? { endpoint: endpoints.sfn } : {}) }),
    ses: new SESv2Client({ ...base, ...(endpoints.ses ? { endpoint: endpoints.ses } : {}) }),
    secrets: new SecretsManagerClient({
      ...base,
      ...(endpoints.secrets ? { endpoint: endpoints.secrets } : {}),
    }),
    ssm: new SSMClient({ ...base, ...(endpoints.ssm ? { endpoint: endpoints.ssm } : {}) }),
  };
}

/** For tests and the local runtime: drop the clients so the next call re-reads the environment. */
export function resetClients(): void {
  for (const clients of byCaller.values()) {
    clients.ddb.destroy();
    clients.s3.destroy();
    clients.sfn.destroy();
    clients.ses.destroy();
    clients.secrets.destroy();
    clients.ssm.destroy();
  }
  byCaller.clear();
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
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
}

let clients: Clients | undefined;

export function getClients(): Clients {
  if (clients) return clients;
  const config = loadConfig();
  const region = config.region;
  const { endpoints } = config;
  const dynamo = new DynamoDBClient({
    region,
    ...(endpoints.dynamodb ? { endpoint: endpoints.dynamodb } : {}),
  });
  clients = {
    ddb: DynamoDBDocumentClient.from(dynamo, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    }),
    s3: new S3Client({
      region,
      ...(endpoints.s3
        ? {
            endpoint: endpoints.s3,
            // s3rver needs path-style addressing, and stores streamed uploads corrupted when the
            // SDK adds flexible checksums (platform-notes.md).
            forcePathStyle: true,
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }
        : {}),
    }),
    sfn: new SFNClient({ region, ...(endpoints.sfn ? { endpoint: endpoints.sfn } : {}) }),
    ses: new SESv2Client({ region, ...(endpoints.ses ? { endpoint: endpoints.ses } : {}) }),
    secrets: new SecretsManagerClient({
      region,
      ...(endpoints.secrets ? { endpoint: endpoints.secrets } : {}),
    }),
  };
  return clients;
}

/** For tests and the local runtime: drop the clients so the next call re-reads the environment. */
export function resetClients(): void {
  clients?.ddb.destroy();
  clients?.s3.destroy();
  clients?.sfn.destroy();
  clients?.ses.destroy();
  clients?.secrets.destroy();
  clients = undefined;
}

import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';

/**
 * Embedded AWS emulators for the local runtime and the tests: dynalite (DynamoDB, in memory or on
 * disk) and s3rver (S3 on a directory), each on a free loopback port.
 */
export interface Emulators {
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  readonly s3Directory: string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** Keep DynamoDB on disk here (a persistent demo); in memory when omitted. */
  readonly dynamodbPath?: string;
  /** Keep S3 objects here; a fresh temp directory when omitted (removed on stop). */
  readonly s3Directory?: string;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_REGION = 'eu-central-1';

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const dynamo: Server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    path: options.dynamodbPath,
  });
  const dynamoPort = await listen(dynamo);
  const ownDirectory = options.s3Directory === undefined;
  const s3Directory = options.s3Directory ?? (await mkdtemp(join(tmpdir(), 's3rver-')));
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3Directory });
  const address = (await s3.run()) as AddressInfo;
  return {
    dynamodbEndpoint: `http://127.0.0.1:${dynamoPort}`,
    s3Endpoint: `http://127.0.0.1:${address.port}`,
    s3Directory,
    async stop() {
      await close(dynamo);
      await s3.close();
      if (ownDirectory) await rm(s3Directory, { recursive: true, force: true });
    },
  };
}

/** Creates a tenant's table (pk/sk, on-demand) and buckets (versioned) as the CDK stack does. */
export async function provisionTenant(
  emulators: Pick<Emulators, 'dynamodbEndpoint' | 's3Endpoint'>,
  names: { tableName: string; bucketName: string; archiveBucketName?: string },
): Promise<void> {
  const ddb = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint: emulators.dynamodbEndpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    await ddb.send(new DescribeTableCommand({ TableName: names.tableName }));
  } catch {
    await ddb.send(
      new CreateTableCommand({
        TableName: names.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  }
  ddb.destroy();
  const s3 = new S3Client({
    region: LOCAL_REGION,
    endpoint: emulators.s3Endpoint,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
  for (const bucket of [names.bucketName, ...(names.archiveBucketName ? [names.archiveBucketName] : [])]) {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if (
        (error as Error).name !== 'BucketAlreadyOwnedByYou' &&
        (error as Error).name !== 'BucketAlreadyExists'
      )
        throw error;
    }
    await s3
      .send(
        new PutBucketVersioningCommand({
          Bucket: bucket,
          VersioningConfiguration: { Status: 'Enabled' },
        }),
      )
      .catch(() => undefined);
  }
  s3.destroy();
}

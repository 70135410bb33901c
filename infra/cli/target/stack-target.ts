import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Clients, runWithClients } from '#adapters/clients.ts';
import { type RuntimeConfig, runWithConfig } from '#adapters/config.ts';
import { STACK_OUTPUTS, type StackOutputName } from '../../stack-outputs.ts';

/**
 * A deployed tenant as the command line operates it (`settle <command> --stack Settlement-<tenant>`):
 * the names from the stack's CloudFormation outputs, and SDK clients with credentials and region from
 * the default chain. Endpoints come from the SDK's standard `AWS_ENDPOINT_URL_<SERVICE>` variables,
 * which is how the tests point the very same code at the local runtime. Commands run the project's
 * store and archive code inside `target.run(…)`, so nothing about a command differs between a real
 * account and the local runtime.
 */

/** The outputs a command needs; a stack without one was deployed from an older version. */
export const REQUIRED_OUTPUTS: readonly StackOutputName[] = [
  'TenantId',
  'TableName',
  'BucketName',
  'ArchiveBucketName',
  'SettlementStateMachineArn',
  'SettlementAliasArn',
  'ApprovalApiUrl',
];

/** The stack cannot be used (not found, not readable, an output missing): nothing ran; exit 2. */
export class StackTargetError extends Error {
  override readonly name = 'StackTargetError';
  readonly remedy: string;
  constructor(message: string, remedy: string, options?: { cause?: unknown }) {
    super(message, options);
    this.remedy = remedy;
  }
}

export type StackOutputs = Readonly<Record<StackOutputName, string>>;

/** The outputs of a described stack, checked: every required output present and non-empty. */
export function checkStackOutputs(stackName: string, outputs: readonly Output[]): StackOutputs {
  const found: Partial<Record<string, string>> = {};
  for (const output of outputs) if (output.OutputKey) found[output.OutputKey] = output.OutputValue ?? '';
  const missing = REQUIRED_OUTPUTS.filter((name) => !found[name]);
  if (missing.length > 0) {
    throw new StackTargetError(
      `stack ${stackName} has no output ${missing.map((m) => `'${m}'`).join(', ')} (${missing.map((m) => STACK_OUTPUTS[m]).join('; ')})`,
      `deploy the current version of the stack (npx cdk deploy ${stackName}), which declares every output the command line reads`,
    );
  }
  return Object.fromEntries(
    (Object.keys(STACK_OUTPUTS) as StackOutputName[]).map((name) => [name, found[name] ?? '']),
  ) as StackOutputs;
}

/** What DescribeStacks answered, as the reason a stack cannot be used. */
export function stackErrorOf(stackName: string, error: Error): StackTargetError {
  if (error.name === 'ValidationError' && /does not exist/.test(error.message)) {
    return new StackTargetError(
      `stack ${stackName} does not exist in this account and region`,
      'check --stack (Settlement-<tenant>), the region (AWS_REGION, or the tenant’s region in infra/tenants.json) and the account of your credentials',
      { cause: error },
    );
  }
  if (/AccessDenied|not authorized/i.test(`${error.name} ${error.message}`)) {
    return new StackTargetError(
      `not allowed to describe stack ${stackName}: ${error.message}`,
      `attach the stack's operator policy (output OperatorPolicyArn) to your identity, or check --stack`,
      { cause: error },
    );
  }
  if (/Region is missing/.test(error.message)) {
    return new StackTargetError(
      `no AWS region for stack ${stackName}`,
      'set AWS_REGION (or the region of your AWS profile); a stack named Settlement-<tenant> of infra/tenants.json uses the tenant’s region',
      { cause: error },
    );
  }
  if (
    /CredentialsProviderError|Could not load credentials|UnrecognizedClient|InvalidClientTokenId/.test(
      `${error.name} ${error.message}`,
    )
  ) {
    return new StackTargetError(
      `no usable AWS credentials to read stack ${stackName}: ${error.message}`,
      'sign in (aws sso login, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY): the default credential chain is used',
      { cause: error },
    );
  }
  return new StackTargetError(
    `cannot describe stack ${stackName}: ${error.name}: ${error.message}`,
    'check the network and try again',
    {
      cause: error,
    },
  );
}

/** The region of a stack: AWS_REGION if set, else the tenant's region in infra/tenants.json. */
export function regionOf(stackName: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.AWS_REGION || env.AWS_DEFAULT_REGION) return env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  try {
    const file = resolve(import.meta.dirname, '..', '..', 'tenants.json');
    const tenants = (JSON.parse(readFileSync(file, 'utf8')) as { tenants: { id: string; region: string }[] })
      .tenants;
    return tenants.find((t) => `Settlement-${t.id}` === stackName)?.region;
  } catch {
    return undefined;
  }
}

export interface StackTarget {
  readonly stackName: string;
  readonly tenantId: string;
  readonly outputs: StackOutputs;
  readonly sfn: SFNClient;
  /** Runs `fn` with the project's store and archive code bound to this stack's table, buckets and clients. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  close(): void;
}

/** Describes the stack and builds the target; throws StackTargetError when it cannot be used. */
export async function openStackTarget(
  stackName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StackTarget> {
  const region = regionOf(stackName, env);
  const base = region ? { region } : {};
  const cfn = new CloudFormationClient(base);
  let outputs: StackOutputs;
  try {
    const described = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = checkStackOutputs(stackName, described.Stacks?.[0]?.Outputs ?? []);
  } catch (error) {
    if (error instanceof StackTargetError) throw error;
    throw stackErrorOf(stackName, error as Error);
  } finally {
    cfn.destroy();
  }
  // s3rver (the local runtime) needs path-style addressing and no streamed checksums; a real S3
  // endpoint given the same way works with both.
  const s3Endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const clients: Clients = {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient(base), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    }),
    s3: new S3Client({
      ...base,
      ...(s3Endpoint
        ? {
            endpoint: s3Endpoint,
            forcePathStyle: true,
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }
        : {}),
    }),
    sfn: new SFNClient(base),
    ses: new SESv2Client(base),
    secrets: new SecretsManagerClient(base),
    costExplorer: new CostExplorerClient({ ...base, region: 'us-east-1' }),
    athena: new AthenaClient(base),
    ssm: new SSMClient(base),
  };
  const config: RuntimeConfig = {
    tenantId: outputs.TenantId,
    tenantName: outputs.TenantId,
    tenantLocale: 'en',
    tableName: outputs.TableName,
    bucketName: outputs.BucketName,
    archiveBucketName: outputs.ArchiveBucketName,
    region: region ?? (await clients.sfn.config.region()),
    mailFrom: '',
    operationsEmail: '',
    approvalBaseUrl: outputs.ApprovalApiUrl.replace(/\/+$/, ''),
    sesConfigurationSet: undefined,
    secretsPrefix: outputs.SecretsPrefix,
    credentialsParameter: outputs.CredentialsParameter,
    timeZone: 'UTC',
    approvalDefaults: {},
    // The nightly retry policy is the stack's business; the command line starts nothing by it.
    retryPolicy: { maxAttempts: 1, outcomes: [] },
    // The operator starts settlements; the slots are taken by the executions themselves.
    maxConcurrentSettlements: 10,
    costQuery: { workgroup: undefined, database: undefined, exportTable: 'focus_export' },
    endpoints: {
      costExplorer: undefined,
      athena: undefined,
      dynamodb: undefined,
      s3: undefined,
      sfn: undefined,
      ses: undefined,
      secrets: undefined,
      ssm: undefined,
    },
  };
  return {
    stackName,
    tenantId: outputs.TenantId,
    outputs,
    sfn: clients.sfn,
    run: (fn) => runWithConfig(config, () => runWithClients(clients, fn)),
    close() {
      for (const client of [clients.ddb, clients.s3, clients.sfn, clients.ses, clients.secrets, clients.ssm])
        client.destroy();
    },
  };
}

/** Where `settle … --stack` keeps what it downloads (statements, facts), next to local tenants' state. */
export function stackDataDir(root: string, stackName: string): string {
  return join(root, '.local', 'stacks', stackName);
}

import { join, resolve } from 'node:path';
import { resetClients } from '#adapters/clients.ts';
import { resetConfig } from '#adapters/config.ts';
import {
  type Emulators,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  provisionTenant,
  startEmulators,
} from './emulators.ts';
import { type HttpHandler, type LocalServer, type OutboxEmail, startLocalServer } from './server.ts';
import { type ExecutionRecord, type HistoryEvent, LocalStepFunctions } from './step-functions.ts';

/**
 * The whole product on one machine: dynalite, s3rver, the local Step Functions service running the
 * project's ASL files, and one HTTP server for the Step Functions / SES endpoints and the approval
 * links. Handlers are the same modules the CDK stack deploys; only their environment differs.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The Lambda steps of both state machines, by the name used in the ASL placeholders. */
export const FUNCTION_NAMES = [
  'OpenSettlement',
  'CollectSource',
  'ComputeSettlement',
  'VerifyContract',
  'RecordOutcome',
  'DraftStatement',
  'RequestApproval',
  'HandleApprovalTimeout',
  'FinaliseSettlement',
  'ArchiveSettlement',
  'DistributeStatement',
  'RecordFailure',
  'ListDueSettlements',
  'ComputeEarlyWarnings',
] as const;

/** `OpenSettlement` → `functions/open-settlement.ts`. */
export function handlerModulePath(functionName: string): string {
  const kebab = functionName.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return join(ROOT, 'functions', `${kebab}.ts`);
}

export interface LocalRuntimeOptions {
  readonly tenantId: string;
  /** The tenant's company name on its statements (default: the id). */
  readonly tenantName?: string;
  /** Where the outbox, S3 objects and (if `persistent`) DynamoDB live. A temp dir when omitted. */
  readonly dataDir?: string;
  /** Keep DynamoDB on disk in dataDir (the demo); in memory when false. */
  readonly persistent?: boolean;
  /** HTTP port for approvals and the AWS endpoints (0 = any free port). */
  readonly port?: number;
  /** Milliseconds between retries (0 in tests). */
  readonly retryIntervalMs?: number;
  readonly onEvent?: (execution: ExecutionRecord, event: HistoryEvent) => void;
  readonly onEmail?: (email: OutboxEmail) => void;
  /** Extra environment for the handlers (e.g. approval timings in tests). */
  readonly env?: Record<string, string>;
}

export interface LocalRuntime {
  readonly tenantId: string;
  readonly tableName: string;
  readonly bucketName: string;
  readonly sfn: LocalStepFunctions;
  readonly server: LocalServer;
  readonly emulators: Emulators;
  readonly settlementArn: string;
  readonly nightlyArn: string;
  readonly outboxDir: string;
  /** Starts a settlement execution and resolves when it ends. */
  runSettlement(input: Record<string, unknown>, name?: string): Promise<ExecutionRecord>;
  stop(): Promise<void>;
}

export function tenantResourceNames(tenantId: string) {
  return { tableName: `settlement-${tenantId}`, bucketName: `settlement-${tenantId}-archive` };
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { tenantId } = options;
  const dataDir = options.dataDir ?? join(ROOT, '.local', 'tmp', `${tenantId}-${process.pid}-${Date.now()}`);
  const emulators = await startEmulators({
    s3Directory: join(dataDir, 's3'),
    ...(options.persistent ? { dynamodbPath: join(dataDir, 'dynamodb') } : {}),
  });
  const names = tenantResourceNames(tenantId);
  await provisionTenant(emulators, names);

  const handlers = new Map<string, Promise<(event: unknown, context: unknown) => Promise<unknown>>>();
  const loadHandler = (functionName: string) => {
    let loaded = handlers.get(functionName);
    if (!loaded) {
      loaded = import(handlerModulePath(functionName)).then((m: { handler: never }) => m.handler);
      handlers.set(functionName, loaded);
    }
    return loaded;
  };
  let requestSeq = 0;
  const sfn = new LocalStepFunctions({
    region: LOCAL_REGION,
    ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    invokeLambda: async (functionArn, payload) => {
      const functionName = functionArn.split(':').pop() ?? functionArn;
      const handler = await loadHandler(functionName);
      requestSeq += 1;
      // A JSON round trip, as between Step Functions and Lambda: no shared objects.
      const event = JSON.parse(JSON.stringify(payload ?? null));
      const result = await handler(event, {
        functionName,
        awsRequestId: `local-${requestSeq}`,
        getRemainingTimeInMillis: () => 900_000,
        callbackWaitsForEmptyEventLoop: false,
      });
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    },
  });

  const outboxDir = join(dataDir, 'outbox');
  const server = await startLocalServer({
    sfn,
    outboxDir,
    port: options.port ?? 0,
    approvalHandler: () =>
      import(join(ROOT, 'functions', 'approval-api.ts')).then((m: { handler: HttpHandler }) => m.handler),
    ...(options.onEmail ? { onEmail: options.onEmail } : {}),
  });

  Object.assign(process.env, {
    TENANT_ID: tenantId,
    TENANT_NAME: options.tenantName ?? tenantId,
    TABLE_NAME: names.tableName,
    BUCKET_NAME: names.bucketName,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    DYNAMODB_ENDPOINT: emulators.dynamodbEndpoint,
    S3_ENDPOINT: emulators.s3Endpoint,
    SFN_ENDPOINT: server.url,
    SES_ENDPOINT: server.url,
    APPROVAL_BASE_URL: server.url,
    MAIL_FROM: `settlements@${tenantId}.example`,
    POWERTOOLS_SERVICE_NAME: 'settlement',
    POWERTOOLS_DEV: 'true',
    ...options.env,
  });
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  resetConfig();
  resetClients();

  const substitutions: Record<string, string> = {};
  for (const name of FUNCTION_NAMES) {
    substitutions[`${name}FunctionArn`] = `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${name}`;
  }
  const settlementArn = sfn.register(
    `settlement-${tenantId}`,
    join(ROOT, 'statemachines', 'settlement.asl.json'),
    substitutions,
  );
  const nightlyArn = sfn.register(`nightly-${tenantId}`, join(ROOT, 'statemachines', 'nightly.asl.json'), {
    ...substitutions,
    SettlementStateMachineArn: settlementArn,
  });
  process.env.SETTLEMENT_STATE_MACHINE_ARN = settlementArn;

  return {
    tenantId,
    ...names,
    sfn,
    server,
    emulators,
    settlementArn,
    nightlyArn,
    outboxDir,
    async runSettlement(input, name) {
      const execution = sfn.startExecution(settlementArn, input, name);
      await execution.done;
      return execution;
    },
    async stop() {
      // Executions still running (a settlement waiting for approval) end as ABORTED.
      await sfn.stopAll();
      await server.close();
      resetClients();
      await emulators.stop();
    },
  };
}

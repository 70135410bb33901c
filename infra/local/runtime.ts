import './handler-env.ts';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CallerCredentials, resetClients, runWithCredentials } from '#adapters/clients.ts';
import { resetConfig } from '#adapters/config.ts';
import { credentialsParameterName } from '#adapters/credentials.ts';
import { analyticsDatabaseName } from '#analytics/focus-export-table.ts';
import { placeholderOf, type StepAccess } from '#steps/declaration.ts';
import { approvalCodeEnvironment } from '../cdk/tenants.ts';
import { stackName } from '../stack-outputs.ts';
import { STEPS, stepNamed } from '../step-registry.ts';
import { LocalAthena } from './athena.ts';
import {
  type Emulators,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  provisionTenant,
  startEmulators,
} from './emulators.ts';
import { startEnforcement } from './iam/enforcement.ts';
import type { AccessDeniedError, LocalIam } from './iam/evaluate.ts';
import type { ObjectPut } from './iam/gate.ts';
import { accessKeyOf } from './iam/gate.ts';
import { localStackId, localTenant } from './iam/policies.ts';
import { LocalParameterStore } from './parameter-store.ts';
import { type HttpHandler, type LocalServer, type OutboxEmail, startLocalServer } from './server.ts';
import {
  type ExecutionRecord,
  functionNameOf,
  type HistoryEvent,
  LocalStepFunctions,
} from './step-functions.ts';

/**
 * The whole product on one machine: dynalite, s3rver, the local Step Functions service running the
 * project's ASL files, and one HTTP server for the Step Functions / SES endpoints and the approval
 * links. Handlers are the same modules the CDK stack deploys; only their environment differs.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');

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
  /** Milliseconds a Wait state waits (tests); the ASL's own when omitted. */
  readonly waitMs?: number;
  /**
   * Keep finished executions under `<dataDir>/executions` so a later process finds them (redrive,
   * taken names), as the CLI does with a tenant's persistent state.
   */
  readonly keepExecutions?: boolean;
  readonly onEvent?: (execution: ExecutionRecord, event: HistoryEvent) => void;
  readonly onEmail?: (email: OutboxEmail) => void;
  /** Extra environment for the handlers (e.g. approval timings in tests). */
  readonly env?: Record<string, string>;
  /**
   * Tests only: replaces parts of steps' declared access before the stack is synthesized, e.g.
   * `{ ComputeSettlement: { write: [] } }`, to prove that a missing grant fails the settlement.
   */
  readonly accessOverrides?: Readonly<Record<string, Partial<StepAccess>>>;
  /** Called for every AWS call the synthesized policies refuse. */
  readonly onDenied?: (denial: AccessDeniedError) => void;
  /** Called for every object PUT S3 stored, with its integrity headers. */
  readonly onObjectPut?: (put: ObjectPut) => void;
  /** Answers GetCostAndUsage after local IAM allowed it (default: no cost in the window). */
  readonly costExplorer?: (input: Record<string, unknown>) => unknown;
}

export interface LocalRuntime {
  readonly tenantId: string;
  readonly tableName: string;
  /** The working bucket (no object lock). */
  readonly bucketName: string;
  /** The archive bucket (final statements, the archive): a PUT without checksum is refused, as S3 refuses it. */
  readonly archiveBucketName: string;
  readonly sfn: LocalStepFunctions;
  readonly server: LocalServer;
  readonly emulators: Emulators;
  readonly settlementArn: string;
  readonly nightlyArn: string;
  /** The `live` aliases runs are started through, as in the deployed stack. */
  readonly settlementAliasArn: string;
  readonly nightlyAliasArn: string;
  readonly outboxDir: string;
  /** The tenant's stack name: DescribeStacks of it answers the stack's outputs with local names. */
  readonly stackName: string;
  /**
   * Where a client reaches this runtime as it reaches AWS, by the SDK's service ids (what
   * `AWS_ENDPOINT_URL_<SERVICE>` names): DynamoDB and S3 through the IAM gates.
   */
  readonly endpoints: Readonly<Record<'dynamodb' | 's3' | 'sfn' | 'cloudformation' | 'ssm', string>>;
  /** Athena's stand-in (its `started` lists every query). */
  readonly athena: LocalAthena;
  /** The tenant's SSM parameter of static connector credentials (kept encrypted under `<dataDir>/ssm`). */
  readonly credentialsParameter: string;
  /** The IAM checks of this runtime (what each function was allowed, for the grant-coverage test). */
  readonly iam: LocalIam;
  /**
   * The credentials a function (`ComputeSettlement`), state machine or `stack-operator` (a caller
   * holding only the stack's operator policy, as `settle … --stack` runs) signs with in this runtime.
   */
  credentialsOf(principal: string): CallerCredentials;
  /** Starts a settlement execution and resolves when it ends. */
  runSettlement(input: Record<string, unknown>, name?: string): Promise<ExecutionRecord>;
  stop(): Promise<void>;
}

/** The local names of a tenant's table and buckets (in the cloud CloudFormation names them). */
export function tenantResourceNames(tenantId: string) {
  return {
    tableName: `settlement-${tenantId}`,
    bucketName: `settlement-${tenantId}-working`,
    archiveBucketName: `settlement-${tenantId}-archive`,
  };
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

  // IAM as the stack would enforce it: the tenant's policies as synthesized, one identity per
  // function and per state machine, every SDK call checked before the emulator serves it.
  const enforcement = await startEnforcement({
    tenantId,
    region: LOCAL_REGION,
    ...names,
    dynamodbEndpoint: emulators.dynamodbEndpoint,
    s3Endpoint: emulators.s3Endpoint,
    operator: LOCAL_CREDENTIALS,
    ...(options.accessOverrides ? { accessOverrides: options.accessOverrides } : {}),
    ...(options.onDenied ? { onDenied: options.onDenied } : {}),
    ...(options.onObjectPut ? { onObjectPut: options.onObjectPut } : {}),
  });
  const { iam, identities, policies } = enforcement;
  const tenant = localTenant(tenantId, LOCAL_REGION);
  const settlementArn = policies.arns.settlementMachine;
  const nightlyArn = policies.arns.nightlyMachine;
  const machinePrincipal = (arn: string) =>
    arn === settlementArn ? 'settlement-machine' : arn === nightlyArn ? 'nightly-machine' : `machine ${arn}`;

  const handlers = new Map<string, Promise<(event: unknown, context: unknown) => Promise<unknown>>>();
  const loadHandler = (functionName: string) => {
    let loaded = handlers.get(functionName);
    if (!loaded) {
      loaded = import(stepNamed(functionName).entry).then((m: { handler: never }) => m.handler);
      handlers.set(functionName, loaded);
    }
    return loaded;
  };
  let requestSeq = 0;
  const sfn = new LocalStepFunctions({
    region: LOCAL_REGION,
    ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
    ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.keepExecutions ? { executionsDir: join(dataDir, 'executions') } : {}),
    authorize: (machineArn, action, resource, context) =>
      iam.authorize(machinePrincipal(machineArn), [{ action, resource, ...(context ? { context } : {}) }]),
    runAsMachine: (machineArn, call) =>
      runWithCredentials(identities.credentialsOf(machinePrincipal(machineArn)), call),
    invokeLambda: async (functionArn, payload) => {
      // The Task names a published version (`…:function:<Step>:1`); the handler is the step's.
      const functionName = functionNameOf(functionArn);
      const handler = await loadHandler(functionName);
      requestSeq += 1;
      // A JSON round trip, as between Step Functions and Lambda: no shared objects.
      const event = JSON.parse(JSON.stringify(payload ?? null));
      const result = await runWithCredentials(identities.credentialsOf(functionName), () =>
        handler(event, {
          functionName,
          awsRequestId: `local-${requestSeq}`,
          getRemainingTimeInMillis: () => 900_000,
          callbackWaitsForEmptyEventLoop: false,
        }),
      );
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    },
  });

  // Athena on DuckDB, acting with the caller's permissions as Athena does.
  const athena = new LocalAthena({
    region: LOCAL_REGION,
    bucketName: names.bucketName,
    s3Endpoint: enforcement.s3Endpoint,
    credentialsOf: (principal) => identities.credentialsOf(principal),
    authorize: async (principal, requests) => {
      try {
        await iam.authorize(principal, requests);
      } catch (error) {
        throw Object.assign(error as Error, { name: 'AccessDeniedException' });
      }
    },
  });
  const outboxDir = join(dataDir, 'outbox');
  const parameters = new LocalParameterStore({
    dir: join(dataDir, 'ssm'),
    tenantId,
    arnOf: policies.arns.parameter,
    keyId: policies.arns.key,
  });
  let serverUrl = '';
  const server = await startLocalServer({
    // DescribeStacks answers the synthesized stack's outputs with this runtime's names and URLs.
    stack: {
      name: stackName(tenantId),
      id: localStackId({ tenantId, region: LOCAL_REGION }),
      outputs: () => ({ ...policies.outputs, ApprovalApiUrl: serverUrl }),
    },
    sfn,
    outboxDir,
    parameters,
    port: options.port ?? 0,
    approvalHandler: async () => {
      const http = STEPS.find((s) => s.declaration.states === 'http');
      if (!http) throw new Error('no http step declared in functions/');
      const { handler } = (await import(http.entry)) as { handler: HttpHandler };
      const credentials = identities.credentialsOf(http.name);
      return (event, context) => runWithCredentials(credentials, () => handler(event, context));
    },
    ...(options.onEmail ? { onEmail: options.onEmail } : {}),
    // Every key this runtime issued (the operator's and each function's) signs valid requests.
    credentials: (accessKeyId) => identities.secretOf(accessKeyId),
    authorize: enforcement.authorizeAws,
    ...(options.costExplorer ? { costExplorer: options.costExplorer } : {}),
    athena: (req, action, body) =>
      athena.handle(identities.principalOf(accessKeyOf(req) ?? '') ?? 'unknown caller', action, body),
  });

  serverUrl = server.url;

  Object.assign(process.env, {
    TENANT_ID: tenantId,
    TENANT_NAME: options.tenantName ?? tenantId,
    TENANT_LOCALE: tenant.locale,
    TABLE_NAME: names.tableName,
    BUCKET_NAME: names.bucketName,
    ARCHIVE_BUCKET_NAME: names.archiveBucketName,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    DYNAMODB_ENDPOINT: enforcement.dynamodbEndpoint,
    S3_ENDPOINT: enforcement.s3Endpoint,
    SFN_ENDPOINT: server.url,
    SES_ENDPOINT: server.url,
    COST_EXPLORER_ENDPOINT: server.url,
    ATHENA_ENDPOINT: server.url,
    // The stack's names (infra/cdk/tenant-analytics.ts).
    COST_WORKGROUP: `settlement-${tenantId}-costs`,
    COST_DATABASE: analyticsDatabaseName(tenantId),
    SSM_ENDPOINT: server.url,
    CREDENTIALS_PARAMETER: credentialsParameterName(tenantId),
    APPROVAL_BASE_URL: server.url,
    MAIL_FROM: tenant.mailFrom,
    OPERATIONS_EMAIL: tenant.alarmEmail,
    ...(policies.arns.configurationSet
      ? { SES_CONFIGURATION_SET: policies.arns.configurationSet.split('/').pop() }
      : {}),
    POWERTOOLS_SERVICE_NAME: 'settlement',
    POWERTOOLS_DEV: 'true',
    // The tenant's retry policy, as the stack sets it.
    RETRY_MAX_ATTEMPTS: String(tenant.retries.maxAttempts),
    MAX_CONCURRENT_SETTLEMENTS: String(tenant.maxConcurrentSettlements),
    RETRY_OUTCOMES: tenant.retries.outcomes.join(','),
    // The tenant's one-time code policy, as the stack sets it (none = off, also after another tenant's run).
    APPROVAL_CODE_FROM: '',
    APPROVAL_CODE_MINUTES: '',
    APPROVAL_CODE_ATTEMPTS: '',
    ...approvalCodeEnvironment(tenant),
    ...options.env,
  });
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  resetConfig();
  resetClients();

  // The ASL names each function's published version, as the deployed stack does, so the machines'
  // grants on versions are what the local IAM checks.
  const substitutions: Record<string, string> = {};
  for (const { name } of STEPS) {
    const version = policies.arns.functionVersions[name];
    if (!version) throw new Error(`the synthesized stack publishes no version of ${name}`);
    substitutions[placeholderOf(name)] = version;
  }
  const qualifierOf = (alias: string) => [alias.split(':').pop() ?? '', '1'];
  // Each machine gets only the placeholders its ASL names (as CDK substitutes them).
  const only = (file: string, extra: Record<string, string> = {}) => {
    const text = readFileSync(file, 'utf8');
    return Object.fromEntries(
      Object.entries({ ...substitutions, ...extra }).filter(([k]) => text.includes(`\${${k}}`)),
    );
  };
  const settlementFile = join(ROOT, 'statemachines', 'settlement.asl.json');
  const nightlyFile = join(ROOT, 'statemachines', 'nightly.asl.json');
  const { settlementAlias, nightlyAlias } = policies.arns;
  sfn.register(
    settlementArn.split(':').pop() ?? '',
    settlementFile,
    only(settlementFile),
    qualifierOf(settlementAlias),
  );
  sfn.register(
    nightlyArn.split(':').pop() ?? '',
    nightlyFile,
    only(nightlyFile, { SettlementStateMachineArn: settlementAlias }),
    qualifierOf(nightlyAlias),
  );
  process.env.SETTLEMENT_STATE_MACHINE_ARN = settlementArn;

  return {
    tenantId,
    ...names,
    sfn,
    server,
    emulators,
    settlementArn,
    nightlyArn,
    settlementAliasArn: settlementAlias,
    nightlyAliasArn: nightlyAlias,
    outboxDir,
    stackName: stackName(tenantId),
    endpoints: {
      dynamodb: enforcement.dynamodbEndpoint,
      s3: enforcement.s3Endpoint,
      sfn: server.url,
      cloudformation: server.url,
      ssm: server.url,
    },
    credentialsParameter: credentialsParameterName(tenantId),
    iam,
    athena,
    credentialsOf: (principal) => identities.credentialsOf(principal),
    async runSettlement(input, name) {
      // Through the alias, as the scheduler, the nightly machine and the CLI start it in the cloud.
      const execution = sfn.startExecution(settlementAlias, input, name);
      await execution.done;
      return execution;
    },
    async stop() {
      // Executions still running (a settlement waiting for approval) end as ABORTED.
      await sfn.stopAll();
      await server.close();
      resetClients();
      await enforcement.close();
      await emulators.stop();
    },
  };
}

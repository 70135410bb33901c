import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { placeholderOf, type StepAccess } from '#steps/declaration.ts';
import { STEPS, type Step } from '../step-registry.ts';
import type { ConnectorSecrets } from './connector-secrets.ts';
import { acknowledgeWildcardResource, nagArnPrefix } from './nag.ts';
import { SettlementFunction } from './settlement-function.ts';
import type { Grantee, TenantData } from './tenant-data.ts';
import type { TenantMail } from './tenant-mail.ts';

/** Cost Explorer has no resource-level permissions: AWS documents `Resource: "*"` for ce:GetCostAndUsage. */
const COST_EXPLORER_REASON =
  'Cost Explorer supports no resource-level permissions; ce:GetCostAndUsage requires Resource "*". This function can ' +
  'therefore read the cost and usage of the whole account (every tenant and every other workload in it, or the whole ' +
  "organization from a management account), not only this tenant's. Where that matters, deploy the tenant in an account of " +
  'its own (README, "Deploy a tenant stack to AWS").';

/** Task-token actions: the service authorization reference lists no resource type for them, so only "*" matches. */
const TASK_TOKEN_REASON =
  'states:SendTaskSuccess/SendTaskFailure support no resource-level permissions (the task token names the execution); ' +
  'the token itself is read from this tenant’s table only.';

export interface SettlementStepsProps {
  /** Environment every function gets (TENANT_ID, TABLE_NAME, BUCKET_NAME, MAIL_FROM, …). */
  readonly environment: Readonly<Record<string, string>>;
  readonly data: TenantData;
  readonly mail: TenantMail;
  readonly secrets: ConnectorSecrets;
  /** Physical name of the settlement state machine (DescribeExecution is granted on its executions). */
  readonly settlementMachineName: string;
  /** Folder holding the handler modules to bundle. @default the project's functions/ */
  readonly functionsDir?: string;
  /** Lock file pinning the bundled dependencies (the project's package-lock.json). */
  readonly depsLockFilePath: string;
  /** Retention of every function's log group. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Powertools log level of every function. @default 'INFO' */
  readonly logLevel?: string;
  /** Where the nightly cloud-cost query runs (steps declaring `athena`). */
  readonly costQuery: {
    readonly workGroupName: string;
    readonly databaseName: string;
    readonly tableName: string;
  };
  /** The steps to build. @default every step declared in functions/ */
  readonly steps?: readonly Step[];
}

/**
 * The tenant's Lambda functions: one per declared step (functions/<step>.ts), each built by
 * SettlementFunction and granted exactly the access its declaration names, nothing else.
 */
export class SettlementSteps extends Construct {
  /** The functions by step name (`ComputeSettlement`). */
  public readonly functions: ReadonlyMap<string, SettlementFunction>;
  private readonly declared: readonly Step[];

  constructor(scope: Construct, id: string, props: SettlementStepsProps) {
    super(scope, id);
    this.declared = props.steps ?? STEPS;
    const functions = new Map<string, SettlementFunction>();
    for (const step of this.declared) {
      const { declaration } = step;
      const fn = new SettlementFunction(this, step.name, {
        entry: props.functionsDir ? `${props.functionsDir}/${step.fileBase}.ts` : step.entry,
        serviceName: step.fileBase,
        depsLockFilePath: props.depsLockFilePath,
        sharedEnvironment: props.environment,
        timeout: Duration.seconds(declaration.timeoutSeconds),
        ...(declaration.memoryMb ? { memorySize: declaration.memoryMb } : {}),
        ...(props.logRetention ? { logRetention: props.logRetention } : {}),
        ...(props.logLevel ? { logLevel: props.logLevel } : {}),
      });
      grantAccess(declaration.access, fn.role, props);
      functions.set(step.name, fn);
    }
    this.functions = functions;
  }

  /** The function construct of a step (`ComputeSettlement`), with its role and log group. */
  get(name: string): SettlementFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`no step named ${name}`);
    return fn;
  }

  /** The Lambda function of a step (`ComputeSettlement`). */
  fn(name: string): lambda.IFunction {
    return this.get(name).function;
  }

  /** Every function (for alarms and the dashboard). */
  all(): SettlementFunction[] {
    return [...this.functions.values()];
  }

  /**
   * The ASL placeholders of a state machine's Task states, `${<Step>FunctionArn}` → the version this
   * deploy published (the machine version invokes exactly that code).
   */
  placeholdersOf(machine: 'settlement' | 'nightly'): Record<string, lambda.IVersion> {
    return Object.fromEntries(
      this.declared
        .filter((s) => s.declaration.states !== 'http' && machine in s.declaration.states)
        .map((s) => [placeholderOf(s.name), this.get(s.name).version]),
    );
  }

  /** The `live` alias of the function behind the approval page (the one `http` step). */
  httpFunction(): lambda.IFunction {
    const http = this.declared.filter((s) => s.declaration.states === 'http');
    if (http.length !== 1) throw new Error(`expected one http step, found ${http.length}`);
    return this.get((http[0] as Step).name).alias;
  }
}

/** Turns a declaration into grants on the tenant's resources. */
function grantAccess(access: StepAccess, grantee: Grantee, props: SettlementStepsProps): void {
  const { data, mail, secrets } = props;
  data.grantTable(grantee, access.table ?? []);
  data.grantObjectsRead(grantee, access.read ?? []);
  data.grantObjectsWrite(grantee, access.write ?? []);
  data.grantObjectsList(grantee, access.list ?? []);
  if (access.sendMail) mail.grantSend(grantee);
  if (access.readSecrets || access.rotateSecrets) secrets.grantRead(grantee);
  if (access.rotateSecrets) secrets.grantRotate(grantee);
  const wildcard: string[] = [];
  if (access.costExplorer) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ce:GetCostAndUsage'], resources: ['*'] }),
    );
    wildcard.push(COST_EXPLORER_REASON);
  }
  if (access.athena) {
    const stack = Stack.of(grantee);
    const { workGroupName, databaseName, tableName } = props.costQuery;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'],
        resources: [
          stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: workGroupName }),
        ],
      }),
    );
    // Athena reads the table's definition and its (projected) partitions as the caller.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetTable', 'glue:GetPartitions'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName }),
          stack.formatArn({
            service: 'glue',
            resource: 'table',
            resourceName: `${databaseName}/${tableName}`,
          }),
        ],
      }),
    );
  }
  const sfn = access.stepFunctions ?? [];
  const taskToken = sfn.filter((a) => a === 'SendTaskSuccess' || a === 'SendTaskFailure');
  if (taskToken.length > 0) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: taskToken.map((a) => `states:${a}`), resources: ['*'] }),
    );
    wildcard.push(TASK_TOKEN_REASON);
  }
  if (sfn.includes('DescribeExecution')) {
    const stack = Stack.of(grantee);
    const executions = `${props.settlementMachineName}:*`;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution'],
        resources: [
          stack.formatArn({
            service: 'states',
            resource: 'execution',
            resourceName: executions,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    acknowledgeWildcardResource(
      grantee,
      `${nagArnPrefix(grantee, 'states')}:execution:${executions}`,
      "Describes the execution that holds a settlement's claim; execution names are generated per run, so the " +
        "resource is this tenant's settlement machine's executions and nothing else.",
    );
  }
  if (wildcard.length > 0) {
    // More specific than SettlementFunction's X-Ray acknowledgement, so it must cover that too.
    acknowledgeWildcardResource(
      grantee,
      '*',
      `${wildcard.join(' ')} X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) likewise have no resource-level permissions.`,
    );
  }
}

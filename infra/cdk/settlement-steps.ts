import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ConnectorSecrets } from './connector-secrets.ts';
import { acknowledgeWildcardResource } from './nag.ts';
import { SettlementFunction } from './settlement-function.ts';
import type { Grantee, TenantData } from './tenant-data.ts';
import type { TenantMail } from './tenant-mail.ts';

/** What a step may touch; every permission a function has is listed here and nowhere else. */
type Access = (ctx: {
  data: TenantData;
  mail: TenantMail;
  secrets: ConnectorSecrets;
  grantee: Grantee;
}) => void;

interface StepSpec {
  /** Handler module in functions/. */
  readonly file: string;
  /** Lambda timeout: below the Task's TimeoutSeconds in the ASL, so the function reports its own timeout. */
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly access: Access;
}

/** Cost Explorer has no resource-level permissions: AWS documents `Resource: "*"` for ce:GetCostAndUsage. */
export const COST_EXPLORER_STATEMENT = {
  actions: ['ce:GetCostAndUsage'],
  reason: 'Cost Explorer supports no resource-level permissions; its actions require Resource "*".',
} as const;

/**
 * Every Lambda of the product and exactly what it may do (least privilege per function).
 * Keys are the names used in code; `file` is the handler in functions/.
 */
export const STEPS = {
  openSettlement: {
    file: 'open-settlement.ts',
    timeout: Duration.seconds(120),
    access: ({ data, grantee }) => data.grantTableReadWrite(grantee),
  },
  collectSource: {
    file: 'collect-source.ts',
    timeout: Duration.seconds(840),
    memorySize: 1769, // one full vCPU for parsing large exports
    access: ({ data, secrets, grantee }) => {
      data.grantTableReadWrite(grantee);
      data.grantObjectsRead(grantee, ['inbox/']);
      data.grantObjectsWrite(grantee, ['raw/']);
      secrets.grantRead(grantee);
      secrets.grantRotate(grantee); // OAuth refresh tokens that rotate on use (QuickBooks)
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...COST_EXPLORER_STATEMENT.actions], resources: ['*'] }),
      );
      // More specific than SettlementFunction's X-Ray acknowledgement, so it must cover both.
      acknowledgeWildcardResource(
        grantee,
        '*',
        `${COST_EXPLORER_STATEMENT.reason} X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) likewise have no resource-level permissions.`,
      );
    },
  },
  computeSettlement: {
    file: 'compute-settlement.ts',
    timeout: Duration.seconds(840),
    memorySize: 1769,
    access: ({ data, grantee }) => {
      data.grantTableRead(grantee);
      data.grantObjectsRead(grantee, ['raw/']);
      data.grantObjectsWrite(grantee, ['drafts/']);
    },
  },
  verifyContract: {
    file: 'verify-contract.ts',
    timeout: Duration.seconds(240),
    access: ({ data, grantee }) => {
      data.grantTableRead(grantee);
      data.grantObjectsRead(grantee, ['raw/']);
      data.grantObjectsWrite(grantee, ['drafts/']);
    },
  },
  recordOutcome: {
    file: 'record-outcome.ts',
    timeout: Duration.seconds(120),
    access: ({ data, mail, grantee }) => {
      data.grantTableReadWrite(grantee);
      mail.grantSend(grantee);
    },
  },
  draftStatement: {
    file: 'draft-statement.ts',
    timeout: Duration.seconds(240),
    memorySize: 1769, // PDF rendering
    access: ({ data, grantee }) => {
      data.grantObjectsRead(grantee, ['drafts/']);
      data.grantObjectsWrite(grantee, ['drafts/']);
    },
  },
  requestApproval: {
    file: 'request-approval.ts',
    timeout: Duration.seconds(60),
    access: ({ data, mail, grantee }) => {
      data.grantTableReadWrite(grantee);
      mail.grantSend(grantee);
      data.grantObjectsRead(grantee, ['drafts/']);
    },
  },
  handleApprovalTimeout: {
    file: 'handle-approval-timeout.ts',
    timeout: Duration.seconds(120),
    access: ({ data, mail, grantee }) => {
      data.grantTableReadWrite(grantee);
      mail.grantSend(grantee);
      data.grantObjectsRead(grantee, ['drafts/']);
    },
  },
  finaliseSettlement: {
    file: 'finalise-settlement.ts',
    timeout: Duration.seconds(120),
    access: ({ data, grantee }) => {
      data.grantTableReadWrite(grantee);
      data.grantObjectsRead(grantee);
      data.grantObjectsWrite(grantee);
    },
  },
  archiveSettlement: {
    file: 'archive-settlement.ts',
    timeout: Duration.seconds(240),
    memorySize: 1769,
    access: ({ data, grantee }) => {
      data.grantTableReadWrite(grantee);
      data.grantObjectsRead(grantee);
      data.grantObjectsWrite(grantee, ['archive/']);
    },
  },
  distributeStatement: {
    file: 'distribute-statement.ts',
    timeout: Duration.seconds(120),
    access: ({ data, mail, grantee }) => {
      mail.grantSend(grantee);
      data.grantObjectsRead(grantee);
    },
  },
  recordFailure: {
    file: 'record-failure.ts',
    timeout: Duration.seconds(60),
    access: ({ data, mail, grantee }) => {
      data.grantTableReadWrite(grantee);
      mail.grantSend(grantee);
    },
  },
  listDueSettlements: {
    file: 'list-due-settlements.ts',
    timeout: Duration.seconds(240),
    access: ({ data, grantee }) => {
      data.grantTableRead(grantee);
      data.grantObjectsWrite(grantee, ['nightly/']);
    },
  },
  computeEarlyWarnings: {
    file: 'compute-early-warnings.ts',
    timeout: Duration.seconds(240),
    access: ({ data, grantee }) => data.grantTableRead(grantee),
  },
  approvalApi: {
    file: 'approval-api.ts',
    // API Gateway HTTP APIs give an integration 30 s at most.
    timeout: Duration.seconds(20),
    access: ({ data, mail, grantee }) => {
      data.grantTableReadWrite(grantee);
      mail.grantSend(grantee);
      data.grantObjectsRead(grantee, ['drafts/']);
    },
  },
} as const satisfies Record<string, StepSpec>;

export type StepName = keyof typeof STEPS;

export interface SettlementStepsProps {
  /** Folder holding the handler modules (`functions/`). */
  readonly functionsDir: string;
  /** Lock file pinning the bundled dependencies (the project's package-lock.json). */
  readonly depsLockFilePath: string;
  /** Environment every function gets (TENANT_ID, TABLE_NAME, BUCKET_NAME, MAIL_FROM, …). */
  readonly environment: Readonly<Record<string, string>>;
  readonly data: TenantData;
  readonly mail: TenantMail;
  readonly secrets: ConnectorSecrets;
  /** Retention of every function's log group. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Powertools log level of every function. @default 'INFO' */
  readonly logLevel?: string;
}

/**
 * The tenant's Lambda functions, one per Task of the state machines plus the approval API,
 * each built by SettlementFunction and granted exactly the access listed in STEPS.
 */
export class SettlementSteps extends Construct {
  public readonly steps: { readonly [K in StepName]: SettlementFunction };

  constructor(scope: Construct, id: string, props: SettlementStepsProps) {
    super(scope, id);
    const built = {} as Record<StepName, SettlementFunction>;
    for (const [name, spec] of Object.entries(STEPS) as [StepName, StepSpec][]) {
      const step = new SettlementFunction(this, name, {
        entry: join(props.functionsDir, spec.file),
        depsLockFilePath: props.depsLockFilePath,
        sharedEnvironment: props.environment,
        timeout: spec.timeout,
        ...(spec.memorySize ? { memorySize: spec.memorySize } : {}),
        ...(props.logRetention ? { logRetention: props.logRetention } : {}),
        ...(props.logLevel ? { logLevel: props.logLevel } : {}),
      });
      spec.access({ data: props.data, mail: props.mail, secrets: props.secrets, grantee: step.role });
      built[name] = step;
    }
    this.steps = built;
  }

  /** The Lambda function of a step. */
  fn(name: StepName): lambda.IFunction {
    return this.steps[name].function;
  }

  /** Every function (for alarms and the dashboard). */
  all(): SettlementFunction[] {
    return Object.values(this.steps);
  }

  /**
   * The approval API resumes the waiting Approve state: SendTaskSuccess / SendTaskFailure on the
   * settlement state machine only (the task token itself stays in the tenant's table).
   */
  allowTaskResponses(settlement: sfn.IStateMachine): void {
    this.steps.approvalApi.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [settlement.stateMachineArn],
      }),
    );
  }
}

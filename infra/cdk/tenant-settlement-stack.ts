import { resolve } from 'node:path';
import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Step } from '../step-registry.ts';
import { ApprovalApi } from './approval-api.ts';
import { ApprovalDomain } from './approval-domain.ts';
import { AslStateMachine } from './asl-state-machine.ts';
import { ConnectorSecrets } from './connector-secrets.ts';
import { NightlySchedule } from './nightly-schedule.ts';
import { OperatorAccess } from './operator-access.ts';
import { OperatorOutputs } from './operator-outputs.ts';
import { SettlementOperations } from './settlement-operations.ts';
import { SettlementSteps } from './settlement-steps.ts';
import { FOCUS_EXPORT_TABLE, TenantAnalytics } from './tenant-analytics.ts';
import { TenantData } from './tenant-data.ts';
import { TenantMail } from './tenant-mail.ts';
import { approvalCodeEnvironment, type Tenant } from './tenants.ts';

/** The repository root (infra/cdk/../..). */
export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

/** CloudWatch namespace of the Powertools metrics (dimension `service` = the function). */
export const METRICS_NAMESPACE = 'ProjectSettlement';

export interface TenantSettlementStackProps extends StackProps {
  /** The tenant, validated by infra/cdk/tenants.ts. */
  readonly tenant: Tenant;
  /** Folder of the handler modules. @default `<project root>/functions` */
  readonly functionsDir?: string;
  /** Folder of the ASL files. @default `<project root>/statemachines` */
  readonly stateMachinesDir?: string;
  /** Lock file pinning the bundled dependencies. @default `<project root>/package-lock.json` */
  readonly depsLockFilePath?: string;
  /** The steps to deploy. @default every step declared in functions/ */
  readonly steps?: readonly Step[];
}

/**
 * Everything one tenant needs, isolated from every other tenant: its key, table and buckets,
 * connector secrets, SES configuration set, functions and roles, both state machines (from the
 * ASL files), the nightly schedule, the approval API and its alarms. Tagged `tenant=<id>`.
 */
export class TenantSettlementStack extends Stack {
  public readonly data: TenantData;
  public readonly steps: SettlementSteps;
  public readonly settlement: AslStateMachine;
  public readonly nightly: AslStateMachine;
  public readonly schedule: NightlySchedule;
  public readonly approvalApi: ApprovalApi;
  /** The approval links' custom domain, when the tenant names one. */
  public readonly approvalDomain: ApprovalDomain | undefined;
  public readonly operations: SettlementOperations;
  /** Glue tables over the Parquet facts, the Athena workgroup, named queries and the BI access policy. */
  public readonly analytics: TenantAnalytics;
  /** The managed policy operators (`settle … --stack`) are given. */
  public readonly operator: OperatorAccess;

  constructor(scope: Construct, id: string, props: TenantSettlementStackProps) {
    const { tenant } = props;
    super(scope, id, {
      description: `Project settlement for tenant ${tenant.id} (${tenant.name})`,
      ...props,
    });
    Tags.of(this).add('tenant', tenant.id);
    Tags.of(this).add('application', 'project-settlement');

    const stateMachinesDir = props.stateMachinesDir ?? resolve(PROJECT_ROOT, 'statemachines');

    this.data = new TenantData(this, 'Data', {
      tenantId: tenant.id,
      retentionYears: tenant.retentionYears,
      workingDataExpiryDays: tenant.workingDataExpiryDays,
    });
    const mail = new TenantMail(this, 'Mail', { tenantId: tenant.id, mailFrom: tenant.mailFrom });
    const secrets = new ConnectorSecrets(this, 'Secrets', {
      tenantId: tenant.id,
      names: tenant.secrets,
      encryptionKey: this.data.key,
    });
    this.approvalApi = new ApprovalApi(this, 'Approvals', { tenantId: tenant.id });
    const domain = tenant.approvalDomain;
    this.approvalDomain = domain
      ? new ApprovalDomain(this, 'ApprovalDomain', {
          api: this.approvalApi.api,
          stage: this.approvalApi.stage,
          domainName: domain.name,
          ...(domain.hostedZone ? { hostedZone: domain.hostedZone } : {}),
          ...(domain.certificateArn ? { certificateArn: domain.certificateArn } : {}),
        })
      : undefined;
    const approvalBaseUrl = this.approvalDomain?.url ?? this.approvalApi.url;
    this.analytics = new TenantAnalytics(this, 'Analytics', { tenantId: tenant.id, data: this.data });

    const settlementMachineName = `settlement-${tenant.id}`;
    this.steps = new SettlementSteps(this, 'Steps', {
      ...(props.functionsDir ? { functionsDir: props.functionsDir } : {}),
      ...(props.steps ? { steps: props.steps } : {}),
      settlementMachineName,
      depsLockFilePath: props.depsLockFilePath ?? resolve(PROJECT_ROOT, 'package-lock.json'),
      data: this.data,
      mail,
      secrets,
      costQuery: {
        workGroupName: this.analytics.costWorkGroupName,
        databaseName: this.analytics.databaseName,
        tableName: FOCUS_EXPORT_TABLE,
      },
      environment: {
        TENANT_ID: tenant.id,
        TENANT_NAME: tenant.name,
        TENANT_LOCALE: tenant.locale,
        TABLE_NAME: this.data.table.tableName,
        BUCKET_NAME: this.data.workingBucket.bucketName,
        ARCHIVE_BUCKET_NAME: this.data.archiveBucket.bucketName,
        MAIL_FROM: tenant.mailFrom,
        OPERATIONS_EMAIL: tenant.alarmEmail,
        APPROVAL_BASE_URL: approvalBaseUrl,
        SES_CONFIGURATION_SET: mail.configurationSet.configurationSetName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // Tenant defaults the handlers need beyond the shared configuration.
        TENANT_TIME_ZONE: tenant.timeZone,
        APPROVAL_TTL_DAYS: String(tenant.approvals.timeoutDays),
        APPROVAL_REMINDER_HOURS: String(tenant.approvals.reminderAfterHours),
        ...approvalCodeEnvironment(tenant),
        RETRY_MAX_ATTEMPTS: String(tenant.retries.maxAttempts),
        MAX_CONCURRENT_SETTLEMENTS: String(tenant.maxConcurrentSettlements),
        RETRY_OUTCOMES: tenant.retries.outcomes.join(','),
        SECRETS_PREFIX: secrets.prefix,
        COST_WORKGROUP: this.analytics.costWorkGroupName,
        COST_DATABASE: this.analytics.databaseName,
        CREDENTIALS_PARAMETER: secrets.parameterName,
      },
    });
    this.approvalApi.route(this.steps.httpFunction());

    this.settlement = new AslStateMachine(this, 'Settlement', {
      definitionFile: resolve(stateMachinesDir, 'settlement.asl.json'),
      stateMachineName: settlementMachineName,
      functions: this.steps.placeholdersOf('settlement'),
    });

    this.nightly = new AslStateMachine(this, 'Nightly', {
      definitionFile: resolve(stateMachinesDir, 'nightly.asl.json'),
      stateMachineName: `settlement-nightly-${tenant.id}`,
      functions: this.steps.placeholdersOf('nightly'),
      // Through the alias: a nightly run starts settlements on the settlement version of the latest deploy.
      substitutions: { SettlementStateMachineArn: this.settlement.aliasArn },
    });
    // startExecution without .sync: StartExecution only (no Describe/Stop, no EventBridge rule).
    this.settlement.grantStartThroughAlias(this.nightly.stateMachine);
    // The Distributed Map's ItemReader reads the item list ListDue wrote under nightly/ (s3:GetObject, kms:Decrypt).
    this.data.grantObjectsRead(this.nightly.stateMachine.role, ['nightly']);

    this.schedule = new NightlySchedule(this, 'NightlySchedule', {
      tenantId: tenant.id,
      timeZone: tenant.timeZone,
      nightlyTime: tenant.nightlyTime,
      stateMachine: this.nightly,
    });

    this.operations = new SettlementOperations(this, 'Operations', {
      tenantId: tenant.id,
      settlementMachine: this.settlement.stateMachine,
      nightlyMachine: this.nightly.stateMachine,
      functions: Object.fromEntries(this.steps.all().map((s) => [s.serviceName, s.function])),
      deadLetterQueues: { nightly: this.schedule.deadLetterQueue },
      api: this.approvalApi.api,
      alarmEmail: tenant.alarmEmail,
      mailProblems: mail.deliveryProblems,
    });

    this.operator = new OperatorAccess(this, 'Operator', {
      tenantId: tenant.id,
      data: this.data,
      settlementMachine: this.settlement.stateMachine,
      settlementMachineName,
    });
    new OperatorOutputs(this, 'Outputs', {
      values: {
        TenantId: tenant.id,
        TableName: this.data.table.tableName,
        BucketName: this.data.workingBucket.bucketName,
        ArchiveBucketName: this.data.archiveBucket.bucketName,
        SettlementStateMachineArn: this.settlement.stateMachine.stateMachineArn,
        SettlementAliasArn: this.settlement.aliasArn,
        ApprovalApiUrl: approvalBaseUrl,
        SecretsPrefix: secrets.prefix,
        CredentialsParameter: secrets.parameterName,
        OperatorPolicyArn: this.operator.policy.managedPolicyArn,
      },
    });
  }
}

import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BUCKET_AREAS, type BucketArea } from '#storage/layout.ts';
import { impliedKmsActions } from '../access-model.ts';
import { MACHINE_ALIAS } from './asl-state-machine.ts';
import { acknowledgeWildcardResource, nagArnPrefix } from './nag.ts';
import type { TenantData } from './tenant-data.ts';

export interface OperatorAccessProps {
  /** Tenant id, in the policy's description. */
  readonly tenantId: string;
  readonly data: TenantData;
  /** The settlement state machine runs are started on (through its `live` alias). */
  readonly settlementMachine: sfn.StateMachine;
  /** The settlement machine's physical name: its executions are `execution:<name>:<run>`. */
  readonly settlementMachineName: string;
}

/** The table partitions an operator reads and writes: projects, charters, settlements, locks, the chain head. */
export const OPERATOR_PARTITIONS = ['PROJECT#*', 'PROJECTS', 'ARCHIVE#HEAD'] as const;

/** Bucket areas an operator reads (statements, the archive to verify, the facts for reports). */
const READ_AREAS: readonly BucketArea[] = ['drafts', 'final', 'archive', 'facts'];
/** …and writes (source files uploaded by `settle import`). */
const WRITE_AREAS: readonly BucketArea[] = ['inbox'];

/**
 * What `settle <command> --stack Settlement-<tenant>` needs, as one customer-managed policy to attach
 * to the people or CI roles that operate the tenant: read the stack's outputs, import charters and
 * source files, start settlements through the `live` alias and follow them, read status, statements,
 * the archive and the facts. Table access is limited to the partitions the commands use
 * (`dynamodb:LeadingKeys`): approval requests (which hold task tokens and secret hashes), records and
 * the approval log stay out of reach.
 */
export class OperatorAccess extends Construct {
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: OperatorAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { data } = props;
    const tableActions = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'];
    const objectArns = (areas: readonly BucketArea[]) => data.objectArns(areas);
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${props.settlementMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Operate tenant ${props.tenantId} with settle --stack: import, run, status, revise, verify, report`,
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadTheStackOutputs',
          actions: ['cloudformation:DescribeStacks'],
          resources: [
            stack.formatArn({
              service: 'cloudformation',
              resource: 'stack',
              resourceName: `${stack.stackName}/*`,
            }),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'ProjectsSettlementsAndTheChainHead',
          actions: tableActions,
          resources: [data.table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...OPERATOR_PARTITIONS] } },
        }),
        new iam.PolicyStatement({
          sid: 'UploadSourceFiles',
          actions: ['s3:PutObject'],
          resources: objectArns(WRITE_AREAS),
        }),
        new iam.PolicyStatement({
          sid: 'ReadStatementsArchiveAndFacts',
          actions: ['s3:GetObject'],
          resources: objectArns(READ_AREAS),
        }),
        ...data.listStatements(READ_AREAS, (bucket) =>
          bucket === 'archive' ? 'ListStatementsAndArchive' : 'ListDraftsAndFacts',
        ),
        new iam.PolicyStatement({
          sid: 'TheTenantKeyForThoseCalls',
          actions: impliedKmsActions([...tableActions, 's3:PutObject', 's3:GetObject']),
          resources: [data.key.keyArn],
        }),
        new iam.PolicyStatement({
          sid: 'StartSettlementsThroughTheLiveAlias',
          actions: ['states:StartExecution'],
          resources: [props.settlementMachine.stateMachineArn],
          conditions: { 'ForAnyValue:StringEquals': { 'states:StateMachineQualifier': [MACHINE_ALIAS] } },
        }),
        new iam.PolicyStatement({
          sid: 'FollowAndRedriveSettlementRuns',
          actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:RedriveExecution'],
          resources: [executions],
        }),
      ],
    });
    for (const area of [...READ_AREAS, ...WRITE_AREAS]) {
      acknowledgeWildcardResource(
        this.policy,
        `${data.nagBucketArn(area)}/${BUCKET_AREAS[area].prefix}*`,
        `Operators read or upload objects under ${BUCKET_AREAS[area].prefix} of this tenant's ${BUCKET_AREAS[area].bucket} bucket only (keys are made at run time).`,
      );
    }
    acknowledgeWildcardResource(
      this.policy,
      `${nagArnPrefix(this, 'states')}:execution:${props.settlementMachineName}:*`,
      "Execution names are chosen per run; the wildcard covers this tenant's settlement executions only.",
    );
    acknowledgeWildcardResource(
      this.policy,
      `${nagArnPrefix(this, 'cloudformation')}:stack/${stack.stackName}/*`,
      'A stack ARN ends in an id CloudFormation generates at creation; the wildcard covers this one stack of this tenant only.',
    );
  }
}

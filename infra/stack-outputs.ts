/**
 * The outputs of a tenant's deployed stack (`Settlement-<tenant>`): everything the command line needs
 * to operate that tenant, by name. The CDK stack declares one CfnOutput per entry (infra/cdk/
 * operator-outputs.ts); `settle … --stack` reads them with CloudFormation DescribeStacks; the local
 * runtime answers DescribeStacks with the same outputs resolved to its local names.
 */
export const STACK_OUTPUTS = {
  TenantId: 'The tenant this stack serves',
  TableName: "The tenant's DynamoDB table (charters, settlements, locks, the archive chain head)",
  BucketName:
    "The tenant's working bucket (inbox, raw payloads, drafts, email copies, nightly lists, facts), with lifecycle expiry",
  ArchiveBucketName:
    "The tenant's object-locked archive bucket (final statements and the hash-chained archive)",
  SettlementStateMachineArn: 'The settlement state machine (executions are named after it)',
  SettlementAliasArn: 'The live alias of the settlement state machine: every run starts through it',
  ApprovalApiUrl: 'Base URL of the approval links (the HTTP API, or its custom domain)',
  SecretsPrefix:
    'Prefix of the connector secrets in Secrets Manager (OAuth connectors whose refresh token rotates)',
  CredentialsParameter:
    'SSM SecureString of the static connector credentials (JSON; created with aws ssm put-parameter, see the deploy guide)',
  OperatorPolicyArn: 'Managed policy with what `settle … --stack` needs: attach it to operators',
} as const;

export type StackOutputName = keyof typeof STACK_OUTPUTS;

export const STACK_OUTPUT_NAMES = Object.keys(STACK_OUTPUTS) as StackOutputName[];

/** `Settlement-<id>`: the stack name of a tenant. */
export function stackName(tenantId: string): string {
  return `Settlement-${tenantId}`;
}

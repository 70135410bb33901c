import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag v3 acknowledges each IAM5 finding by its exact id (no prefix matching), e.g.
 * `AwsSolutions-IAM5[Resource::<DataBucketE6B0FAA8.Arn>/raw/*]`. These helpers build those ids
 * from the constructs that create the grants, so every acknowledgement sits next to its grant
 * and carries the reason for that grant.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
}

/** How cdk-nag renders `Fn::GetAtt <resource>.Arn`: `<LogicalId.Arn>`. */
export function nagArnOf(resource: IConstruct): string {
  const stack = Stack.of(resource);
  const logicalId = stack.resolve(stack.getLogicalId(resource as never)) as string;
  return `<${logicalId}.Arn>`;
}

/** How cdk-nag renders an ARN built by `Stack.formatArn`: pseudo parameters as `<AWS::AccountId>`. */
export function nagArnPrefix(scope: IConstruct, service: string): string {
  const stack = Stack.of(scope);
  const show = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  return `arn:${show(stack.partition, 'Partition')}:${service}:${show(stack.region, 'Region')}:${show(stack.account, 'AccountId')}`;
}

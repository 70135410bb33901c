import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TenantSettlementStack } from '../../../infra/cdk/tenant-settlement-stack.ts';
import { acmeAndGlobex, type CfnTemplate, synthTenants } from './synth.ts';

let stack: TenantSettlementStack;
let template: Template;
const id = (c: { node: { defaultChild?: unknown } }) =>
  stack.resolve(stack.getLogicalId(c.node.defaultChild as never)) as string;

beforeAll(() => {
  stack = synthTenants({ tenants: acmeAndGlobex() }).stacks[0] as TenantSettlementStack;
  template = Template.fromStack(stack);
});

describe("a tenant's data", () => {
  it('locks every object version in COMPLIANCE mode for the tenant retention, versioned, KMS-encrypted, private', () => {
    const bucket = (template.toJSON() as CfnTemplate).Resources[id(stack.data.bucket)];
    expect(bucket?.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3650 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [id(stack.data.key), 'Arn'] },
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: id(stack.data.accessLogBucket) } },
    });
    expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('moves archive/ to an archive storage class', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          {
            Prefix: 'archive/',
            Status: 'Enabled',
            Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
          },
          { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' },
        ],
      },
    });
  });

  it('denies every request without TLS on every bucket', () => {
    const policies = template.findResources('AWS::S3::BucketPolicy');
    // The tenant bucket, its access-log bucket and the Athena query-result bucket.
    expect(Object.keys(policies)).toHaveLength(Object.keys(template.findResources('AWS::S3::Bucket')).length);
    expect(Object.keys(policies)).toHaveLength(3);
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('keeps the table on demand, with point-in-time recovery and the tenant key, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [id(stack.data.key), 'Arn'] },
        },
        DeletionProtectionEnabled: true,
      },
    });
  });

  it('uses its own rotating key, retained', () => {
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: { EnableKeyRotation: true },
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/settlement/acme/data' });
  });

  it('creates the connector secrets under the tenant prefix, encrypted with the tenant key', () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    expect(Object.values(secrets).map((s) => s.Properties.Name)).toEqual([
      'settlement/acme/toggl',
      'settlement/acme/jira',
      'settlement/acme/quickbooks',
    ]);
    for (const secret of Object.values(secrets)) {
      expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [id(stack.data.key), 'Arn'] });
      expect(secret.DeletionPolicy).toBe('Retain');
    }
  });
});

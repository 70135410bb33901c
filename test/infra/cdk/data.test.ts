import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TenantSettlementStack } from '../../../infra/cdk/tenant-settlement-stack.ts';
import type { Tenant } from '../../../infra/cdk/tenants.ts';
import { acmeAndGlobex, asList, type CfnTemplate, statementsOfRole, synthTenants } from './synth.ts';

let stack: TenantSettlementStack;
let template: Template;
const id = (c: { node: { defaultChild?: unknown } }) =>
  stack.resolve(stack.getLogicalId(c.node.defaultChild as never)) as string;

beforeAll(() => {
  stack = synthTenants({ tenants: acmeAndGlobex() }).stacks[0] as TenantSettlementStack;
  template = Template.fromStack(stack);
});

describe("a tenant's data", () => {
  it('locks every object version of the archive bucket in COMPLIANCE mode for the tenant retention in years, versioned, KMS-encrypted, private', () => {
    const bucket = (template.toJSON() as CfnTemplate).Resources[id(stack.data.archiveBucket)];
    expect(bucket?.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 10 } },
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
    // Days would fall short of the statutory years by the leap days.
    const retention = JSON.stringify(bucket?.Properties?.ObjectLockConfiguration);
    expect(retention).not.toContain('Days');
    expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    // The first release's bucket (construct id `Bucket`) stays the archive of a stack deployed before.
    expect(id(stack.data.archiveBucket)).toMatch(/^DataBucket[0-9A-F]{8}$/);
  });

  it("takes each tenant's own retention (globex: 7 years)", () => {
    const globex = synthTenants({ tenants: acmeAndGlobex() }).stacks[1] as TenantSettlementStack;
    const locked = Object.values(Template.fromStack(globex).findResources('AWS::S3::Bucket')).filter(
      (b) => b.Properties?.ObjectLockEnabled,
    );
    expect(locked.map((b) => b.Properties.ObjectLockConfiguration.Rule.DefaultRetention)).toEqual([
      { Mode: 'COMPLIANCE', Years: 7 },
    ]);
  });

  it('keeps working data in a bucket without object lock, expiring raw/, drafts/, emails/ and nightly/ after 90 days', () => {
    const bucket = (template.toJSON() as CfnTemplate).Resources[id(stack.data.workingBucket)];
    const properties = bucket?.Properties ?? {};
    expect(properties.ObjectLockEnabled).toBeUndefined();
    expect(properties.ObjectLockConfiguration).toBeUndefined();
    expect(properties).toMatchObject({
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
      LoggingConfiguration: { DestinationBucketName: { Ref: id(stack.data.accessLogBucket) } },
      LifecycleConfiguration: {
        Rules: [
          { Id: 'expire-raw', Prefix: 'raw/', ExpirationInDays: 90, Status: 'Enabled' },
          { Id: 'expire-drafts', Prefix: 'drafts/', ExpirationInDays: 90, Status: 'Enabled' },
          { Id: 'expire-emails', Prefix: 'emails/', ExpirationInDays: 90, Status: 'Enabled' },
          { Id: 'expire-nightly', Prefix: 'nightly/', ExpirationInDays: 90, Status: 'Enabled' },
          { Id: 'expire-costs', Prefix: 'cloud-costs/', ExpirationInDays: 90, Status: 'Enabled' },
          { Id: 'expire-query-results', Prefix: 'athena-results/', ExpirationInDays: 90, Status: 'Enabled' },
          {
            Id: 'expire-replaced-versions',
            NoncurrentVersionExpiration: { NoncurrentDays: 7 },
            ExpiredObjectDeleteMarker: true,
            Status: 'Enabled',
          },
          { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' },
        ],
      },
    });
    expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it("expires working data after the tenant's workingDataExpiryDays", () => {
    const [acme] = acmeAndGlobex();
    const custom = synthTenants({ tenants: [{ ...(acme as Tenant), workingDataExpiryDays: 30 }] })
      .stacks[0] as TenantSettlementStack;
    const rules = (Template.fromStack(custom).toJSON() as CfnTemplate).Resources[
      custom.resolve(custom.getLogicalId(custom.data.workingBucket.node.defaultChild as never)) as string
    ]?.Properties?.LifecycleConfiguration as { Rules: { Id?: string; ExpirationInDays?: number }[] };
    expect(rules.Rules.filter((r) => r.ExpirationInDays).map((r) => [r.Id, r.ExpirationInDays])).toEqual([
      ['expire-raw', 30],
      ['expire-drafts', 30],
      ['expire-emails', 30],
      ['expire-nightly', 30],
      ['expire-costs', 30],
      ['expire-query-results', 30],
    ]);
  });

  it('moves archive/ of the archive bucket to an archive storage class', () => {
    const bucket = (template.toJSON() as CfnTemplate).Resources[id(stack.data.archiveBucket)];
    expect(bucket?.Properties?.LifecycleConfiguration).toEqual({
      Rules: [
        {
          Id: 'archive-to-glacier-ir',
          Prefix: 'archive/',
          Status: 'Enabled',
          Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
        },
        {
          Id: 'abort-incomplete-uploads',
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          Status: 'Enabled',
        },
      ],
    });
  });

  it('grants each area on its own bucket: Finalise writes final/ to the archive bucket and facts/ to the working one', () => {
    const role = id(stack.steps.get('FinaliseSettlement').role as never);
    const puts = statementsOfRole(template.toJSON() as CfnTemplate, role).filter(
      (s) => s.Action === 's3:PutObject',
    );
    const objects = (bucket: string, prefix: string) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/${prefix}*`]],
    });
    expect(puts.flatMap((s) => asList(s.Resource))).toEqual([
      objects(id(stack.data.archiveBucket), 'final/'),
      objects(id(stack.data.workingBucket), 'facts/'),
    ]);
    // Archive lists both buckets, each under the prefixes of its own areas.
    const lists = statementsOfRole(
      template.toJSON() as CfnTemplate,
      id(stack.steps.get('ArchiveSettlement').role as never),
    ).filter((s) => s.Action === 's3:ListBucket');
    expect(lists).toEqual([
      expect.objectContaining({
        Resource: { 'Fn::GetAtt': [id(stack.data.workingBucket), 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['raw/*', 'drafts/*', 'emails/*'] } },
      }),
      expect.objectContaining({
        Resource: { 'Fn::GetAtt': [id(stack.data.archiveBucket), 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['final/*', 'archive/*'] } },
      }),
    ]);
  });

  it('gives the functions both bucket names and the command line both as stack outputs', () => {
    const json = template.toJSON() as CfnTemplate & { Outputs: Record<string, { Value: unknown }> };
    expect(json.Outputs.BucketName?.Value).toEqual({ Ref: id(stack.data.workingBucket) });
    expect(json.Outputs.ArchiveBucketName?.Value).toEqual({ Ref: id(stack.data.archiveBucket) });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    expect(fn?.Properties.Environment.Variables).toMatchObject({
      BUCKET_NAME: { Ref: id(stack.data.workingBucket) },
      ARCHIVE_BUCKET_NAME: { Ref: id(stack.data.archiveBucket) },
    });
  });

  it('denies every request without TLS on every bucket', () => {
    const policies = template.findResources('AWS::S3::BucketPolicy');
    // The archive and working buckets, their access-log bucket and the Athena query-result bucket.
    expect(Object.keys(policies)).toHaveLength(Object.keys(template.findResources('AWS::S3::Bucket')).length);
    expect(Object.keys(policies)).toHaveLength(4);
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

  it('creates a secret only for the rotating OAuth connector, under the tenant prefix, encrypted with the tenant key, kept unless the first create fails', () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    // Static credentials (toggl, jira) are keys of the SSM SecureString, which CloudFormation cannot create.
    expect(Object.values(secrets).map((s) => s.Properties.Name)).toEqual(['settlement/acme/quickbooks']);
    expect(template.findResources('AWS::SSM::Parameter')).toEqual({});
    for (const secret of Object.values(secrets)) {
      expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [id(stack.data.key), 'Arn'] });
      expect(secret).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    }
  });
});

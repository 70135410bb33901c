import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import type { TableAction } from '#steps/declaration.ts';
import { BUCKET_AREAS, type BucketArea } from '#storage/layout.ts';
import { impliedKmsActions } from '../access-model.ts';
import { acknowledgeWildcardResource, nagArnOf } from './nag.ts';

/** A role that receives grants and can carry cdk-nag acknowledgements. */
export type Grantee = iam.IGrantable & IConstruct;

export interface TenantDataProps {
  /** Tenant id; used in the key alias. */
  readonly tenantId: string;
  /** Default object-lock retention (COMPLIANCE mode) of every new object version, in years. */
  readonly retentionYears: number;
  /** Days after which `archive/` objects move to Glacier Instant Retrieval. @default 90 */
  readonly archiveTransitionAfterDays?: number;
  /** Days the S3 server access logs are kept. @default 365 × retentionYears (as long as the data) */
  readonly accessLogRetentionDays?: number;
}

/**
 * A tenant's data: one customer-managed KMS key, one DynamoDB table (single-table design) and
 * one object-locked S3 bucket, with the server access log bucket beside it. Nothing here is
 * shared between tenants; all of it is retained when the stack is deleted.
 *
 * Grants are explicit, prefix-scoped statements rather than the L2 `grant*` helpers, whose
 * wildcard actions (`s3:GetObject*`, `s3:List*`, `kms:ReEncrypt*`) are wider than a step needs.
 */
export class TenantData extends Construct {
  /** Encrypts the table, the bucket and the tenant's connector secrets; rotated yearly. */
  public readonly key: kms.Key;
  public readonly table: dynamodb.Table;
  public readonly bucket: s3.Bucket;
  /** Receives the bucket's server access logs (SSE-S3: log delivery cannot use SSE-KMS). */
  public readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: TenantDataProps) {
    super(scope, id);
    const retentionDays = 365 * props.retentionYears;

    this.key = new kms.Key(this, 'Key', {
      alias: `alias/settlement/${props.tenantId}/data`,
      description: `Settlement data of tenant ${props.tenantId}: table, bucket, connector secrets`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.accessLogRetentionDays ?? retentionDays),
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Tamper-proof archive: every object version is locked in COMPLIANCE mode for the
      // tenant's statutory period; not even the root user can shorten it.
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(retentionDays)),
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'tenant-bucket/',
      lifecycleRules: [
        {
          id: 'archive-to-glacier-ir',
          prefix: 'archive/',
          transitions: [
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(props.archiveTransitionAfterDays ?? 90),
            },
          ],
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * The named actions on the table (no Scan: every access is by key, see shared/adapters/keys.ts),
   * with the key use they imply (infra/access-model.ts).
   */
  grantTable(grantee: Grantee, actions: readonly TableAction[]): void {
    if (actions.length === 0) return;
    const iamActions = actions.map((a) => `dynamodb:${a}`);
    iam.Grant.addToPrincipal({ grantee, actions: iamActions, resourceArns: [this.table.tableArn] });
    this.grantKey(grantee, impliedKmsActions(iamActions));
  }

  /** GetObject on the objects of the areas, with kms:Decrypt. */
  grantObjectsRead(grantee: Grantee, areas: readonly BucketArea[]): void {
    if (areas.length === 0) return;
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: this.objectArns(areas) });
    this.grantKey(grantee, impliedKmsActions(['s3:GetObject']));
    this.acknowledgeAreas(grantee, areas, 'read (GetObject)');
  }

  /** PutObject on the objects of the areas, with kms:GenerateDataKey. Object lock makes every put a new locked version. */
  grantObjectsWrite(grantee: Grantee, areas: readonly BucketArea[]): void {
    if (areas.length === 0) return;
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: this.objectArns(areas) });
    this.grantKey(grantee, impliedKmsActions(['s3:PutObject']));
    this.acknowledgeAreas(grantee, areas, 'write (PutObject)');
  }

  /** ListBucket restricted to the areas' prefixes by the `s3:prefix` condition. */
  grantObjectsList(grantee: Grantee, areas: readonly BucketArea[]): void {
    if (areas.length === 0) return;
    const list = new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] });
    list.addCondition('StringLike', { 's3:prefix': areas.map((a) => `${BUCKET_AREAS[a].prefix}*`) });
    grantee.grantPrincipal.addToPrincipalPolicy(list);
  }

  /** The object ARNs of the areas: `<bucket>/raw/*`. */
  objectArns(areas: readonly BucketArea[]): string[] {
    return areas.map((a) => this.bucket.arnForObjects(`${BUCKET_AREAS[a].prefix}*`));
  }

  /** Accesses already acknowledged per grantee and finding, so read + write on one prefix gets one combined reason. */
  private readonly acknowledged = new Map<string, string[]>();

  private acknowledgeAreas(grantee: Grantee, areas: readonly BucketArea[], granted: string): void {
    const bucket = nagArnOf(this.bucket.node.defaultChild as IConstruct);
    for (const area of areas) {
      const key = `${grantee.node.path}|${area}`;
      const accesses = [...(this.acknowledged.get(key) ?? []), granted];
      this.acknowledged.set(key, accesses);
      const { prefix, holds } = BUCKET_AREAS[area];
      acknowledgeWildcardResource(
        grantee,
        `${bucket}/${prefix}*`,
        `Keys under ${prefix} are created at run time (${holds}), so the grant is ${accesses.join(' and ')} ` +
          `on that prefix of this tenant's own bucket only.`,
      );
    }
  }

  private grantKey(grantee: Grantee, actions: string[]): void {
    if (actions.length === 0) return;
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.key.keyArn] });
  }
}

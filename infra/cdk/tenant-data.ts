import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import type { TableAction } from '#steps/declaration.ts';
import {
  areasIn,
  BUCKET_AREAS,
  type BucketArea,
  DEFAULT_WORKING_DATA_EXPIRY_DAYS,
  type TenantBucket,
} from '#storage/layout.ts';
import { impliedKmsActions } from '../access-model.ts';
import { acknowledgeWildcardResource, nagArnOf } from './nag.ts';

/** A role that receives grants and can carry cdk-nag acknowledgements. */
export type Grantee = iam.IGrantable & IConstruct;

export interface TenantDataProps {
  /** Tenant id; used in the key alias. */
  readonly tenantId: string;
  /** Default object-lock retention (COMPLIANCE mode) of every new object version in the archive bucket, in years. */
  readonly retentionYears: number;
  /**
   * Days after which the working bucket's expiring areas (raw payloads, drafts, sent-mail copies,
   * nightly lists) are deleted. @default DEFAULT_WORKING_DATA_EXPIRY_DAYS (90)
   */
  readonly workingDataExpiryDays?: number;
  /** Days after which `archive/` objects move to Glacier Instant Retrieval. @default 90 */
  readonly archiveTransitionAfterDays?: number;
  /** Days the S3 server access logs are kept. @default 365 × retentionYears (as long as the archive) */
  readonly accessLogRetentionDays?: number;
}

/** Days a replaced or deleted version of working data is kept (an overwritten upload can be recovered). */
const WORKING_NONCURRENT_DAYS = 7;

/**
 * A tenant's data: one customer-managed KMS key, one DynamoDB table (single-table design), two S3
 * buckets (shared/storage/layout.ts) and the server access log bucket beside them. The archive
 * bucket is object-locked in COMPLIANCE mode for the tenant's retention; the working bucket has no
 * lock and lifecycle expiry, so trial data and vendor exports with personal data can be deleted.
 * Nothing here is shared between tenants; all of it is retained when the stack is deleted.
 *
 * Grants are explicit, prefix-scoped statements rather than the L2 `grant*` helpers, whose
 * wildcard actions (`s3:GetObject*`, `s3:List*`, `kms:ReEncrypt*`) are wider than a step needs.
 */
export class TenantData extends Construct {
  /** Encrypts the table, both buckets and the tenant's connector secrets; rotated yearly. */
  public readonly key: kms.Key;
  public readonly table: dynamodb.Table;
  /** Working data: inbox, raw payloads, drafts, sent-mail copies, nightly lists, facts. No object lock. */
  public readonly workingBucket: s3.Bucket;
  /** The immutable archive: final statements and the hash-chained archive, object-locked. */
  public readonly archiveBucket: s3.Bucket;
  /** Receives the buckets' server access logs (SSE-S3: log delivery cannot use SSE-KMS). */
  public readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: TenantDataProps) {
    super(scope, id);
    const retentionDays = 365 * props.retentionYears;

    this.key = new kms.Key(this, 'Key', {
      alias: `alias/settlement/${props.tenantId}/data`,
      description: `Settlement data of tenant ${props.tenantId}: table, buckets, connector secrets`,
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

    // The construct id `Bucket` is the bucket of the first release (which held every area): a stack
    // deployed before keeps it as its archive bucket; the working data it already holds stays there, locked
    // until its retention ends.
    this.archiveBucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Tamper-proof archive: every object version is locked in COMPLIANCE mode for the tenant's
      // statutory period (set in years below); not even the root user can shorten it.
      objectLockEnabled: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'tenant-bucket/',
      lifecycleRules: [
        {
          id: 'archive-to-glacier-ir',
          prefix: BUCKET_AREAS.archive.prefix,
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
    // In years, as statutes state it: CDK's ObjectLockRetention renders days, and 365 × n days falls
    // short of n calendar years by the leap days.
    (this.archiveBucket.node.defaultChild as s3.CfnBucket).objectLockConfiguration = {
      objectLockEnabled: 'Enabled',
      rule: { defaultRetention: { mode: 'COMPLIANCE', years: props.retentionYears } },
    };

    const expiryDays = props.workingDataExpiryDays ?? DEFAULT_WORKING_DATA_EXPIRY_DAYS;
    this.workingBucket = new s3.Bucket(this, 'WorkingBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'working-bucket/',
      lifecycleRules: [
        ...areasIn('working')
          .filter((area) => BUCKET_AREAS[area].expires)
          .map((area) => ({
            id: `expire-${area}`,
            prefix: BUCKET_AREAS[area].prefix,
            expiration: Duration.days(expiryDays),
          })),
        {
          id: 'expire-replaced-versions',
          noncurrentVersionExpiration: Duration.days(WORKING_NONCURRENT_DAYS),
          expiredObjectDeleteMarker: true,
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      // Retained like the table: a destroy must not take a running settlement's inputs with it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The bucket construct of one of the tenant's buckets. */
  bucketOf(bucket: TenantBucket): s3.Bucket {
    return bucket === 'archive' ? this.archiveBucket : this.workingBucket;
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

  /**
   * PutObject on the objects of the areas, with kms:GenerateDataKey. In the archive bucket every put is
   * a new locked version, and S3 refuses it without a checksum (shared/storage/checksum.ts).
   */
  grantObjectsWrite(grantee: Grantee, areas: readonly BucketArea[]): void {
    if (areas.length === 0) return;
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: this.objectArns(areas) });
    this.grantKey(grantee, impliedKmsActions(['s3:PutObject']));
    this.acknowledgeAreas(grantee, areas, 'write (PutObject)');
  }

  /** ListBucket on each bucket the areas are in, restricted to their prefixes by the `s3:prefix` condition. */
  grantObjectsList(grantee: Grantee, areas: readonly BucketArea[]): void {
    for (const statement of this.listStatements(areas))
      grantee.grantPrincipal.addToPrincipalPolicy(statement);
  }

  /** One ListBucket statement per bucket holding some of the areas, limited to their prefixes. */
  listStatements(
    areas: readonly BucketArea[],
    sid?: (bucket: TenantBucket) => string,
  ): iam.PolicyStatement[] {
    const buckets = (['working', 'archive'] as const).filter((b) =>
      areas.some((a) => BUCKET_AREAS[a].bucket === b),
    );
    return buckets.map((b) => {
      const list = new iam.PolicyStatement({
        ...(sid ? { sid: sid(b) } : {}),
        actions: ['s3:ListBucket'],
        resources: [this.bucketOf(b).bucketArn],
      });
      const prefixes = areas
        .filter((a) => BUCKET_AREAS[a].bucket === b)
        .map((a) => `${BUCKET_AREAS[a].prefix}*`);
      list.addCondition('StringLike', { 's3:prefix': prefixes });
      return list;
    });
  }

  /** The object ARNs of the areas, each in its bucket: `<working bucket>/raw/*`, `<archive bucket>/final/*`. */
  objectArns(areas: readonly BucketArea[]): string[] {
    return areas.map((a) =>
      this.bucketOf(BUCKET_AREAS[a].bucket).arnForObjects(`${BUCKET_AREAS[a].prefix}*`),
    );
  }

  /** Accesses already acknowledged per grantee and finding, so read + write on one prefix gets one combined reason. */
  private readonly acknowledged = new Map<string, string[]>();

  private acknowledgeAreas(grantee: Grantee, areas: readonly BucketArea[], granted: string): void {
    for (const area of areas) {
      const bucket = this.nagBucketArn(area);
      const key = `${grantee.node.path}|${area}`;
      const accesses = [...(this.acknowledged.get(key) ?? []), granted];
      this.acknowledged.set(key, accesses);
      const { prefix, holds } = BUCKET_AREAS[area];
      acknowledgeWildcardResource(
        grantee,
        `${bucket}/${prefix}*`,
        `Keys under ${prefix} are created at run time (${holds}), so the grant is ${accesses.join(' and ')} ` +
          `on that prefix of this tenant's own ${BUCKET_AREAS[area].bucket} bucket only.`,
      );
    }
  }

  /** The ARN cdk-nag prints for the bucket an area is in. */
  nagBucketArn(area: BucketArea): string {
    return nagArnOf(this.bucketOf(BUCKET_AREAS[area].bucket).node.defaultChild as IConstruct);
  }

  private grantKey(grantee: Grantee, actions: string[]): void {
    if (actions.length === 0) return;
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.key.keyArn] });
  }
}

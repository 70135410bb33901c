import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeWildcardResource, nagArnOf } from './nag.ts';

/** Top-level prefixes of the tenant bucket (architecture.md, "Data"). */
export const BUCKET_PREFIXES = [
  'inbox/',
  'raw/',
  'drafts/',
  'archive/',
  'outbox/',
  'nightly/',
  'facts/',
] as const;
export type BucketPrefix = (typeof BUCKET_PREFIXES)[number];

/** What lives under each prefix: the reason a grant names the prefix rather than single objects. */
const PREFIX_PURPOSE: Record<BucketPrefix, string> = {
  'inbox/': 'CSV/XLSX files uploaded for import, one key per upload',
  'raw/': 'raw source payloads, one key per settlement, source and page',
  'drafts/': 'statement drafts (JSON, HTML, PDF), one key per settlement and revision',
  'archive/': 'archived settlements and their hash-chained manifests, one key per settlement',
  'outbox/': 'copies of sent emails, one key per message',
  'nightly/': 'due-settlement item lists, one key per nightly run',
  'facts/': 'settled facts as Parquet, one key per table, partition and settlement revision',
};

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
      // Tamper-proof archive (F17): every object version is locked in COMPLIANCE mode for the
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

  /** Query and get items (no Scan: every access is by key, see shared/adapters/keys.ts). */
  grantTableRead(grantee: Grantee): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
      resourceArns: [this.table.tableArn],
    });
    this.grantKey(grantee, ['kms:Decrypt', 'kms:DescribeKey']);
  }

  /** Conditional single-item writes and batch writes (dynalite has no transactions, so neither do we). */
  grantTableWrite(grantee: Grantee): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
      ],
      resourceArns: [this.table.tableArn],
    });
    this.grantKey(grantee, ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
  }

  grantTableReadWrite(grantee: Grantee): void {
    this.grantTableRead(grantee);
    this.grantTableWrite(grantee);
  }

  /**
   * GetObject under the prefixes (or the whole bucket when none is given) and ListBucket
   * restricted to them by the `s3:prefix` condition.
   */
  grantObjectsRead(grantee: Grantee, prefixes: readonly BucketPrefix[] = []): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resourceArns: this.objectArns(prefixes),
    });
    const list = new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] });
    if (prefixes.length > 0) list.addCondition('StringLike', { 's3:prefix': prefixes.map((p) => `${p}*`) });
    grantee.grantPrincipal.addToPrincipalPolicy(list);
    this.grantKey(grantee, ['kms:Decrypt']);
    this.acknowledgePrefixes(grantee, prefixes, 'read (GetObject, GetObjectVersion)');
  }

  /** PutObject under the prefixes (or anywhere when none is given). Object lock makes every put a new locked version. */
  grantObjectsWrite(grantee: Grantee, prefixes: readonly BucketPrefix[] = []): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: this.objectArns(prefixes),
    });
    // Multipart uploads of SSE-KMS objects need Decrypt as well as GenerateDataKey.
    this.grantKey(grantee, ['kms:GenerateDataKey', 'kms:Decrypt']);
    this.acknowledgePrefixes(grantee, prefixes, 'write (PutObject, AbortMultipartUpload)');
  }

  /** The object ARNs granted for the prefixes: `<bucket>/raw/*`, or `<bucket>/*` for the whole bucket. */
  objectArns(prefixes: readonly BucketPrefix[]): string[] {
    return prefixes.length === 0
      ? [this.bucket.arnForObjects('*')]
      : prefixes.map((p) => this.bucket.arnForObjects(`${p}*`));
  }

  /** Accesses already acknowledged per grantee and finding, so read + write on one prefix gets one combined reason. */
  private readonly acknowledged = new Map<string, string[]>();

  private acknowledgePrefixes(grantee: Grantee, prefixes: readonly BucketPrefix[], granted: string): void {
    const bucket = nagArnOf(this.bucket.node.defaultChild as IConstruct);
    const accessFor = (finding: string): string => {
      const key = `${grantee.node.path}|${finding}`;
      const accesses = [...(this.acknowledged.get(key) ?? []), granted];
      this.acknowledged.set(key, accesses);
      return accesses.join(' and ');
    };
    if (prefixes.length === 0) {
      const access = accessFor('*');
      acknowledgeWildcardResource(
        grantee,
        `${bucket}/*`,
        `This step works across the prefixes of its own tenant's bucket (raw/, drafts/, archive/); object keys are ` +
          `created per settlement at run time, so the grant is ${access} on objects of this one bucket.`,
      );
      return;
    }
    for (const prefix of prefixes) {
      const access = accessFor(prefix);
      acknowledgeWildcardResource(
        grantee,
        `${bucket}/${prefix}*`,
        `Keys under ${prefix} are created at run time (${PREFIX_PURPOSE[prefix]}), so the grant is ${access} ` +
          `on that prefix of this tenant's own bucket only.`,
      );
    }
  }

  private grantKey(grantee: Grantee, actions: string[]): void {
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.key.keyArn] });
  }
}

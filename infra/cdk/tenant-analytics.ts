import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  analyticsDatabaseName,
  FOCUS_EXPORT_COLUMNS,
  FOCUS_PARTITION,
} from '../../shared/analytics/focus-export-table.ts';
import {
  type ColumnType,
  DECIMAL_SHAPE,
  FACT_TABLES,
  FACTS_PREFIX,
  PARTITION_KEYS,
} from '../../shared/analytics/tables.ts';
import { objectKeys } from '../../shared/storage/layout.ts';
import { acknowledgeWildcardResource, nagArnOf, nagArnPrefix } from './nag.ts';
import type { TenantData } from './tenant-data.ts';

export interface TenantAnalyticsProps {
  /** Tenant id: names the Glue database, the workgroup and the one projected `tenant` partition. */
  readonly tenantId: string;
  /** The tenant's data: the bucket whose `facts/` prefix holds the Parquet facts, and its key. */
  readonly data: TenantData;
  /** Folder of the named queries (one `.sql` file each). @default `<project root>/analytics/queries` */
  readonly queriesDir?: string;
  /** Bytes one query may scan before Athena cancels it. @default 10 GiB */
  readonly bytesScannedCutoffPerQuery?: number;
  /** Days query results are kept. @default 30 */
  readonly resultRetentionDays?: number;
  /** First and last year the `year` partition projects. @default [2020, 2099] */
  readonly projectedYears?: readonly [number, number];
  /** Who may assume the BI role (a BI gateway's role, an IdP federation). @default this account's root (delegated to IAM) */
  readonly biPrincipal?: iam.IPrincipal;
}

const DEFAULT_CUTOFF_BYTES = 10 * 1024 ** 3;

/** Glue (Hive) type of a fact column. */
export function glueType(type: ColumnType): string {
  switch (type) {
    case 'money':
    case 'ratio':
    case 'amount': {
      const { precision, scale } = DECIMAL_SHAPE[type];
      return `decimal(${precision},${scale})`;
    }
    case 'string':
      return 'string';
    case 'int':
      return 'int';
    case 'bigint':
      return 'bigint';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'timestamp':
      return 'timestamp';
  }
}

/** The Glue table over the tenant's FOCUS export (`exports/focus/BILLING_PERIOD=YYYY-MM/`). */
export const FOCUS_EXPORT_TABLE = 'focus_export';

export { analyticsDatabaseName };

/**
 * A tenant's analytics on Athena: a Glue database with one table per fact table (partition
 * projection over tenant/year/month, so no crawler and no partition maintenance), an Athena
 * workgroup that enforces its own encrypted result location and a bytes-scanned limit, the named
 * queries of analytics/queries/, and a managed policy (with a role) that lets a BI tool run them
 * through the Athena ODBC/JDBC drivers and read nothing else.
 */
export class TenantAnalytics extends Construct {
  public readonly database: glue.CfnDatabase;
  public readonly databaseName: string;
  public readonly tables: glue.CfnTable[];
  public readonly workGroup: athena.CfnWorkGroup;
  /** Query results (SSE-KMS with the tenant's key, expired after `resultRetentionDays`). */
  public readonly resultsBucket: s3.Bucket;
  public readonly namedQueries: athena.CfnNamedQuery[];
  /** Least privilege for BI tools: run queries in the workgroup, read the facts and the results. */
  public readonly biPolicy: iam.ManagedPolicy;
  /** A role carrying `biPolicy`, assumable by `biPrincipal`. */
  public readonly biRole: iam.Role;
  /** The Glue table over the tenant's FOCUS billing export (partition projection by billing period). */
  public readonly focusExportTable: glue.CfnTable;
  /**
   * The workgroup of the nightly cloud-cost query: results in the working bucket's `athena-results/`
   * (expired with the working data), so the query's grants stay inside the tenant's bucket areas.
   */
  public readonly costWorkGroup: athena.CfnWorkGroup;
  public readonly costWorkGroupName: string;

  constructor(scope: Construct, id: string, props: TenantAnalyticsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { data, tenantId } = props;
    const [firstYear, lastYear] = props.projectedYears ?? [2020, 2099];
    this.databaseName = analyticsDatabaseName(tenantId);

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: this.databaseName,
        description: `Settled facts of tenant ${tenantId} (Parquet under s3://…/${FACTS_PREFIX})`,
      },
    });

    const bucketName = data.workingBucket.bucketName;
    this.tables = FACT_TABLES.map((table) => {
      const location = `s3://${bucketName}/${FACTS_PREFIX}${table.name}/`;
      const cfn = new glue.CfnTable(this, `Table-${table.name}`, {
        catalogId: stack.account,
        databaseName: this.databaseName,
        tableInput: {
          name: table.name,
          description: table.doc,
          tableType: 'EXTERNAL_TABLE',
          partitionKeys: PARTITION_KEYS.map((p) => ({
            name: p.name,
            type: glueType(p.type),
            comment: p.doc,
          })),
          parameters: {
            classification: 'parquet',
            EXTERNAL: 'TRUE',
            'parquet.compression': 'SNAPPY',
            // Partition projection: Athena computes partitions from these rules; nothing to crawl or add.
            'projection.enabled': 'true',
            'projection.tenant.type': 'enum',
            'projection.tenant.values': tenantId,
            'projection.year.type': 'integer',
            'projection.year.range': `${firstYear},${lastYear}`,
            'projection.month.type': 'integer',
            'projection.month.range': '1,12',
            'projection.month.digits': '2',
            'storage.location.template': `${location}tenant=\${tenant}/year=\${year}/month=\${month}/`,
          },
          storageDescriptor: {
            location,
            columns: table.columns.map((c) => ({ name: c.name, type: glueType(c.type), comment: c.doc })),
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            },
          },
        },
      });
      cfn.addDependency(this.database);
      return cfn;
    });

    const exportLocation = `s3://${bucketName}/${objectKeys.exportPrefix('focus')}`;
    this.focusExportTable = new glue.CfnTable(this, 'Table-focus-export', {
      catalogId: stack.account,
      databaseName: this.databaseName,
      tableInput: {
        name: FOCUS_EXPORT_TABLE,
        description:
          'FOCUS billing export (AWS Data Exports FOCUS 1.x, Parquet) read by the nightly cloud-cost query',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [{ name: FOCUS_PARTITION, type: 'string', comment: 'billing period, YYYY-MM' }],
        parameters: {
          classification: 'parquet',
          EXTERNAL: 'TRUE',
          'projection.enabled': 'true',
          [`projection.${FOCUS_PARTITION}.type`]: 'date',
          [`projection.${FOCUS_PARTITION}.format`]: 'yyyy-MM',
          [`projection.${FOCUS_PARTITION}.range`]: `${firstYear}-01,NOW`,
          [`projection.${FOCUS_PARTITION}.interval`]: '1',
          [`projection.${FOCUS_PARTITION}.interval.unit`]: 'MONTHS',
          'storage.location.template': `${exportLocation}BILLING_PERIOD=\${${FOCUS_PARTITION}}/`,
        },
        storageDescriptor: {
          location: exportLocation,
          columns: FOCUS_EXPORT_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      },
    });
    this.focusExportTable.addDependency(this.database);

    // Both workgroups enforce their configuration: engine 3, the bytes-scanned cutoff, KMS-encrypted results.
    const workGroupConfiguration = (outputLocation: string) => ({
      enforceWorkGroupConfiguration: true,
      publishCloudWatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? DEFAULT_CUTOFF_BYTES,
      engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      resultConfiguration: {
        outputLocation,
        encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: data.key.keyArn },
        expectedBucketOwner: stack.account,
      },
    });
    this.costWorkGroupName = `settlement-${tenantId}-costs`;
    this.costWorkGroup = new athena.CfnWorkGroup(this, 'CostWorkGroup', {
      name: this.costWorkGroupName,
      description: `The nightly cloud-cost query of tenant ${tenantId} over its FOCUS export`,
      state: 'ENABLED',
      workGroupConfiguration: workGroupConfiguration(`s3://${bucketName}/${objectKeys.queryResultsPrefix()}`),
    });

    this.resultsBucket = new s3.Bucket(this, 'Results', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: data.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: data.accessLogBucket,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [
        { id: 'expire-query-results', expiration: Duration.days(props.resultRetentionDays ?? 30) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Query results are derived and short-lived; the facts they come from are retained.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: `settlement-${tenantId}`,
      description: `Analytics over the settled facts of tenant ${tenantId}`,
      state: 'ENABLED',
      workGroupConfiguration: workGroupConfiguration(`s3://${this.resultsBucket.bucketName}/results/`),
    });

    const queriesDir = props.queriesDir ?? resolve(import.meta.dirname, '..', '..', 'analytics', 'queries');
    this.namedQueries = readdirSync(queriesDir)
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .map((file) => {
        const sql = readFileSync(join(queriesDir, file), 'utf8');
        const name = basename(file, '.sql');
        const description = sql
          .split('\n')
          .filter((l) => l.startsWith('--'))
          .map((l) => l.replace(/^--\s?/, ''))
          .join(' ')
          .slice(0, 1024);
        const query = new athena.CfnNamedQuery(this, `Query-${name}`, {
          name,
          description,
          database: this.databaseName,
          queryString: sql,
          workGroup: this.workGroup.ref,
        });
        query.addDependency(this.workGroup);
        query.addDependency(this.database);
        return query;
      });

    this.biPolicy = this.createBiPolicy(props);
    this.biRole = new iam.Role(this, 'BiRole', {
      assumedBy: props.biPrincipal ?? new iam.AccountRootPrincipal(),
      description: `BI tools (Power BI, Tableau through the Athena ODBC/JDBC drivers) reading tenant ${tenantId}'s facts`,
      managedPolicies: [this.biPolicy],
      maxSessionDuration: Duration.hours(8),
    });
  }

  private createBiPolicy(props: TenantAnalyticsProps): iam.ManagedPolicy {
    const stack = Stack.of(this);
    const { data } = props;
    const workGroupArn = stack.formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: this.workGroup.name,
    });
    const catalogArn = stack.formatArn({
      service: 'athena',
      resource: 'datacatalog',
      resourceName: 'AwsDataCatalog',
    });
    const glueCatalog = stack.formatArn({ service: 'glue', resource: 'catalog' });
    const glueDatabase = stack.formatArn({
      service: 'glue',
      resource: 'database',
      resourceName: this.databaseName,
    });
    const glueTables = stack.formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${this.databaseName}/*`,
    });
    const s3ViaService = { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } };
    const policy = new iam.ManagedPolicy(this, 'BiPolicy', {
      description: `Query tenant ${props.tenantId}'s settled facts in Athena workgroup ${this.workGroup.name} only`,
      statements: [
        new iam.PolicyStatement({
          sid: 'RunQueriesInTheTenantWorkgroup',
          actions: [
            'athena:StartQueryExecution',
            'athena:StopQueryExecution',
            'athena:GetQueryExecution',
            'athena:GetQueryResults',
            'athena:GetQueryResultsStream',
            'athena:ListQueryExecutions',
            'athena:BatchGetQueryExecution',
            'athena:GetWorkGroup',
            'athena:ListNamedQueries',
            'athena:GetNamedQuery',
            'athena:BatchGetNamedQuery',
          ],
          resources: [workGroupArn],
        }),
        new iam.PolicyStatement({
          sid: 'BrowseTheCatalog',
          actions: [
            'athena:GetDataCatalog',
            'athena:ListDatabases',
            'athena:GetDatabase',
            'athena:ListTableMetadata',
            'athena:GetTableMetadata',
          ],
          resources: [catalogArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheFactTables',
          actions: [
            'glue:GetDatabase',
            'glue:GetTable',
            'glue:GetTables',
            'glue:GetPartition',
            'glue:GetPartitions',
          ],
          resources: [glueCatalog, glueDatabase, glueTables],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheFacts',
          actions: ['s3:GetObject'],
          resources: [data.workingBucket.arnForObjects(`${FACTS_PREFIX}*`)],
        }),
        new iam.PolicyStatement({
          sid: 'ListTheFacts',
          actions: ['s3:ListBucket', 's3:GetBucketLocation'],
          resources: [data.workingBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${FACTS_PREFIX}*`] } },
        }),
        new iam.PolicyStatement({
          sid: 'WriteAndReadQueryResults',
          actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resources: [this.resultsBucket.arnForObjects('results/*')],
        }),
        new iam.PolicyStatement({
          sid: 'ListQueryResults',
          actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
          resources: [this.resultsBucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'UseTheTenantKeyThroughS3',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [data.key.keyArn],
          conditions: s3ViaService,
        }),
      ],
    });
    const bucket = nagArnOf(data.workingBucket.node.defaultChild as Construct);
    const results = nagArnOf(this.resultsBucket.node.defaultChild as Construct);
    acknowledgeWildcardResource(
      policy,
      `${bucket}/${FACTS_PREFIX}*`,
      'Facts are written per settlement revision at run time under facts/<table>/tenant=…/year=…/month=…/, so BI ' +
        "tools read (GetObject only) that prefix of this tenant's bucket, and nothing else in it.",
    );
    acknowledgeWildcardResource(
      policy,
      `${results}/results/*`,
      'Athena writes each query result under a new key in the workgroup result location, so the BI role reads and ' +
        "writes objects under results/ of this tenant's own results bucket only.",
    );
    acknowledgeWildcardResource(
      policy,
      `${nagArnPrefix(this, 'glue')}:table/${this.databaseName}/*`,
      "BI tools list and read every fact table of this tenant's Glue database (tables are declared in this stack); " +
        'no other database is reachable.',
    );
    return policy;
  }
}

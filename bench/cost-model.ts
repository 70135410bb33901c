import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BENCH_DIR, fmt, table } from './lib.ts';

/**
 * Cost model: what a tenant pays, split into what does not depend on how many settlements it runs
 * (fixed per tenant-month) and what each settlement adds (variable), from the counts of a local run
 * (B3: one settlement; B5: one nightly run over N projects). Per 1,000 settlements at 10, 1,000 and
 * 10,000 projects per tenant (each settled monthly) = 1,000 × variable + (1,000 / projects) months
 * of fixed cost.
 *
 * What is priced is what is built: the per-settlement counts are measured on the local runtime (B3),
 * the nightly run too (B5), and the fixed per-tenant resources are counted in the tenant's synthesized
 * stack (alarms, dashboards, KMS keys, Secrets Manager secrets, Glue tables, Athena workgroups; see
 * `inventoryOf`). Connector credentials as built: static ones (API tokens, client secrets) in one SSM
 * Parameter Store SecureString per tenant, each OAuth source whose refresh token rotates in a Secrets
 * Manager secret of its own (the tenants file's `secrets`).
 *
 * Two designs are priced side by side, differing only in Cost Explorer:
 * - `current`: one Cost Explorer request per settlement with a Cost Explorer source — what a
 *   settlement started by hand (`settle run`) still does;
 * - `shared`: one Cost Explorer request per tenant per night (QueryCloudCosts, grouped by the project
 *   tag), shared by all of that night's settlements — what the nightly run does (built).
 *
 * SSM over Secrets Manager for the static credentials, on price: a standard SecureString costs
 * nothing to store and nothing to read at standard throughput (40 reads/s per account and region,
 * far above a tenant's collects) beyond one KMS Decrypt ($0.03 per 10,000) with the tenant key that
 * exists anyway; one Secrets Manager secret is $0.40 a month plus $0.05 per 10,000 reads, so even one
 * secret per tenant holding every static credential costs $4.80 a year more for nothing used: static
 * credentials need neither managed rotation nor versions, and they fit the 4 KB of a standard parameter.
 *
 * Run alone: `node bench/cost-model.ts` (reads bench/results/latest.json).
 */

/** eu-central-1 (Frankfurt) list prices in USD, as assumed on PRICES_AS_OF; check the AWS pricing pages before quoting. */
export const PRICES_AS_OF = '2026-11-28';
export const PRICES = {
  /** Step Functions Standard, per state transition ($0.025 per 1,000). */
  sfnStandardTransition: 0.025 / 1000,
  /** Step Functions Express (the Distributed Map's child executions), per request ($1.00 per million). */
  sfnExpressRequest: 1.0 / 1_000_000,
  /** Step Functions Express duration, per GB-second (billed in 100 ms, 64 MB steps). */
  sfnExpressGbSecond: 0.00000417,
  /** Lambda arm64, per GB-second. */
  lambdaArmGbSecond: 0.0000133334,
  /** Lambda, per request ($0.20 per million). */
  lambdaRequest: 0.2 / 1_000_000,
  /** DynamoDB on-demand, per write request unit ($0.7625 per million). */
  dynamoWriteUnit: 0.7625 / 1_000_000,
  /** DynamoDB on-demand, per read request unit ($0.1525 per million). */
  dynamoReadUnit: 0.1525 / 1_000_000,
  /** S3 Standard PUT, COPY, POST, LIST requests ($0.0054 per 1,000). */
  s3PutRequest: 0.0054 / 1000,
  /** S3 Standard GET and other requests ($0.00043 per 1,000). */
  s3GetRequest: 0.00043 / 1000,
  /** API Gateway HTTP API requests, first 300 million a month ($1.20 per million in eu-central-1). */
  httpApiRequest: 1.2 / 1_000_000,
  /** SES outbound email ($0.10 per 1,000; each recipient of a message counts as one). */
  sesEmail: 0.1 / 1000,
  /** Secrets Manager API calls ($0.05 per 10,000). */
  secretsApiCall: 0.05 / 10_000,
  /** Secrets Manager, per secret per month. */
  secretMonth: 0.4,
  /** Cost Explorer API, per request. */
  costExplorerRequest: 0.01,
  /** SSM Parameter Store standard parameter: storage, and reads at standard throughput. */
  ssmStandardParameterMonth: 0,
  ssmStandardRead: 0,
  /** KMS customer managed key, per month. */
  kmsKeyMonth: 1.0,
  /** KMS requests ($0.03 per 10,000). */
  kmsRequest: 0.03 / 10_000,
  /** CloudWatch standard-resolution metric alarm, per month. */
  alarmMonth: 0.1,
  /** CloudWatch dashboard, per month (beyond the account's first three). */
  dashboardMonth: 3.0,
  /** CloudWatch Logs ingestion, per GB (eu-central-1). */
  logsIngestGb: 0.63,
  /** CloudWatch Logs storage, per GB-month. */
  logsStoreGbMonth: 0.0324,
  /** X-Ray traces recorded ($5.00 per million). */
  xrayTrace: 5 / 1_000_000,
  /** S3 Standard storage, per GB-month. */
  s3StandardGbMonth: 0.0245,
  /** S3 Glacier Instant Retrieval storage, per GB-month. */
  s3GlacierIrGbMonth: 0.005,
} as const;

/** Memory per function in MB, as infra/cdk/settlement-steps.ts sets it (1024 unless stated). */
export const FUNCTION_MEMORY_MB: Readonly<Record<string, number>> = {
  CollectSource: 1769,
  ComputeSettlement: 1769,
  DraftStatement: 1769,
  ArchiveSettlement: 1769,
};
const DEFAULT_MEMORY_MB = 1024;

/** What the local run cannot count (the demo reads files instead of calling APIs), stated. */
export const ASSUMPTIONS = {
  /** Nightly runs per month. */
  nightsPerMonth: 30,
  /**
   * Static credentials read per settlement: one GetParameter (free at standard throughput) and the
   * KMS Decrypt it implies per live source with static credentials (the demo charter's Toggl and Jira
   * would be; it reads files).
   */
  staticCredentialReadsPerSettlement: 2,
  /**
   * Secrets Manager calls per settlement of one rotating OAuth source (QuickBooks) whose access token
   * has expired (it lives an hour): read, lease (PutSecretValue + UpdateSecretVersionStage), rotated
   * tokens (the same two again).
   */
  oauthSecretCallsPerSettlement: 5,
  /** Approval API requests per approver: the page (GET) and the decision (POST). */
  approvalRequestsPerApprover: 2,
  /** Settlements whose charter has a Cost Explorer source (the demo's has). */
  costExplorerShare: 1,
  /**
   * KMS requests per settlement besides the credentials' (counted with them): DynamoDB table key and
   * S3 bucket-key data keys, cached by the services.
   */
  kmsRequestsPerSettlement: 4,
  /** CloudWatch Logs written per settlement by its functions and state machine (JSON, INFO). */
  logBytesPerSettlement: 60 * 1024,
  /**
   * X-Ray traces per settlement: one for the execution (the state machine's tracing carries its
   * trace into every Lambda it invokes) and one per approval request through the API.
   */
  xrayTracesPerSettlement: 3,
  /** Archived bytes per settlement (statement JSON, PDF, XLSX, CSV, emails, manifest). */
  archiveBytesPerSettlement: 1024 * 1024,
  /** Object-lock retention, and the days before the archive moves to Glacier Instant Retrieval. */
  retentionYears: 10,
  archiveStandardDays: 90,
  /** A Distributed Map child (one StartExecution) as Express: 1 request, billed 100 ms at 64 MB. */
  expressChildSeconds: 0.1,
  expressChildGb: 64 / 1024,
  /**
   * Local Lambda durations are taken as measured (handlers in one warm process, emulators on
   * loopback); each invocation is billed at least 1 ms, rounded up per invocation.
   */
} as const;

export interface SettlementCounts {
  stateTransitions: number;
  /** Approvers who decided (each opens the page and posts a decision through the approval API). */
  approvals?: number;
  lambdaInvocations: Record<string, number>;
  lambdaMillis: Record<string, number>;
  emails: number;
  /** Recipients over all those messages: what SES bills (absent in results recorded before it was counted). */
  emailRecipients?: number;
  requests: {
    dynamodb: Record<string, number>;
    s3: Record<string, number>;
    readUnits: number;
    writeUnits: number;
  };
}

/**
 * What a tenant's stack holds that costs by the month, counted in its synthesized template. Glue tables
 * and the Athena workgroup have no monthly price (the Data Catalog's first million objects and requests
 * are free; Athena charges the data a query scans, when someone queries): listed so that the table says so.
 */
export interface StackInventory {
  readonly alarms: number;
  readonly dashboards: number;
  readonly kmsKeys: number;
  readonly secrets: number;
  readonly glueTables: number;
  readonly athenaWorkgroups: number;
}

/** Counts a CloudFormation template's resources by the types that cost by the month. */
export function inventoryOf(template: { Resources: Record<string, { Type: string }> }): StackInventory {
  const count = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type).length;
  return {
    alarms: count('AWS::CloudWatch::Alarm'),
    dashboards: count('AWS::CloudWatch::Dashboard'),
    kmsKeys: count('AWS::KMS::Key'),
    secrets: count('AWS::SecretsManager::Secret'),
    glueTables: count('AWS::Glue::Table'),
    athenaWorkgroups: count('AWS::Athena::WorkGroup'),
  };
}

export interface NightlyCounts {
  projects: number;
  perNight: {
    standardTransitions: number;
    lambdaMillis: Record<string, number>;
    lambdaInvocations: Record<string, number>;
    requests: { readUnits: number; writeUnits: number; s3: Record<string, number> };
  };
}

const S3_PUT_CLASS = new Set([
  'PutObject',
  'CopyObject',
  'ListObjectsV2',
  'ListObjects',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'DeleteObjects',
  'PutObjectRetention',
  'PutObjectLegalHold',
]);

function lambdaDollars(invocations: Record<string, number>, millis: Record<string, number>): number {
  let dollars = 0;
  for (const [fn, n] of Object.entries(invocations)) {
    if (!n) continue;
    const ms = Math.max(n, Math.ceil(millis[fn] ?? 0));
    const gb = (FUNCTION_MEMORY_MB[fn] ?? DEFAULT_MEMORY_MB) / 1024;
    dollars += n * PRICES.lambdaRequest + (ms / 1000) * gb * PRICES.lambdaArmGbSecond;
  }
  return dollars;
}

function s3Dollars(ops: Record<string, number>): number {
  let dollars = 0;
  for (const [op, n] of Object.entries(ops))
    dollars += n * (S3_PUT_CLASS.has(op) ? PRICES.s3PutRequest : PRICES.s3GetRequest);
  return dollars;
}

export type Design = 'current' | 'shared';

export interface CostBreakdown {
  readonly design: Design;
  readonly projects: number;
  /** USD per tenant-month that does not depend on the number of settlements. */
  readonly fixedPerTenantMonth: number;
  readonly fixed: Record<string, number>;
  /** USD per settlement. */
  readonly variablePerSettlement: number;
  readonly variable: Record<string, number>;
  /** Archive storage over the retention period, per settlement (paid over the years). */
  readonly storagePerSettlement: number;
  /** 1,000 × variable + (1,000 / projects) months of fixed cost. */
  readonly perThousand: number;
}

/** The cost of one design for a tenant with `projects` monthly-settled projects. */
export function costOf(
  settlement: SettlementCounts,
  nightly: NightlyCounts,
  projects: number,
  design: Design,
  stack: StackInventory,
): CostBreakdown {
  const a = ASSUMPTIONS;
  const r = settlement.requests;
  const shared = design === 'shared';
  const variable: Record<string, number> = {
    'Step Functions':
      settlement.stateTransitions * PRICES.sfnStandardTransition +
      PRICES.sfnExpressRequest +
      a.expressChildSeconds * a.expressChildGb * PRICES.sfnExpressGbSecond,
    Lambda: lambdaDollars(settlement.lambdaInvocations, settlement.lambdaMillis),
    DynamoDB: r.readUnits * PRICES.dynamoReadUnit + r.writeUnits * PRICES.dynamoWriteUnit,
    'S3 requests': s3Dollars(r.s3),
    SES: (settlement.emailRecipients ?? settlement.emails) * PRICES.sesEmail,
    'approval API (HTTP API)':
      (settlement.approvals ?? 1) * a.approvalRequestsPerApprover * PRICES.httpApiRequest,
    'credentials (SSM parameter + KMS, OAuth secret)':
      a.staticCredentialReadsPerSettlement * (PRICES.ssmStandardRead + PRICES.kmsRequest) +
      (stack.secrets > 0 ? a.oauthSecretCallsPerSettlement * (PRICES.secretsApiCall + PRICES.kmsRequest) : 0),
    KMS: a.kmsRequestsPerSettlement * PRICES.kmsRequest,
    'CloudWatch Logs': (a.logBytesPerSettlement / 2 ** 30) * PRICES.logsIngestGb,
    'X-Ray': a.xrayTracesPerSettlement * PRICES.xrayTrace,
    // `shared`: the nightly run's one query serves every settlement it starts (priced under fixed);
    // `current`: a request of its own per settlement, as a run started by hand makes.
    'Cost Explorer': shared ? 0 : a.costExplorerShare * PRICES.costExplorerRequest,
  };
  // The nightly run scales with the projects it reads; measured at nightly.projects, scaled linearly.
  const n = nightly.perNight;
  const scale = projects / nightly.projects;
  const scaledMillis = Object.fromEntries(Object.entries(n.lambdaMillis).map(([fn, ms]) => [fn, ms * scale]));
  const night =
    n.standardTransitions * PRICES.sfnStandardTransition +
    lambdaDollars(n.lambdaInvocations, scaledMillis) +
    (n.requests.readUnits * PRICES.dynamoReadUnit + n.requests.writeUnits * PRICES.dynamoWriteUnit) * scale +
    s3Dollars(n.requests.s3);
  const fixed: Record<string, number> = {
    'nightly run': night * a.nightsPerMonth,
    'Cost Explorer (one query a night)': shared ? a.nightsPerMonth * PRICES.costExplorerRequest : 0,
    [`KMS key (${stack.kmsKeys})`]: stack.kmsKeys * PRICES.kmsKeyMonth,
    [`alarms (${stack.alarms})`]: stack.alarms * PRICES.alarmMonth,
    [`dashboard (${stack.dashboards})`]: stack.dashboards * PRICES.dashboardMonth,
    'credentials parameter (standard SecureString)': PRICES.ssmStandardParameterMonth,
    [`OAuth secrets (${stack.secrets})`]: stack.secrets * PRICES.secretMonth,
    [`Glue tables (${stack.glueTables}), Athena workgroup (${stack.athenaWorkgroups})`]: 0,
  };
  const gb = a.archiveBytesPerSettlement / 2 ** 30;
  const months = a.retentionYears * 12;
  const standardMonths = a.archiveStandardDays / 30;
  // Log storage: a year of retention of what a settlement logs.
  const storagePerSettlement =
    gb * (standardMonths * PRICES.s3StandardGbMonth + (months - standardMonths) * PRICES.s3GlacierIrGbMonth) +
    (a.logBytesPerSettlement / 2 ** 30) * 12 * PRICES.logsStoreGbMonth;
  const fixedPerTenantMonth = Object.values(fixed).reduce((s, v) => s + v, 0);
  const variablePerSettlement = Object.values(variable).reduce((s, v) => s + v, 0);
  return {
    design,
    projects,
    fixedPerTenantMonth,
    fixed,
    variablePerSettlement,
    variable,
    storagePerSettlement,
    perThousand: 1000 * variablePerSettlement + (1000 / projects) * fixedPerTenantMonth,
  };
}

export const TENANT_SIZES = [10, 1000, 10_000] as const;

export function costTable(
  settlement: SettlementCounts,
  nightly: NightlyCounts,
  stack: StackInventory,
): { text: string; rows: CostBreakdown[] } {
  const rows = (['current', 'shared'] as const).flatMap((design) =>
    TENANT_SIZES.map((p) => costOf(settlement, nightly, p, design, stack)),
  );
  const at1000 = rows.filter((r) => r.projects === 1000);
  const variableKeys = Object.keys(at1000[0]?.variable ?? {});
  const fixedKeys = Object.keys(at1000[0]?.fixed ?? {});
  const usd = (v: number) => (v === 0 ? '–' : fmt.usd(v));
  const parts = table(
    ['at 1,000 projects/tenant', ...at1000.map((r) => r.design)],
    [
      ...variableKeys.map((k) => [
        `variable per 1,000: ${k}`,
        ...at1000.map((r) => usd(1000 * (r.variable[k] ?? 0))),
      ]),
      ['variable per 1,000 settlements', ...at1000.map((r) => fmt.usd(1000 * r.variablePerSettlement))],
      ...fixedKeys.map((k) => [`fixed per tenant-month: ${k}`, ...at1000.map((r) => usd(r.fixed[k] ?? 0))]),
      ['fixed per tenant-month', ...at1000.map((r) => fmt.usd(r.fixedPerTenantMonth))],
      [
        'archive + log storage per 1,000 (over retention)',
        ...at1000.map((r) => fmt.usd(1000 * r.storagePerSettlement)),
      ],
    ],
  );
  const totals = table(
    ['design', 'projects/tenant', 'fixed per tenant-month', 'variable per 1,000', 'total per 1,000'],
    rows.map((r) => [
      r.design,
      r.projects.toLocaleString('en'),
      fmt.usd(r.fixedPerTenantMonth),
      fmt.usd(1000 * r.variablePerSettlement),
      fmt.usd(r.perThousand),
    ]),
  );
  return {
    text: `${parts}\n\n${totals}\n(eu-central-1 list prices as assumed on ${PRICES_AS_OF}; assumptions in bench/cost-model.ts ASSUMPTIONS; static credentials in one SSM SecureString per tenant and a Secrets Manager secret per rotating OAuth source, as built; 'current' = one Cost Explorer request per settlement (a manual run), 'shared' = one Cost Explorer query per tenant per night (the nightly run, built). Target: variable < $1.50 per 1,000 settlements.)`,
    rows,
  };
}

if (import.meta.main) {
  const latest = JSON.parse(await readFile(join(BENCH_DIR, 'results', 'latest.json'), 'utf8')) as {
    b3?: { counts: SettlementCounts };
    b5?: NightlyCounts;
    stack?: StackInventory;
  };
  if (!latest.b3 || !latest.b5 || !latest.stack)
    throw new Error('latest.json lacks B3, B5 or the stack inventory: run `npm run bench -- cost` first');
  process.stdout.write(`${costTable(latest.b3.counts, latest.b5, latest.stack).text}\n`);
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BENCH_DIR, fmt, table } from './lib.ts';

/**
 * Cost model: dollars per 1,000 settlements from the counts of a local run (B3: one settlement;
 * B5: one nightly run over N projects), at 10, 1,000 and 10,000 projects per tenant, each project
 * settled monthly. Per-settlement costs scale with settlements; the nightly run (30 a month: list
 * due settlements, early warnings — both read every project) and stored secrets are per tenant
 * and shared by its settlements, which is why small tenants pay more per settlement.
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
  /** SES outbound email ($0.10 per 1,000). */
  sesEmail: 0.1 / 1000,
  /** Secrets Manager API calls ($0.05 per 10,000). */
  secretsApiCall: 0.05 / 10_000,
  /** Secrets Manager, per secret per month. */
  secretMonth: 0.4,
  /** Cost Explorer API, per request. */
  costExplorerRequest: 0.01,
} as const;

/** Memory per function in MB, as infra/cdk/settlement-steps.ts sets it (1024 unless stated). */
export const FUNCTION_MEMORY_MB: Readonly<Record<string, number>> = {
  CollectSource: 1769,
  ComputeSettlement: 1769,
  DraftStatement: 1769,
  ArchiveSettlement: 1769,
};
const DEFAULT_MEMORY_MB = 1024;

/** What the local run cannot count, because the demo reads files instead of calling APIs. */
export const ASSUMPTIONS = {
  /** One GetCostAndUsage page per settlement whose charter has a Cost Explorer source in API mode. */
  costExplorerCallsPerSettlement: 1,
  /** One GetSecretValue per API-mode connector per collect (Toggl, QuickBooks), no caching across invocations. */
  secretsCallsPerSettlement: 2,
  /** Connector secrets stored per tenant. */
  secretsPerTenant: 3,
  /** Nightly runs per month. */
  nightsPerMonth: 30,
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
  lambdaInvocations: Record<string, number>;
  lambdaMillis: Record<string, number>;
  emails: number;
  requests: {
    dynamodb: Record<string, number>;
    s3: Record<string, number>;
    readUnits: number;
    writeUnits: number;
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

export interface CostBreakdown {
  readonly projects: number;
  readonly perThousand: number;
  readonly parts: Record<string, number>;
}

/** Dollars per 1,000 settlements for a tenant with `projects` monthly-settled projects. */
export function costPerThousand(
  settlement: SettlementCounts,
  nightly: NightlyCounts,
  projects: number,
): CostBreakdown {
  const r = settlement.requests;
  const perSettlement: Record<string, number> = {
    'Step Functions':
      settlement.stateTransitions * PRICES.sfnStandardTransition +
      PRICES.sfnExpressRequest +
      ASSUMPTIONS.expressChildSeconds * ASSUMPTIONS.expressChildGb * PRICES.sfnExpressGbSecond,
    Lambda: lambdaDollars(settlement.lambdaInvocations, settlement.lambdaMillis),
    DynamoDB: r.readUnits * PRICES.dynamoReadUnit + r.writeUnits * PRICES.dynamoWriteUnit,
    S3: s3Dollars(r.s3),
    SES: settlement.emails * PRICES.sesEmail,
    'Secrets Manager': ASSUMPTIONS.secretsCallsPerSettlement * PRICES.secretsApiCall,
    'Cost Explorer': ASSUMPTIONS.costExplorerCallsPerSettlement * PRICES.costExplorerRequest,
  };
  // The nightly run scales with the projects it reads; measured at nightly.projects, scaled linearly.
  const n = nightly.perNight;
  const scale = projects / nightly.projects;
  const scaledMillis = Object.fromEntries(Object.entries(n.lambdaMillis).map(([fn, ms]) => [fn, ms * scale]));
  const perNight: Record<string, number> = {
    'Step Functions': n.standardTransitions * PRICES.sfnStandardTransition,
    Lambda: lambdaDollars(n.lambdaInvocations, scaledMillis),
    DynamoDB:
      (n.requests.readUnits * PRICES.dynamoReadUnit + n.requests.writeUnits * PRICES.dynamoWriteUnit) * scale,
    S3: s3Dollars(n.requests.s3),
  };
  const perMonthFixed: Record<string, number> = {
    'Secrets Manager': ASSUMPTIONS.secretsPerTenant * PRICES.secretMonth,
  };
  const parts: Record<string, number> = {};
  const add = (k: string, v: number) => {
    parts[k] = (parts[k] ?? 0) + v;
  };
  // Per 1,000 settlements: 1,000 × per settlement + (1,000 / projects) months of the tenant's fixed costs.
  const months = 1000 / projects;
  for (const [k, v] of Object.entries(perSettlement)) add(k, v * 1000);
  for (const [k, v] of Object.entries(perNight)) add(k, v * ASSUMPTIONS.nightsPerMonth * months);
  for (const [k, v] of Object.entries(perMonthFixed)) add(k, v * months);
  return { projects, perThousand: Object.values(parts).reduce((s, v) => s + v, 0), parts };
}

export const TENANT_SIZES = [10, 1000, 10_000] as const;

export function costTable(
  settlement: SettlementCounts,
  nightly: NightlyCounts,
): { text: string; rows: CostBreakdown[] } {
  const rows = TENANT_SIZES.map((p) => costPerThousand(settlement, nightly, p));
  const services = Object.keys(rows[0]?.parts ?? {});
  const text = table(
    ['projects/tenant', ...services, 'total per 1,000'],
    rows.map((r) => [
      r.projects.toLocaleString('en'),
      ...services.map((s) => fmt.usd(r.parts[s] ?? 0)),
      fmt.usd(r.perThousand),
    ]),
  );
  return {
    text: `${text}\n(eu-central-1 list prices as assumed on ${PRICES_AS_OF}; see bench/cost-model.ts)`,
    rows,
  };
}

if (import.meta.main) {
  const latest = JSON.parse(await readFile(join(BENCH_DIR, 'results', 'latest.json'), 'utf8')) as {
    b3?: { counts: SettlementCounts };
    b5?: NightlyCounts;
  };
  if (!latest.b3 || !latest.b5)
    throw new Error('latest.json lacks B3 or B5: run `npm run bench -- b3 b5` first');
  process.stdout.write(`${costTable(latest.b3.counts, latest.b5).text}\n`);
}

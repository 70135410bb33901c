import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import { RetryableOutcome, type RetryPolicy } from '#domain/attempts.ts';

/** The tenant's parameter name (SSM names are paths; the ARN is `…:parameter/settlement/<tenant>/…`). */
export function credentialsParameterName(tenantId: string): string {
  return `/settlement/${tenantId}/connector-credentials`;
}

/**
 * Runtime configuration of a Lambda step, read from the environment once. The same variables are
 * set by CDK in the cloud and by the local runtime on one machine; endpoint variables are only set
 * locally (dynalite, s3rver, the local Step Functions/SES endpoint).
 */
const Env = z.object({
  TENANT_ID: z.string().min(1),
  /** The company that issues the statements (the tenant's legal name). */
  TENANT_NAME: z.string().min(1).optional(),
  /** The tenant's language for documents and emails (a charter or a person may choose another). */
  TENANT_LOCALE: z.enum(['en', 'zh-CN']).default('en'),
  TABLE_NAME: z.string().min(1),
  /** The working bucket (uploads, raw payloads, drafts, email copies, nightly lists, facts). */
  BUCKET_NAME: z.string().min(1),
  /** The object-locked bucket (final statements and the archive), see shared/storage/layout.ts. */
  ARCHIVE_BUCKET_NAME: z.string().min(1),
  AWS_REGION: z.string().min(1).default('eu-central-1'),
  MAIL_FROM: z.string().min(3).default('settlements@example.com'),
  /** Who is told about failed settlements (the tenant's alarm address); operations@<tenant>.example locally. */
  OPERATIONS_EMAIL: z.string().min(3).optional(),
  APPROVAL_BASE_URL: z.url().default('http://localhost:8787'),
  SES_CONFIGURATION_SET: z.string().optional(),
  DYNAMODB_ENDPOINT: z.url().optional(),
  S3_ENDPOINT: z.url().optional(),
  SFN_ENDPOINT: z.url().optional(),
  SES_ENDPOINT: z.url().optional(),
  SECRETS_ENDPOINT: z.url().optional(),
  /** Locally: the runtime's Cost Explorer and Athena stand-ins (in AWS the SDK's own endpoints). */
  COST_EXPLORER_ENDPOINT: z.url().optional(),
  ATHENA_ENDPOINT: z.url().optional(),
  /** The Athena workgroup, Glue database and FOCUS export table of the nightly cloud-cost query. */
  COST_WORKGROUP: z.string().min(1).optional(),
  COST_DATABASE: z.string().min(1).optional(),
  COST_EXPORT_TABLE: z.string().min(1).default('focus_export'),
  SSM_ENDPOINT: z.url().optional(),
  /** The SecureString holding the tenant's static connector credentials (default by tenant id). */
  CREDENTIALS_PARAMETER: z.string().startsWith('/').optional(),
  /** Connector secrets are named `<prefix><name>` in Secrets Manager (`settlement/<tenant>/`). */
  SECRETS_PREFIX: z.string().default(''),
  /** The tenant's IANA time zone: its calendar day decides what the nightly run finds due. */
  TENANT_TIME_ZONE: z.string().min(1).default('UTC'),
  /** The tenant's approval defaults (a charter may set its own); read by resolveTimings. */
  APPROVAL_TTL_DAYS: z.string().optional(),
  APPROVAL_REMINDER_HOURS: z.string().optional(),
  APPROVAL_ESCALATION_HOURS: z.string().optional(),
  /** One-time codes above an amount: "50000.00 EUR,60000.00 USD" (absent = off), their minutes and attempts. */
  APPROVAL_CODE_FROM: z.string().optional(),
  APPROVAL_CODE_MINUTES: z.string().optional(),
  APPROVAL_CODE_ATTEMPTS: z.string().optional(),
  /** The tenant's retry policy for the nightly run: attempts in all, and the outcomes it retries. */
  RETRY_MAX_ATTEMPTS: z
    .string()
    .regex(/^\d+$/, 'a whole number')
    .default('3')
    .transform(Number)
    .pipe(z.number().int().min(1).max(20)),
  /** Settlements of the tenant that collect, compute and draft at once (the rest wait for a slot). */
  MAX_CONCURRENT_SETTLEMENTS: z
    .string()
    .regex(/^\d+$/, 'a whole number')
    .default('10')
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000)),
  RETRY_OUTCOMES: z
    .string()
    .default('failed,needs-attention')
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(RetryableOutcome)),
});

export type RuntimeConfig = {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly tenantLocale: 'en' | 'zh-CN';
  readonly tableName: string;
  /** The working bucket. */
  readonly bucketName: string;
  /** The object-locked archive bucket. */
  readonly archiveBucketName: string;
  readonly region: string;
  readonly mailFrom: string;
  /** Where failed-settlement emails go (the tenant's alarmEmail); none configured = no email, never a guessed address. */
  readonly operationsEmail: string | undefined;
  readonly approvalBaseUrl: string;
  readonly sesConfigurationSet: string | undefined;
  readonly secretsPrefix: string;
  /** The SSM parameter of the tenant's static connector credentials. */
  readonly credentialsParameter: string;
  readonly timeZone: string;
  readonly retryPolicy: RetryPolicy;
  readonly maxConcurrentSettlements: number;
  readonly approvalDefaults: {
    readonly APPROVAL_TTL_DAYS?: string | undefined;
    readonly APPROVAL_REMINDER_HOURS?: string | undefined;
    readonly APPROVAL_ESCALATION_HOURS?: string | undefined;
    readonly APPROVAL_CODE_FROM?: string | undefined;
    readonly APPROVAL_CODE_MINUTES?: string | undefined;
    readonly APPROVAL_CODE_ATTEMPTS?: string | undefined;
  };
  /** Where the nightly cloud-cost query runs on a FOCUS export (absent: no Athena in this stack). */
  readonly costQuery: {
    readonly workgroup: string | undefined;
    readonly database: string | undefined;
    readonly exportTable: string;
  };
  readonly endpoints: {
    readonly costExplorer: string | undefined;
    readonly athena: string | undefined;
    readonly dynamodb: string | undefined;
    readonly s3: string | undefined;
    readonly sfn: string | undefined;
    readonly ses: string | undefined;
    readonly secrets: string | undefined;
    readonly ssm: string | undefined;
  };
};

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

let cached: RuntimeConfig | undefined;

/**
 * A configuration given explicitly instead of read from the environment: the command line operating
 * a deployed stack (`settle … --stack`) runs the same store and archive code with the names from
 * the stack's outputs, without touching the process's environment.
 */
const scoped = new AsyncLocalStorage<RuntimeConfig>();

/** Runs `fn` with `loadConfig()` answering `config` inside it. */
export function runWithConfig<T>(config: RuntimeConfig, fn: () => T): T {
  return scoped.run(config, fn);
}

/** Reads and validates the environment on first use; later calls return the same object. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const given = scoped.getStore();
  if (given) return given;
  if (cached) return cached;
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigurationError(`Invalid environment: ${problems}`);
  }
  const e = parsed.data;
  cached = {
    tenantId: e.TENANT_ID,
    tenantName: e.TENANT_NAME ?? e.TENANT_ID,
    tenantLocale: e.TENANT_LOCALE,
    tableName: e.TABLE_NAME,
    bucketName: e.BUCKET_NAME,
    archiveBucketName: e.ARCHIVE_BUCKET_NAME,
    region: e.AWS_REGION,
    mailFrom: e.MAIL_FROM,
    operationsEmail: e.OPERATIONS_EMAIL,
    approvalBaseUrl: e.APPROVAL_BASE_URL.replace(/\/+$/, ''),
    sesConfigurationSet: e.SES_CONFIGURATION_SET,
    secretsPrefix: e.SECRETS_PREFIX,
    credentialsParameter: e.CREDENTIALS_PARAMETER ?? credentialsParameterName(e.TENANT_ID),
    timeZone: e.TENANT_TIME_ZONE,
    retryPolicy: { maxAttempts: e.RETRY_MAX_ATTEMPTS, outcomes: e.RETRY_OUTCOMES },
    maxConcurrentSettlements: e.MAX_CONCURRENT_SETTLEMENTS,
    approvalDefaults: {
      APPROVAL_TTL_DAYS: e.APPROVAL_TTL_DAYS,
      APPROVAL_REMINDER_HOURS: e.APPROVAL_REMINDER_HOURS,
      APPROVAL_ESCALATION_HOURS: e.APPROVAL_ESCALATION_HOURS,
      APPROVAL_CODE_FROM: e.APPROVAL_CODE_FROM,
      APPROVAL_CODE_MINUTES: e.APPROVAL_CODE_MINUTES,
      APPROVAL_CODE_ATTEMPTS: e.APPROVAL_CODE_ATTEMPTS,
    },
    costQuery: { workgroup: e.COST_WORKGROUP, database: e.COST_DATABASE, exportTable: e.COST_EXPORT_TABLE },
    endpoints: {
      costExplorer: e.COST_EXPLORER_ENDPOINT,
      athena: e.ATHENA_ENDPOINT,
      dynamodb: e.DYNAMODB_ENDPOINT,
      s3: e.S3_ENDPOINT,
      sfn: e.SFN_ENDPOINT,
      ses: e.SES_ENDPOINT,
      secrets: e.SECRETS_ENDPOINT,
      ssm: e.SSM_ENDPOINT,
    },
  };
  return cached;
}

/** For tests and the local runtime: forget the cached configuration (and clients built from it). */
export function resetConfig(): void {
  cached = undefined;
}

/** The tenant that issues the statements, for the documents. */
export function issuer(): { id: string; name: string } {
  const config = loadConfig();
  return { id: config.tenantId, name: config.tenantName };
}

/** The tenant's language (documents and emails fall back to it). */
export function tenantLocale(): 'en' | 'zh-CN' {
  return loadConfig().tenantLocale;
}

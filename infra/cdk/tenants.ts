import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_WORKING_DATA_EXPIRY_DAYS } from '#storage/layout.ts';
import { RESERVED_TENANT_ID_PREFIXES, reservedPrefixOf, sharedResourceName } from './resource-names.ts';

/**
 * The settlement execution's timeout (TimeoutSeconds of statemachines/settlement.asl.json), in days:
 * an approval that may wait longer than the execution lives would end as TIMED_OUT, past the
 * recorded failure path.
 */
export const SETTLEMENT_EXECUTION_TIMEOUT_DAYS =
  (
    JSON.parse(
      readFileSync(resolve(import.meta.dirname, '..', '..', 'statemachines', 'settlement.asl.json'), 'utf8'),
    ) as { TimeoutSeconds: number }
  ).TimeoutSeconds / 86_400;

/** Days the rest of a settlement may take besides the approval wait (collect, compute, finalise, retries). */
const SETTLEMENT_WORK_DAYS = 1;

/** The wall-clock time `hh:mm` of a UTC instant in a time zone, in minutes after midnight. */
const wallClocks = new Map<string, Intl.DateTimeFormat>();
function wallMinutes(zone: string, instant: number): number {
  let clock = wallClocks.get(zone);
  if (!clock) {
    clock = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    wallClocks.set(zone, clock);
  }
  const parts = clock.formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return part('hour') * 60 + part('minute');
}

/**
 * Days (YYYY-MM-DD) in `years` calendar years from `fromYear` on which the local time `hh:mm` does
 * not exist in the zone (it falls into the hour skipped when the clocks go forward). EventBridge
 * Scheduler skips a cron run at such a time, so the nightly run would silently not happen that day.
 */
export function daysWithoutLocalTime(zone: string, hhmm: string, fromYear: number, years = 2): string[] {
  const [hh, mm] = hhmm.split(':').map(Number) as [number, number];
  const target = hh * 60 + mm;
  const missing: string[] = [];
  for (let day = Date.UTC(fromYear, 0, 1); day < Date.UTC(fromYear + years, 0, 1); day += 86_400_000) {
    const wall = day + target * 60_000;
    // Any local time exists at one of the offsets in force around it (the day before or after).
    const offsets = [wall - 86_400_000, wall + 86_400_000].map((t) => {
      const local = wallMinutes(zone, t);
      const utc = new Date(t).getUTCHours() * 60 + new Date(t).getUTCMinutes();
      return ((((local - utc) % 1440) + 1440 + 720) % 1440) - 720;
    });
    const exists = offsets.some((offset) => wallMinutes(zone, wall - offset * 60_000) === target);
    if (!exists) missing.push(new Date(day).toISOString().slice(0, 10));
  }
  return missing;
}

/** True when the runtime's ICU knows the IANA zone (the same check EventBridge Scheduler applies at deploy). */
function isIanaTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Names a connector secret under the tenant's prefix: letters, digits and `-_.` (no `/`, no wildcards). */
const SecretName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a secret name is [A-Za-z0-9._-], at most 64');

/** An amount with its currency, as a decimal string (never a float): `{ "amount": "50000.00", "currency": "EUR" }`. */
const Threshold = z.object({
  amount: z.string().regex(/^\d+(\.\d+)?$/, 'a decimal string such as "50000.00"'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
});

/**
 * One-time codes for approvals that fit the amount. Absent (the default) = off: the link alone
 * approves. With it, approving a settlement whose amount is at least the threshold of its currency
 * (by absolute value; a currency without a threshold always needs a code) also needs a six-digit code
 * emailed to the link's recipient. Rejecting needs no code.
 */
const OneTimeCode = z.object({
  /** One threshold per currency, inclusive. */
  from: z.array(Threshold).min(1),
  /** Minutes a code is valid. @default 10 */
  minutes: z.number().int().min(1).max(60).default(10),
  /** Code attempts per approval request, right or wrong, before approving is locked. @default 5 */
  attempts: z.number().int().min(1).max(10).default(5),
});

/**
 * The approval API's own domain (e.g. approvals.acme.example), so emailed links point at the
 * sender's domain instead of an execute-api host that mail filters distrust. Give the Route 53
 * hosted zone to have the certificate validated and the alias record created, or the ARN of an
 * existing ACM certificate in the tenant's region (then create the DNS record yourself, to the
 * `ApprovalDomainTarget` output), or both.
 */
const ApprovalDomain = z
  .object({
    /** The fully qualified domain name of the approval links. */
    name: z
      .string()
      .regex(/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a lower-case domain name'),
    hostedZone: z
      .object({
        /** The Route 53 hosted zone id (Z…). */
        id: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id such as Z0123456789ABC'),
        /** The zone's domain name; the approval domain must be in it. */
        name: z.string().min(3),
      })
      .optional(),
    /** An ACM certificate (same region as the stack) covering the name. */
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, 'an ACM certificate ARN')
      .optional(),
  })
  .refine((d) => d.hostedZone !== undefined || d.certificateArn !== undefined, {
    message: 'give hostedZone (certificate and DNS record created) or certificateArn (or both)',
  })
  .refine(
    (d) =>
      !d.hostedZone ||
      d.name === d.hostedZone.name ||
      d.name.endsWith(`.${d.hostedZone.name.replace(/\.$/, '')}`),
    { message: 'the approval domain must be inside its hosted zone' },
  );
export type ApprovalDomain = z.infer<typeof ApprovalDomain>;

/**
 * One tenant: a platform team deploys one `Settlement-<id>` stack per tenant. Every resource of a
 * tenant (table, bucket, key, secrets, roles, state machines) lives in that stack only.
 */
export const Tenant = z.object({
  /**
   * Stable id used in stack, resource and secret names; lower-case so it is valid in S3 and IAM names,
   * and never starting with a word the stack puts before an id in a name (infra/cdk/resource-names.ts).
   */
  id: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, 'a tenant id is lower-case letters, digits and -')
    .refine((id) => !id.includes('--'), 'a tenant id has no double hyphen')
    .superRefine((id, ctx) => {
      const prefix = reservedPrefixOf(id);
      if (prefix)
        ctx.addIssue({
          code: 'custom',
          message:
            `a tenant id must not start with "${prefix}": its resources would be named settlement-${id}, ` +
            `the name of tenant ${id.slice(prefix.length)}'s ${RESERVED_TENANT_ID_PREFIXES[prefix]} ` +
            `(reserved prefixes: ${Object.keys(RESERVED_TENANT_ID_PREFIXES).join(', ')})`,
        });
    }),
  name: z.string().min(1),
  /** Language of statements, emails and approval pages (a charter, recipient or approver may override it). */
  locale: z.enum(['en', 'zh-CN']).default('en'),
  /** AWS account id; omitted = the account of the deploying credentials (env-agnostic synth). */
  account: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-central-1'),
  /** IANA time zone for the nightly schedule (e.g. Europe/Berlin). */
  timeZone: z.string().refine(isIanaTimeZone, 'not an IANA time zone known to Intl'),
  /** Local wall-clock time of the nightly run, HH:MM (24 h). */
  nightlyTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour'),
  /** ISO 4217 reporting currency. */
  currency: z.string().regex(/^[A-Z]{3}$/),
  /** Object-lock COMPLIANCE retention of the archive bucket (final statements, archive), in years (statutory: often 6–10). */
  retentionYears: z.number().int().min(1).max(100),
  /**
   * Days after which working data (raw payloads, drafts, sent-mail copies, nightly lists) is deleted
   * from the working bucket; longer than a settlement execution can run, so the archive step still
   * finds what it copies. Uploads in the inbox and the facts are kept until deleted.
   */
  workingDataExpiryDays: z
    .number()
    .int()
    .min(
      SETTLEMENT_EXECUTION_TIMEOUT_DAYS + 1,
      `more than ${SETTLEMENT_EXECUTION_TIMEOUT_DAYS}: a settlement execution may run that long and archives its raw payloads, drafts and emails at the end`,
    )
    .max(3650)
    .default(DEFAULT_WORKING_DATA_EXPIRY_DAYS),
  /** SES sender; its address or domain must be a verified SES identity in the tenant's region. */
  mailFrom: z.email(),
  approvals: z.object({
    /**
     * Days an approver has before the timeout path (reminder → escalation → expiry); at most the
     * settlement execution's timeout less a day for the rest of the settlement.
     */
    timeoutDays: z
      .number()
      .int()
      .min(1)
      .max(
        SETTLEMENT_EXECUTION_TIMEOUT_DAYS - SETTLEMENT_WORK_DAYS,
        `at most ${SETTLEMENT_EXECUTION_TIMEOUT_DAYS - SETTLEMENT_WORK_DAYS}: the settlement execution times out after ${SETTLEMENT_EXECUTION_TIMEOUT_DAYS} days (statemachines/settlement.asl.json TimeoutSeconds)`,
      ),
    /** Hours after which the pending approver gets a reminder. */
    reminderAfterHours: z.number().int().min(1).max(720),
    /** One-time codes above an amount. @default off */
    oneTimeCode: OneTimeCode.optional(),
  }),
  /** A custom domain for the approval links. @default none: links use the API's execute-api URL */
  approvalDomain: ApprovalDomain.optional(),
  /**
   * Where the alarm topic and the failed-settlement emails go. Required: a failure must reach a
   * real mailbox (add a chat integration to the topic as well if you like).
   */
  alarmEmail: z.email(),
  /**
   * The nightly run's retry policy: attempts in all per period (the first included), and the
   * outcomes it starts a new attempt for, one per night.
   */
  retries: z
    .object({
      maxAttempts: z.number().int().min(1).max(20).default(3),
      outcomes: z
        .array(z.enum(['failed', 'needs-attention', 'expired', 'rejected']))
        .default(['failed', 'needs-attention']),
    })
    .default({ maxAttempts: 3, outcomes: ['failed', 'needs-attention'] }),
  /**
   * Settlements that collect, compute and draft at once (each takes a slot before Collect and gives
   * it back once drafted; the rest wait): bounds Lambda concurrency and vendor / Cost Explorer calls
   * at month end, when every project of the tenant is due the same night.
   */
  maxConcurrentSettlements: z.number().int().min(1).max(1000).default(10),
  /**
   * Secrets Manager secrets, created as `settlement/<id>/<name>`, for OAuth connectors whose refresh
   * token rotates on use (QuickBooks). Static credentials (API tokens, client secrets) are keys of the
   * tenant's SSM parameter `/settlement/<id>/connector-credentials` instead, which the stack does not create.
   */
  secrets: z.array(SecretName).default([]),
});
export type Tenant = z.infer<typeof Tenant>;

export const TenantsFile = z
  .object({
    $schema: z.string().optional(),
    tenants: z.array(Tenant).min(1),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    for (const [index, tenant] of file.tenants.entries()) {
      if (seen.has(tenant.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', index, 'id'],
          message: `duplicate tenant id ${tenant.id}`,
        });
      }
      seen.add(tenant.id);
      for (const other of file.tenants.slice(0, index)) {
        const shared = other.id === tenant.id ? undefined : sharedResourceName(tenant, other);
        if (shared)
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', index, 'id'],
            message: `tenant ${tenant.id} would name a ${shared.kind} ${shared.name}, as tenant ${other.id} does`,
          });
      }
      // Refinements run even when a field failed: check the time only in a zone that exists.
      const gaps = isIanaTimeZone(tenant.timeZone)
        ? daysWithoutLocalTime(tenant.timeZone, tenant.nightlyTime, new Date().getUTCFullYear())
        : [];
      if (gaps.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', index, 'nightlyTime'],
          message:
            `${tenant.nightlyTime} does not exist in ${tenant.timeZone} on ${gaps.join(', ')} (clocks go forward); ` +
            'EventBridge Scheduler would skip that night: choose a time outside the skipped hour (e.g. 03:30)',
        });
      }
      if (new Set(tenant.secrets).size !== tenant.secrets.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', index, 'secrets'],
          message: 'duplicate secret name',
        });
      }
    }
  });
export type TenantsFile = z.infer<typeof TenantsFile>;

export class TenantsFileError extends Error {
  override name = 'TenantsFileError';
}

/** Parses and validates a tenants document; throws TenantsFileError naming every problem. */
export function parseTenants(document: unknown, source = 'tenants file'): Tenant[] {
  const parsed = TenantsFile.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new TenantsFileError(`${source} is invalid: ${problems}`);
  }
  return parsed.data.tenants;
}

// The last file validated: a local run reads it three times (the command, the IAM setup, the
// runtime), and its check of the nightly time against two years of the zone's clock changes costs
// about 0.1 s of CPU each time. The same text in the same year validates the same.
let lastLoaded: { path: string; text: string; year: number; tenants: Tenant[] } | undefined;

/** Reads and validates infra/tenants.json (or another file with the same shape). */
export function loadTenants(path: string): Tenant[] {
  let text: string;
  let document: unknown;
  try {
    text = readFileSync(path, 'utf8');
    document = JSON.parse(text);
  } catch (cause) {
    throw new TenantsFileError(`cannot read ${path}`, { cause });
  }
  const year = new Date().getUTCFullYear();
  if (lastLoaded?.path === path && lastLoaded.text === text && lastLoaded.year === year)
    return structuredClone(lastLoaded.tenants);
  const tenants = parseTenants(document, path);
  lastLoaded = { path, text, year, tenants: structuredClone(tenants) };
  return tenants;
}

/**
 * The environment that carries a tenant's one-time code policy to the approval handlers (the stack
 * and the local runtime both set it from here); empty when codes are off.
 */
export function approvalCodeEnvironment(tenant: Pick<Tenant, 'approvals'>): Record<string, string> {
  const code = tenant.approvals.oneTimeCode;
  if (!code) return {};
  return {
    APPROVAL_CODE_FROM: code.from.map((t) => `${t.amount} ${t.currency}`).join(','),
    APPROVAL_CODE_MINUTES: String(code.minutes),
    APPROVAL_CODE_ATTEMPTS: String(code.attempts),
  };
}

/** The secret-name prefix of a tenant's connector credentials (Secrets Manager). */
export function secretPrefix(tenantId: string): string {
  return `settlement/${tenantId}/`;
}

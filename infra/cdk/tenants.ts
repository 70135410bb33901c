import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

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

/**
 * One tenant: a platform team deploys one `Settlement-<id>` stack per tenant. Every resource of a
 * tenant (table, bucket, key, secrets, roles, state machines) lives in that stack only.
 */
export const Tenant = z.object({
  /** Stable id used in stack, resource and secret names; lower-case so it is valid in S3 and IAM names. */
  id: z.string().regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, 'a tenant id is lower-case letters, digits and -'),
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
  /** Object-lock COMPLIANCE retention of the archive, in years (statutory: often 6–10). */
  retentionYears: z.number().int().min(1).max(100),
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
  }),
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
  /** Connector secrets, created as `settlement/<id>/<name>` in Secrets Manager. */
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

/** Reads and validates infra/tenants.json (or another file with the same shape). */
export function loadTenants(path: string): Tenant[] {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new TenantsFileError(`cannot read ${path}`, { cause });
  }
  return parseTenants(document, path);
}

/** The secret-name prefix of a tenant's connector credentials (Secrets Manager). */
export function secretPrefix(tenantId: string): string {
  return `settlement/${tenantId}/`;
}

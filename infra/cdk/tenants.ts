import { readFileSync } from 'node:fs';
import { z } from 'zod';

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
    /** Days an approver has before the timeout path (reminder → escalation → expiry). */
    timeoutDays: z.number().int().min(1).max(30),
    /** Hours after which the pending approver gets a reminder. */
    reminderAfterHours: z.number().int().min(1).max(720),
  }),
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
  /** Where the alarm topic sends email; omitted = subscribe later (e.g. a chat integration). */
  alarmEmail: z.email().optional(),
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

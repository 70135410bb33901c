import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The physical names a tenant's stack fixes (everything else CloudFormation names itself), derived
 * from the tenant id. Two tenants deployed to one account and region must not share one of them: the
 * second deploy would fail on "already exists", or worse, alarm on the other tenant's state machine.
 * test/infra/cdk checks this list against every name in the synthesized template, so it cannot drift
 * from the constructs.
 *
 * Most names are `settlement-<id>` followed by a fixed suffix, which cannot collide between two ids.
 * Two put a word *before* the id: `settlement-nightly-<id>` (the nightly state machine and schedule)
 * and `settlement-approvals-<id>` (the approval API). A tenant `nightly-acme` would therefore name its
 * settlement state machine `settlement-nightly-acme`, which is tenant `acme`'s nightly state machine:
 * a tenant id must not start with one of those words and a hyphen.
 */
export const RESERVED_TENANT_ID_PREFIXES = {
  'nightly-': 'nightly state machine and schedule',
  'approvals-': 'approval API',
} as const;

/** The file base of every step (`collect-source`): each has an error alarm named after it. */
const STEP_FILES = readdirSync(resolve(import.meta.dirname, '..', '..', 'functions'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

/** The alarm ids of infra/cdk/settlement-operations.ts besides one `<step>-errors` per function. */
const ALARM_IDS = [
  'settlement-failed',
  'settlement-timed-out',
  'nightly-failed',
  'nightly-timed-out',
  'nightly-dead-letters',
  'mail-bounces-and-complaints',
  'approval-api-5xx',
  'approval-wrong-secrets',
];

/** A tenant's fixed names by the kind of resource they name (names are unique per kind). */
export function fixedResourceNames(
  tenantId: string,
  secrets: readonly string[] = [],
): Readonly<Record<string, readonly string[]>> {
  const base = `settlement-${tenantId}`;
  return {
    'CloudFormation stack': [`Settlement-${tenantId}`],
    'Step Functions state machine': [base, `settlement-nightly-${tenantId}`],
    'EventBridge schedule': [`settlement-nightly-${tenantId}`],
    'API Gateway API': [`settlement-approvals-${tenantId}`],
    'SNS topic': [`${base}-alarms`, `${base}-mail-problems`],
    'CloudWatch alarm': [...ALARM_IDS, ...STEP_FILES.map((f) => `${f}-errors`)].map((id) => `${base}-${id}`),
    'CloudWatch dashboard': [base],
    'SES configuration set': [base],
    'Athena workgroup': [base, `${base}-costs`],
    'Glue database': [`settlement_${tenantId.replace(/[^a-z0-9]/g, '_')}`],
    'KMS alias': [`alias/settlement/${tenantId}/data`],
    'Secrets Manager secret': secrets.map((name) => `settlement/${tenantId}/${name}`),
  };
}

/** The reserved prefix a tenant id starts with, if any. */
export function reservedPrefixOf(tenantId: string): keyof typeof RESERVED_TENANT_ID_PREFIXES | undefined {
  return (Object.keys(RESERVED_TENANT_ID_PREFIXES) as (keyof typeof RESERVED_TENANT_ID_PREFIXES)[]).find(
    (prefix) => tenantId.startsWith(prefix),
  );
}

/** The first fixed name two tenants share, with its kind (`undefined` when they share none). */
export function sharedResourceName(
  a: { id: string; secrets?: readonly string[] },
  b: { id: string; secrets?: readonly string[] },
): { kind: string; name: string } | undefined {
  const namesOfB = fixedResourceNames(b.id, b.secrets);
  for (const [kind, names] of Object.entries(fixedResourceNames(a.id, a.secrets))) {
    const other = new Set(namesOfB[kind] ?? []);
    const name = names.find((n) => other.has(n));
    if (name !== undefined) return { kind, name };
  }
  return undefined;
}

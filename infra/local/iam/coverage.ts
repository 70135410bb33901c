import type { LocalPolicies } from './policies.ts';

/**
 * Grant coverage: which granted (action, resource) pairs the handlers really used. Every grant of a
 * service the local run enforces must be used on a path some test runs, or be listed in the step's
 * declaration (`untested`) with the path that needs it — so no role carries a permission nobody needs.
 *
 * Grants are named by labels that do not depend on the tenant or on local resource names:
 * `dynamodb:Query table`, `s3:PutObject emails`, `kms:Decrypt key`, `states:SendTaskSuccess *`.
 */

/**
 * Services whose grants must be used or explained: those the local run enforces, and Secrets Manager
 * and Cost Explorer, which run only in AWS (their grants are explained in the declaration). X-Ray and
 * CloudWatch Logs are Lambda's and Step Functions' own.
 */
export const CHECKED_SERVICES = [
  'dynamodb',
  's3',
  'kms',
  'ses',
  'states',
  'lambda',
  'secretsmanager',
  'ssm',
  'ce',
  'athena',
  'glue',
] as const;

/**
 * Granted to the state machines by CDK for what the local runtime does not perform, with the reason.
 * (Steps list theirs in their declarations.)
 */
export const MACHINE_UNTESTED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'nightly-machine': {
    'states:DescribeExecution settlement-executions':
      'Step Functions checks a child execution of a Distributed Map; the local runtime runs the child inline.',
    'states:StopExecution settlement-executions':
      'Step Functions stops running children when the nightly run is aborted; the local runtime has no abort.',
    'states:DescribeExecution nightly-executions':
      'Distributed Map child workflows of the nightly machine; run inline locally.',
    'states:StopExecution nightly-executions':
      'Distributed Map child workflows of the nightly machine; run inline locally.',
    'states:StartExecution nightly-machine':
      'Distributed Map child workflows of the nightly machine; run inline locally.',
  },
};

/** Explained once for every principal that has the grant. */
export const SHARED_UNTESTED: Readonly<Record<string, string>> = {
  'ses:SendEmail mail-domain-identity':
    'The platform team verifies either the sender address or its whole domain in SES; locally the address ' +
    'is the verified identity, so the grant on the domain identity is not exercised.',
};

export interface Grant {
  readonly principal: string;
  readonly action: string;
  /** The resource pattern as resolved locally. */
  readonly resource: string;
  /** `<action> <resource label>`. */
  readonly label: string;
}

const wildcard = (pattern: string, flags = '') =>
  new RegExp(
    `^${pattern
      .split(/([*?])/)
      .map((part) => (part === '*' ? '.*' : part === '?' ? '.' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    flags,
  );

/** A tenant-independent name for a resource of the tenant's stack. */
export function resourceLabel(policies: LocalPolicies, resource: string): string {
  const { arns } = policies;
  if (resource === '*') return '*';
  if (resource === arns.table) return 'table';
  if (resource.startsWith(`${arns.table}/`)) return `table${resource.slice(arns.table.length)}`;
  for (const [bucket, label] of [
    [arns.bucket, 'bucket'],
    [arns.archiveBucket, 'archive-bucket'],
  ] as const) {
    if (resource === bucket) return label;
    if (resource.startsWith(`${bucket}/`)) {
      const area = resource.slice(bucket.length + 1).split('/')[0] ?? '';
      return area === '*' ? `${label} objects` : area;
    }
  }
  if (resource === arns.key) return 'key';
  if (resource === arns.settlementMachine) return 'settlement-machine';
  if (resource === arns.nightlyMachine) return 'nightly-machine';
  const executions = (machine: string) => machine.replace(':stateMachine:', ':execution:');
  if (resource.startsWith(executions(arns.settlementMachine))) return 'settlement-executions';
  if (resource.startsWith(executions(arns.nightlyMachine))) return 'nightly-executions';
  if (arns.mailIdentities.includes(resource)) return 'mail-identity';
  if (/^arn:aws:ses:[^:]*:[^:]*:identity\//.test(resource)) return 'mail-domain-identity';
  if (resource === arns.configurationSet) return 'configuration-set';
  const arn = /^arn:aws:([a-z0-9-]+):[^:]*:[^:]*:(.*)$/.exec(resource);
  if (arn?.[1] === 'lambda') return arn[2] ?? resource;
  if (arn?.[1] === 'secretsmanager') return 'secrets';
  if (arn?.[1] === 'ssm') return 'credentials-parameter';
  return resource;
}

const asList = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);

/** Every Allow grant of every principal, one per action and resource. */
export function grantsOf(policies: LocalPolicies): Grant[] {
  const grants: Grant[] = [];
  for (const [principal, documents] of policies.identity) {
    for (const document of documents) {
      for (const statement of document.Statement) {
        if (statement.Effect !== 'Allow' || statement.NotAction || statement.NotResource) continue;
        for (const action of asList(statement.Action)) {
          for (const resource of asList(statement.Resource)) {
            grants.push({
              principal,
              action,
              resource,
              label: `${action} ${resourceLabel(policies, resource)}`,
            });
          }
        }
      }
    }
  }
  return grants;
}

/** The labels of the grants that allowed what each principal did (`used`: `action resource`). */
export function coveredLabels(
  policies: LocalPolicies,
  used: ReadonlyMap<string, ReadonlySet<string>>,
): Record<string, string[]> {
  const grants = grantsOf(policies);
  const covered: Record<string, string[]> = {};
  for (const [principal, requests] of used) {
    const labels = new Set<string>();
    const own = grants.filter((g) => g.principal === principal);
    for (const entry of requests) {
      const [action = '', resource = ''] = entry.split(' ');
      for (const grant of own) {
        if (wildcard(grant.action, 'i').test(action) && wildcard(grant.resource).test(resource))
          labels.add(grant.label);
      }
    }
    covered[principal] = [...labels].sort();
  }
  return covered;
}

export interface UncoveredGrant {
  readonly principal: string;
  readonly label: string;
}

/**
 * The grants of enforced services that no run used and no declaration explains. `untested` maps a
 * principal to its `label → reason` entries; a key that is only an action covers it on any resource.
 */
export function uncoveredGrants(
  policies: LocalPolicies,
  covered: Readonly<Record<string, readonly string[]>>,
  untested: Readonly<Record<string, Readonly<Record<string, string>>>>,
): UncoveredGrant[] {
  const seen = new Set<string>();
  const result: UncoveredGrant[] = [];
  for (const grant of grantsOf(policies)) {
    const service = grant.action.split(':')[0] ?? '';
    if (!(CHECKED_SERVICES as readonly string[]).includes(service)) continue;
    const key = `${grant.principal} ${grant.label}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (covered[grant.principal]?.includes(grant.label)) continue;
    const explained = { ...SHARED_UNTESTED, ...untested[grant.principal] };
    if (grant.label in explained || grant.action in explained) continue;
    result.push({ principal: grant.principal, label: grant.label });
  }
  return result;
}

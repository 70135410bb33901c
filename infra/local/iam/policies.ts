import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadTenants, type Tenant } from '../../cdk/tenants.ts';

/**
 * The IAM policies of one tenant's stack **as synthesized** by the CDK app, with every CloudFormation
 * reference resolved to the local runtime's resource names. Synthesis (without bundling) runs in a
 * child process and its template is cached by a hash of everything it is built from.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'settlement-iam');
export const LOCAL_ACCOUNT = '000000000000';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
}
interface CfnTemplate {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: Json }>;
}

/** The principal of the stack's operator policy (`settle … --stack`), as the local runtime names it. */
export const STACK_OPERATOR = 'stack-operator';

/** A policy document as IAM reads it (references resolved). */
export type PolicyDocument = { Version?: string; Statement: Record<string, unknown>[] };

export interface LocalPolicies {
  /**
   * Identity policies per principal: step name (`ComputeSettlement`), `settlement-machine`,
   * `nightly-machine`, and `stack-operator` (the operator managed policy the CLI's caller has).
   */
  readonly identity: ReadonlyMap<string, readonly PolicyDocument[]>;
  /** Resource policies by resource ARN (bucket, key). */
  readonly resource: ReadonlyMap<string, PolicyDocument>;
  /** The stack's outputs (CfnOutput name → value) with local names; URLs of local endpoints are the runtime's to fill. */
  readonly outputs: Readonly<Record<string, string>>;
  /** The local ARNs of the tenant's resources. */
  readonly arns: {
    readonly table: string;
    /** The working bucket (no object lock). */
    readonly bucket: string;
    /** The archive bucket (object lock in the template). */
    readonly archiveBucket: string;
    /** Buckets the template creates with object lock enabled: S3 refuses a PUT into them without a checksum. */
    readonly lockedBuckets: readonly string[];
    readonly key: string;
    readonly settlementMachine: string;
    readonly nightlyMachine: string;
    /** The alias ARN callers start each machine through (`…:stateMachine:settlement-<tenant>:live`). */
    readonly settlementAlias: string;
    readonly nightlyAlias: string;
    /** The published version ARN of each step's function (`…:function:<Step>:1`), as the ASL names them. */
    readonly functionVersions: Readonly<Record<string, string>>;
    readonly mailIdentities: readonly string[];
    readonly configurationSet: string | undefined;
    /** The ARN of an SSM parameter (`/settlement/<tenant>/…` → `…:parameter/settlement/<tenant>/…`). */
    parameter(name: string): string;
  };
}

/** The local names the runtime gives a tenant's resources. */
export interface LocalNames {
  readonly tenantId: string;
  readonly region: string;
  readonly tableName: string;
  /** The working bucket. */
  readonly bucketName: string;
  /** The object-locked archive bucket. */
  readonly archiveBucketName: string;
}

/** The tenant as configured in infra/tenants.json, or a local tenant with the same shape. */
export function localTenant(tenantId: string, region: string): Tenant {
  const configured = loadTenants(join(ROOT, 'infra', 'tenants.json')).find((t) => t.id === tenantId);
  const base: Tenant = configured ?? {
    id: tenantId,
    name: tenantId,
    locale: 'en',
    region,
    timeZone: 'Europe/Berlin',
    nightlyTime: '03:30',
    currency: 'EUR',
    retentionYears: 10,
    workingDataExpiryDays: 90,
    mailFrom: `settlements@${tenantId}.example`,
    approvals: { timeoutDays: 5, reminderAfterHours: 48 },
    retries: { maxAttempts: 3, outcomes: ['failed', 'needs-attention'] },
    maxConcurrentSettlements: 10,
    alarmEmail: `operations@${tenantId}.example`,
    secrets: [],
  };
  // One region locally: ARNs in the template carry the stack's region.
  return { ...base, region };
}

/** The stack id the local runtime gives a tenant's stack (a real one ends in a generated UUID). */
export function localStackId(names: Pick<LocalNames, 'tenantId' | 'region'>): string {
  return `arn:aws:cloudformation:${names.region}:${LOCAL_ACCOUNT}:stack/Settlement-${names.tenantId}/local`;
}

/** Everything the synthesized policies are built from. */
function sourcesHash(tenant: Tenant, overrides: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      // Paths relative to the checkout: a clone elsewhere with the same sources reuses the template.
      else if (/\.(ts|json)$/.test(entry)) hash.update(relative(ROOT, path)).update(readFileSync(path));
    }
  };
  for (const dir of ['infra/cdk', 'functions', 'shared/steps', 'shared/storage', 'statemachines'])
    walk(join(ROOT, dir));
  for (const file of ['infra/access-model.ts', 'infra/step-registry.ts', 'cdk.json', 'package-lock.json']) {
    hash.update(file).update(readFileSync(join(ROOT, file)));
  }
  return hash.update(JSON.stringify(tenant)).update(overrides).digest('hex').slice(0, 24);
}

/** The tenant's synthesized template: from the cache, or synthesized now (a few seconds). */
export async function synthesizedTemplate(
  tenant: Tenant,
  accessOverrides: Readonly<Record<string, unknown>> = {},
): Promise<CfnTemplate> {
  const overrides = JSON.stringify(accessOverrides);
  const file = join(CACHE_DIR, `${tenant.id}-${sourcesHash(tenant, overrides)}.json`);
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as CfnTemplate;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'infra', 'local', 'iam', 'synth-template.ts'), JSON.stringify(tenant), overrides],
    { cwd: ROOT, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' } },
  );
  await mkdir(CACHE_DIR, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, stdout);
  await rename(partial, file);
  return JSON.parse(stdout) as CfnTemplate;
}

const pathOf = (r: Resource): string => String(r.Metadata?.['aws:cdk:path'] ?? '');

/** The local principal a role stands for, from its construct path. */
function principalOfRole(path: string): string | undefined {
  const step = /\/Steps\/([A-Za-z0-9]+)\/Role\/Resource$/.exec(path);
  if (step) return step[1];
  if (/\/Settlement\/StateMachine\/Role\/Resource$/.test(path)) return 'settlement-machine';
  if (/\/Nightly\/StateMachine\/Role\/Resource$/.test(path)) return 'nightly-machine';
  return undefined;
}

/** Resolves the tenant's template to local policies. */
export function resolvePolicies(template: CfnTemplate, names: LocalNames): LocalPolicies {
  const { region } = names;
  const arn = (service: string, resource: string, withRegion = true) =>
    `arn:aws:${service}:${withRegion ? region : ''}:${service === 's3' ? '' : LOCAL_ACCOUNT}:${resource}`;
  const refs = new Map<string, string>();
  const attrs = new Map<string, Record<string, string>>();
  let table = '';
  let bucket = '';
  let archiveBucket = '';
  const lockedBuckets: string[] = [];
  let key = '';
  let configurationSet: string | undefined;
  for (const [id, r] of Object.entries(template.Resources)) {
    const path = pathOf(r);
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
        table = arn('dynamodb', `table/${names.tableName}`);
        refs.set(id, names.tableName);
        attrs.set(id, { Arn: table });
        break;
      case 'AWS::S3::Bucket': {
        const name = /\/Data\/WorkingBucket\/Resource$/.test(path)
          ? names.bucketName
          : /\/Data\/Bucket\/Resource$/.test(path)
            ? names.archiveBucketName
            : `${names.bucketName}-${id.toLowerCase()}`;
        if (name === names.bucketName) bucket = `arn:aws:s3:::${name}`;
        if (name === names.archiveBucketName) archiveBucket = `arn:aws:s3:::${name}`;
        if (r.Properties?.ObjectLockEnabled === true) lockedBuckets.push(name);
        refs.set(id, name);
        attrs.set(id, { Arn: `arn:aws:s3:::${name}` });
        break;
      }
      case 'AWS::KMS::Key':
        key = arn('kms', `key/local-${names.tenantId}-${id}`);
        refs.set(id, `local-${names.tenantId}-${id}`);
        attrs.set(id, { Arn: key });
        break;
      case 'AWS::Lambda::Function': {
        const step = /\/Steps\/([A-Za-z0-9]+)\/Function\/Resource$/.exec(path)?.[1] ?? id;
        refs.set(id, step);
        attrs.set(id, { Arn: arn('lambda', `function:${step}`) });
        break;
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = String(r.Properties?.StateMachineName ?? id);
        refs.set(id, arn('states', `stateMachine:${name}`));
        attrs.set(id, { Name: name, Arn: arn('states', `stateMachine:${name}`) });
        break;
      }
      case 'AWS::IAM::Role': {
        const name = `local-${names.tenantId}-${principalOfRole(path) ?? id}`;
        refs.set(id, name);
        attrs.set(id, { Arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}` });
        break;
      }
      case 'AWS::SES::ConfigurationSet': {
        const name = String(r.Properties?.Name ?? id);
        configurationSet = arn('ses', `configuration-set/${name}`);
        refs.set(id, name);
        break;
      }
      case 'AWS::SecretsManager::Secret': {
        const name = String(r.Properties?.Name ?? id);
        refs.set(id, arn('secretsmanager', `secret:${name}-local`));
        break;
      }
      case 'AWS::IAM::ManagedPolicy': {
        const name = `local-${names.tenantId}-${id}`;
        refs.set(id, `arn:aws:iam::${LOCAL_ACCOUNT}:policy/${name}`);
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const name = String(r.Properties?.LogGroupName ?? `/local/${id}`);
        attrs.set(id, { Arn: arn('logs', `log-group:${name}:*`) });
        refs.set(id, name);
        break;
      }
      default:
        refs.set(id, arn('local', id));
        attrs.set(id, { Arn: arn('local', id) });
    }
  }
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': region,
    'AWS::AccountId': LOCAL_ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': `Settlement-${names.tenantId}`,
    'AWS::StackId': localStackId(names),
  };
  const resolveValue = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolveValue);
    if (!value || typeof value !== 'object') return value;
    if ('Ref' in value) {
      const name = String(value.Ref);
      return pseudo[name] ?? refs.get(name) ?? `unresolved:${name}`;
    }
    if ('Fn::GetAtt' in value) {
      const [id, attr] = value['Fn::GetAtt'] as [string, string];
      return attrs.get(id)?.[attr] ?? `unresolved:${id}.${attr}`;
    }
    if ('Fn::Join' in value) {
      const [sep, parts] = value['Fn::Join'] as [string, Json[]];
      return (resolveValue(parts) as Json[]).map(String).join(sep);
    }
    if ('Fn::Select' in value) {
      const [index, list] = value['Fn::Select'] as [number, Json];
      return (resolveValue(list) as Json[])[Number(index)] ?? null;
    }
    if ('Fn::Split' in value) {
      const [sep, source] = value['Fn::Split'] as [string, Json];
      return String(resolveValue(source)).split(sep);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v)]));
  };

  // Versions and aliases name their function or state machine: resolved once those are known. A
  // version is `1` locally (one deploy); an alias is `<function or machine ARN>:<name>`.
  const machineAliases = new Map<string, string>();
  const functionVersions: Record<string, string> = {};
  const versionsFirst = Object.entries(template.Resources).sort(
    ([, a], [, b]) => Number(a.Type.endsWith('Alias')) - Number(b.Type.endsWith('Alias')),
  );
  for (const [id, r] of versionsFirst) {
    const p = r.Properties ?? {};
    let qualified: string | undefined;
    switch (r.Type) {
      case 'AWS::Lambda::Version': {
        const step = String(resolveValue(p.FunctionName as Json));
        qualified = arn('lambda', `function:${step}:1`);
        functionVersions[step] = qualified;
        attrs.set(id, { Arn: qualified, Version: '1' });
        break;
      }
      case 'AWS::Lambda::Alias':
        qualified = arn(
          'lambda',
          `function:${String(resolveValue(p.FunctionName as Json))}:${String(p.Name)}`,
        );
        attrs.set(id, { AliasArn: qualified });
        break;
      case 'AWS::StepFunctions::StateMachineVersion':
        qualified = `${String(resolveValue(p.StateMachineArn as Json))}:1`;
        attrs.set(id, { Arn: qualified });
        break;
      case 'AWS::StepFunctions::StateMachineAlias': {
        const routes = (resolveValue(p.RoutingConfiguration as Json) as Array<Record<string, Json>>) ?? [];
        const version = String(routes[0]?.StateMachineVersionArn ?? '');
        const machine = version.slice(0, version.lastIndexOf(':'));
        qualified = `${machine}:${String(p.Name)}`;
        machineAliases.set(machine, qualified);
        attrs.set(id, { Arn: qualified });
        break;
      }
    }
    if (qualified) refs.set(id, qualified);
  }

  const identity = new Map<string, PolicyDocument[]>();
  const resource = new Map<string, PolicyDocument>();
  const roleIds = new Map<string, string>();
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    const principal = principalOfRole(pathOf(r));
    if (!principal) continue;
    roleIds.set(id, principal);
    const inline = (r.Properties?.Policies as Json[] | undefined) ?? [];
    identity.set(
      principal,
      inline.map((p) => resolveValue((p as Record<string, Json>).PolicyDocument as Json) as PolicyDocument),
    );
  }
  for (const r of Object.values(template.Resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::ManagedPolicy' && /\/Operator\/Policy\/Resource$/.test(pathOf(r))) {
      identity.set(STACK_OPERATOR, [resolveValue(p.PolicyDocument as Json) as PolicyDocument]);
    } else if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      for (const role of (p.Roles as Json[] | undefined) ?? []) {
        const principal = roleIds.get(String((role as { Ref?: string }).Ref));
        if (principal)
          identity.get(principal)?.push(resolveValue(p.PolicyDocument as Json) as PolicyDocument);
      }
    } else if (r.Type === 'AWS::S3::BucketPolicy') {
      resource.set(
        `arn:aws:s3:::${String(resolveValue(p.Bucket as Json))}`,
        resolveValue(p.PolicyDocument as Json) as PolicyDocument,
      );
    } else if (r.Type === 'AWS::KMS::Key') {
      resource.set(key, resolveValue(p.KeyPolicy as Json) as PolicyDocument);
    }
  }
  const machine = (name: string) =>
    [...refs.values()].find((v) => v.endsWith(`:stateMachine:${name}`)) ??
    arn('states', `stateMachine:${name}`);
  const aliasOf = (machineArn: string) => {
    const alias = machineAliases.get(machineArn);
    if (!alias) throw new Error(`the synthesized stack has no alias for ${machineArn}`);
    return alias;
  };
  const mailFrom = `settlements@${names.tenantId}.example`;
  const outputs = Object.fromEntries(
    Object.entries(template.Outputs ?? {}).map(([name, output]) => [
      name,
      String(resolveValue(output.Value)),
    ]),
  );
  return {
    identity,
    resource,
    outputs,
    arns: {
      table,
      bucket,
      archiveBucket,
      lockedBuckets,
      key,
      settlementMachine: machine(`settlement-${names.tenantId}`),
      nightlyMachine: machine(`settlement-nightly-${names.tenantId}`),
      settlementAlias: aliasOf(machine(`settlement-${names.tenantId}`)),
      nightlyAlias: aliasOf(machine(`settlement-nightly-${names.tenantId}`)),
      functionVersions,
      mailIdentities: [arn('ses', `identity/${mailFrom}`)],
      configurationSet,
      parameter: (name) => arn('ssm', `parameter/${name.replace(/^\//, '')}`),
    },
  };
}

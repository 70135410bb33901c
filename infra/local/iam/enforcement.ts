import { mkdir, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { type CallerCredentials, runWithCredentials } from '#adapters/clients.ts';
import type { StepAccess } from '#steps/declaration.ts';
import { splitMachineArn } from '../step-functions.ts';
import { coveredLabels } from './coverage.ts';
import { type AccessDeniedError, type AccessRequest, LocalIam } from './evaluate.ts';
import { accessKeyOf, LocalIdentities, type ObjectPut, OPERATOR, startGate } from './gate.ts';
import {
  type LocalPolicies,
  localStackId,
  localTenant,
  resolvePolicies,
  synthesizedTemplate,
} from './policies.ts';

/**
 * IAM as one tenant's stack enforces it, for anything that runs handlers on this machine (the local
 * runtime, handler-level tests): the tenant's policies as synthesized, one identity per function and
 * per state machine, every DynamoDB and S3 call checked by a gate in front of the emulator, and the
 * Step Functions / SES calls checked by whoever serves them (`authorizeAws`).
 */
export interface LocalEnforcement {
  readonly iam: LocalIam;
  readonly identities: LocalIdentities;
  readonly policies: LocalPolicies;
  /** Point the handlers' DynamoDB / S3 endpoints here (the gates), not at the emulators. */
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  /** Runs `fn` signing as `principal` (a step name such as `ComputeSettlement`, or a machine). */
  asPrincipal<T>(principal: string, fn: () => T): T;
  /** The credentials `principal` signs with. */
  credentialsOf(principal: string): CallerCredentials;
  /** Checks a Step Functions or SES request made by the signer of `req`; throws AccessDeniedException. */
  authorizeAws(
    req: IncomingMessage,
    service: 'states' | 'ses' | 'cloudformation' | 'ce' | 'ssm',
    action: string,
    body: Record<string, unknown>,
  ): Promise<void>;
  /** Closes the gates; with SETTLEMENT_IAM_USAGE set, writes what each principal was allowed to do. */
  close(): Promise<void>;
}

export interface EnforcementOptions {
  readonly tenantId: string;
  readonly region: string;
  readonly tableName: string;
  readonly bucketName: string;
  readonly archiveBucketName: string;
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  /** The operator's credentials (the CLI, test setup): not checked, as an administrator's are not. */
  readonly operator: CallerCredentials;
  /** Tests only: changes steps' declared access before the stack is synthesized. */
  readonly accessOverrides?: Readonly<Record<string, Partial<StepAccess>>>;
  readonly onDenied?: (denial: AccessDeniedError) => void;
  /** Told of every object PUT S3 stored, with its integrity headers. */
  readonly onObjectPut?: (put: ObjectPut) => void;
}

/**
 * A Step Functions API call as IAM authorizes it: a start through an alias or version is authorized on
 * the state machine's own ARN, with the qualifier as `states:StateMachineQualifier`.
 */
function sfnRequestOf(action: string, body: Record<string, unknown>): AccessRequest {
  const resource = sfnResourceOf(action, body);
  const { machineArn, qualifier } = splitMachineArn(resource);
  return {
    action: `states:${action}`,
    resource: machineArn,
    ...(qualifier === undefined ? {} : { context: { 'states:StateMachineQualifier': [qualifier] } }),
  };
}

/** The resource a Step Functions API call is authorized on. */
function sfnResourceOf(action: string, body: Record<string, unknown>): string {
  if (typeof body.executionArn === 'string') return body.executionArn;
  if (typeof body.stateMachineArn === 'string') return body.stateMachineArn;
  // Task-token actions have no resource type: IAM evaluates them on "*".
  return action.startsWith('SendTask') ? '*' : 'unknown';
}

export async function startEnforcement(options: EnforcementOptions): Promise<LocalEnforcement> {
  const { tenantId, region } = options;
  const tenant = localTenant(tenantId, region);
  const policies = resolvePolicies(await synthesizedTemplate(tenant, options.accessOverrides), {
    tenantId,
    region,
    tableName: options.tableName,
    bucketName: options.bucketName,
    archiveBucketName: options.archiveBucketName,
  });
  const iam = new LocalIam(policies, {
    tenantId,
    onDenied: (denial) => {
      options.onDenied?.(denial);
      const { request } = denial;
      process.stderr.write(
        `IAM denied ${denial.principal}: ${request.action} on ${request.resource}${request.context ? ` ${JSON.stringify(request.context)}` : ''}\n`,
      );
    },
  });
  const identities = new LocalIdentities(options.operator);
  // IAM authorizes DescribeStacks on `stack/<name>/<id>`: this tenant's stack, or any other by name.
  const stackArnOf = (nameOrId: string) =>
    nameOrId.startsWith('arn:')
      ? nameOrId
      : nameOrId === `Settlement-${tenantId}`
        ? localStackId({ tenantId, region })
        : `arn:aws:cloudformation:${region}:000000000000:stack/${nameOrId}/unknown`;
  // SSM encrypts and decrypts a SecureString with the caller's KMS permissions, the parameter's ARN
  // bound as encryption context.
  const ssmRequestsOf = (action: string, body: Record<string, unknown>): AccessRequest[] => {
    const parameter = policies.arns.parameter(String(body.Name ?? ''));
    const kms = (kmsAction: string): AccessRequest => ({
      action: kmsAction,
      resource: policies.arns.key,
      context: {
        'kms:EncryptionContext:PARAMETER_ARN': parameter,
        'kms:ViaService': `ssm.${region}.amazonaws.com`,
        'kms:CallerAccount': '000000000000',
      },
    });
    return [
      { action: `ssm:${action}`, resource: parameter },
      ...(action === 'GetParameter' && body.WithDecryption === true ? [kms('kms:Decrypt')] : []),
      ...(action === 'PutParameter' ? [kms('kms:Encrypt')] : []),
    ];
  };
  const gateContext = {
    iam,
    identities,
    region,
    ...(options.onObjectPut ? { onObjectPut: options.onObjectPut } : {}),
  };
  const dynamoGate = await startGate('dynamodb', options.dynamodbEndpoint, gateContext);
  const s3Gate = await startGate('s3', options.s3Endpoint, gateContext);

  return {
    iam,
    identities,
    policies,
    dynamodbEndpoint: dynamoGate.endpoint,
    s3Endpoint: s3Gate.endpoint,
    asPrincipal: (principal, fn) => runWithCredentials(identities.credentialsOf(principal), fn),
    credentialsOf: (principal) => identities.credentialsOf(principal),
    async authorizeAws(req, service, action, body) {
      const principal = identities.principalOf(accessKeyOf(req) ?? '');
      if (principal === OPERATOR) return;
      const requests: AccessRequest[] =
        service === 'ce'
          ? // Cost Explorer has no resource-level permissions: IAM evaluates its actions on "*".
            [{ action: `ce:${action}`, resource: '*' }]
          : service === 'ssm'
            ? ssmRequestsOf(action, body)
            : service === 'cloudformation'
              ? [{ action: `cloudformation:${action}`, resource: stackArnOf(String(body.StackName ?? '')) }]
              : service === 'ses'
                ? [
                    policies.arns.mailIdentities[0] ?? '',
                    ...(body.ConfigurationSetName ? [policies.arns.configurationSet ?? ''] : []),
                  ].map((resource) => ({
                    action: 'ses:SendEmail',
                    resource,
                    context: { 'ses:FromAddress': String(body.FromEmailAddress ?? '') },
                  }))
                : [sfnRequestOf(action, body)];
      try {
        await iam.authorize(principal ?? 'unknown caller', requests);
      } catch (error) {
        throw Object.assign(error as AccessDeniedError, { name: 'AccessDeniedException' });
      }
    },
    async close() {
      await dynamoGate.close();
      await s3Gate.close();
      // SETTLEMENT_IAM_USAGE=<dir> keeps what each principal was allowed to do: the grant-coverage
      // check of `npm test` reads it, and it shows what a new step needs.
      const dir = process.env.SETTLEMENT_IAM_USAGE;
      if (dir) {
        await mkdir(dir, { recursive: true });
        const used = {
          covered: coveredLabels(policies, iam.used),
          used: Object.fromEntries([...iam.used].map(([who, set]) => [who, [...set].sort()])),
        };
        await writeFile(
          join(
            dir,
            `${tenantId}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`,
          ),
          JSON.stringify(used),
        );
      }
    },
  };
}

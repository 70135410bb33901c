import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { getClients, resetClients } from '#adapters/clients.ts';
import { resetConfig } from '#adapters/config.ts';
import type { Clock } from '#approval/model.ts';
import { createApprovalStore } from '#approval/store.ts';
import type { ApprovalSummary } from '#approval/summary.ts';
import type { SettlementRef } from '#domain/workflow.ts';
import { type Emulators, LOCAL_REGION, provisionTenant, startEmulators } from '#local/emulators.ts';
import { type LocalEnforcement, startEnforcement } from '#local/iam/enforcement.ts';

/** What the fake AWS endpoint received. */
export interface Recorded {
  readonly taskSuccesses: { taskToken: string; output: string }[];
  readonly emails: { to: string[]; mime: string }[];
  /** Tokens for which SendTaskSuccess answers TaskTimedOut (a wait round that already ended). */
  readonly staleTokens: Set<string>;
}

/**
 * A tiny HTTP server playing the two AWS endpoints the approval flow calls: Step Functions
 * (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.SendTaskSuccess`) and SES v2
 * (`POST /v2/email/outbound-emails`, raw MIME). It records every call.
 */
export async function startFakeAws(
  authorize: LocalEnforcement['authorizeAws'],
): Promise<{ url: string; recorded: Recorded; stop(): Promise<void> }> {
  const recorded: Recorded = { taskSuccesses: [], emails: [], staleTokens: new Set() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = req.headers['x-amz-target'];
      // What the caller's synthesized policies refuse fails as AWS fails it.
      const service = typeof target === 'string' && target.startsWith('AWSStepFunctions.') ? 'states' : 'ses';
      const action = service === 'states' ? String(target).slice('AWSStepFunctions.'.length) : 'SendEmail';
      try {
        await authorize(req, service, action, JSON.parse(body || '{}') as Record<string, unknown>);
      } catch (error) {
        res.statusCode = service === 'states' ? 400 : 403;
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('x-amzn-errortype', 'AccessDeniedException');
        res.end(JSON.stringify({ __type: 'AccessDeniedException', message: (error as Error).message }));
        return;
      }
      if (req.method === 'POST' && target === 'AWSStepFunctions.SendTaskSuccess') {
        const input = JSON.parse(body) as { taskToken: string; output: string };
        res.setHeader('Content-Type', 'application/x-amz-json-1.0');
        if (recorded.staleTokens.has(input.taskToken)) {
          res.statusCode = 400;
          res.end(
            JSON.stringify({
              __type: 'com.amazonaws.swf.service.v2.model#TaskTimedOut',
              message: 'Task Timed Out',
            }),
          );
          return;
        }
        recorded.taskSuccesses.push(input);
        res.end('{}');
        return;
      }
      if (req.method === 'POST' && req.url === '/v2/email/outbound-emails') {
        const input = JSON.parse(body) as {
          Destination: { ToAddresses: string[] };
          Content: { Raw: { Data: string } };
        };
        recorded.emails.push({
          to: input.Destination.ToAddresses,
          mime: Buffer.from(input.Content.Raw.Data, 'base64').toString('utf8'),
        });
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ MessageId: `msg-${recorded.emails.length}` }));
        return;
      }
      res.statusCode = 404;
      res.end(
        JSON.stringify({
          __type: 'UnknownOperationException',
          message: `${req.method} ${req.url} ${target}`,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    recorded,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const TENANT = 'acme';
export const BASE_URL = 'https://approvals.acme.test';

export interface ApprovalTestEnv {
  readonly emulators: Emulators;
  readonly recorded: Recorded;
  /** IAM as the synthesized stack enforces it: run each handler as its own function. */
  readonly enforcement: LocalEnforcement;
  stop(): Promise<void>;
}

/** The operator (test setup, assertions): not checked, like an administrator. */
const OPERATOR_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Emulators + fake AWS endpoint + the environment the handlers read (set before they are imported). */
export async function startApprovalEnv(): Promise<ApprovalTestEnv> {
  const emulators = await startEmulators();
  const tableName = 'acme-settlement';
  const bucketName = 'acme-settlement';
  const archiveBucketName = 'acme-settlement-archive';
  await provisionTenant(emulators, { tableName, bucketName, archiveBucketName });
  const enforcement = await startEnforcement({
    tenantId: TENANT,
    region: LOCAL_REGION,
    tableName,
    bucketName,
    archiveBucketName,
    dynamodbEndpoint: emulators.dynamodbEndpoint,
    s3Endpoint: emulators.s3Endpoint,
    operator: OPERATOR_KEYS,
  });
  const aws = await startFakeAws(enforcement.authorizeAws);
  Object.assign(process.env, {
    TENANT_ID: TENANT,
    TABLE_NAME: tableName,
    BUCKET_NAME: bucketName,
    ARCHIVE_BUCKET_NAME: archiveBucketName,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: OPERATOR_KEYS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: OPERATOR_KEYS.secretAccessKey,
    DYNAMODB_ENDPOINT: enforcement.dynamodbEndpoint,
    S3_ENDPOINT: enforcement.s3Endpoint,
    SFN_ENDPOINT: aws.url,
    SES_ENDPOINT: aws.url,
    APPROVAL_BASE_URL: BASE_URL,
    MAIL_FROM: 'settlements@acme.example',
    APPROVAL_TTL_DAYS: '',
    APPROVAL_REMINDER_HOURS: '',
    APPROVAL_ESCALATION_HOURS: '',
  });
  resetConfig();
  resetClients();
  return {
    emulators,
    recorded: aws.recorded,
    enforcement,
    async stop() {
      resetClients();
      resetConfig();
      await aws.stop();
      await enforcement.close();
      await emulators.stop();
    },
  };
}

/** The store on the test table. */
export function testStore() {
  return createApprovalStore(getClients().ddb, process.env.TABLE_NAME ?? '');
}

/** A clock the test moves by hand. */
export function fakeClock(start: string): Clock & { advance(seconds: number): void; set(iso: string): void } {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance(seconds) {
      t += seconds * 1000;
    },
    set(iso) {
      t = Date.parse(iso);
    },
  };
}

let counter = 0;

export function settlementRef(overrides: Partial<SettlementRef> = {}): SettlementRef {
  counter += 1;
  const projectId = overrides.projectId ?? `p${counter}`;
  return {
    tenantId: TENANT,
    projectId,
    period: '2026-10',
    revision: 0,
    settlementId: `${projectId}_2026-10_r0`,
    asOf: '2026-11-01',
    charterVersion: 1,
    ...overrides,
  };
}

export const PM = { email: 'pm@acme.test', name: 'Pat Manager', role: 'Project manager' };
export const FINANCE = {
  email: 'fin@acme.test',
  name: 'Fin Ance',
  role: 'Finance',
  minAmount: '10000.00',
  backup: { email: 'cfo@acme.test', name: 'Cleo Officer' },
};

export function summaryFor(
  settlementId: string,
  overrides: { amount?: string; approvers?: ApprovalSummary['approval']['approvers']; name?: string } = {},
): ApprovalSummary {
  const amount = overrides.amount ?? '12345.60';
  return {
    settlementId,
    project: {
      id: settlementId.split('_')[0] ?? 'p',
      name: overrides.name ?? 'Harbour Bridge Portal',
      counterparty: 'Client AG',
    },
    period: { id: '2026-10', label: 'October 2026' },
    revision: 0,
    currency: 'EUR',
    totals: {
      cost: { amount: '9876.50', currency: 'EUR' },
      billing: { amount, currency: 'EUR' },
      budget: { amount: '9000.00', currency: 'EUR' },
    },
    topVariances: [
      {
        dimension: 'category',
        label: 'Materials',
        budget: { amount: '2000.00', currency: 'EUR' },
        actual: { amount: '2360.00', currency: 'EUR' },
        variance: { amount: '360.00', currency: 'EUR' },
        percent: '18.0',
        flagged: true,
        cause: 'Steel price increase',
      },
    ],
    checklist: [
      {
        id: 'acceptance',
        label: 'QA acceptance signed',
        status: 'passed',
        blocking: true,
        evidence: 'ACC-12',
      },
      { id: 'milestones', label: 'Milestones reached', status: 'warning', blocking: false },
    ],
    quarantined: 2,
    statement: {
      jsonKey: `drafts/${settlementId}/statement.json`,
      htmlKey: `drafts/${settlementId}/statement.html`,
      pdfKey: `drafts/${settlementId}/statement.pdf`,
    },
    approval: {
      amount: { amount, currency: 'EUR' },
      approvers: overrides.approvers ?? [PM],
      settings: { ttlDays: 3 / 24, reminderHours: 1, escalationHours: 2 },
    },
  };
}

export async function putSummary(summary: ApprovalSummary): Promise<void> {
  await getClients().s3.send(
    new PutObjectCommand({
      Bucket: process.env.BUCKET_NAME,
      Key: `drafts/${summary.settlementId}/summary.json`,
      Body: JSON.stringify(summary),
      ContentType: 'application/json',
    }),
  );
}

/** An HTTP API (payload 2.0) event as API Gateway — or the local runtime's server — sends it. */
export function apiEvent(
  method: string,
  target: string,
  options: { body?: string; headers?: Record<string, string>; base64?: boolean } = {},
): APIGatewayProxyEventV2 {
  const url = new URL(target, BASE_URL);
  const id = /\/approvals\/([^/]+)$/.exec(url.pathname)?.[1];
  const query = Object.fromEntries(url.searchParams);
  return {
    version: '2.0',
    routeKey: `${method} /approvals/{id}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: {
      host: url.host,
      ...(options.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...options.headers,
    },
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(id ? { pathParameters: { id } } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: url.host,
      domainPrefix: 'approvals',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.9',
        userAgent: 'vitest',
      },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: `${method} /approvals/{id}`,
      stage: '$default',
      time: '01/Nov/2026:10:00:00 +0000',
      timeEpoch: 0,
    },
    ...(options.body !== undefined
      ? {
          body: options.base64 ? Buffer.from(options.body).toString('base64') : options.body,
          isBase64Encoded: options.base64 ?? false,
        }
      : { isBase64Encoded: false }),
  } as APIGatewayProxyEventV2;
}

export const lambdaContext = {} as Context;

export type ApiResult = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
};

/** The form a browser posts. */
export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** A handler that signs every AWS call as the function `step` (its synthesized role), as in Lambda. */
export function asStep<E, R>(
  env: ApprovalTestEnv,
  step: 'RequestApproval' | 'HandleApprovalTimeout' | 'ApprovalApi',
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return (event, context) => env.enforcement.asPrincipal(step, () => handler(event, context));
}

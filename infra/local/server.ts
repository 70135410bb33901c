import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { LOCAL_CREDENTIALS } from './emulators.ts';
import type { LocalParameterStore } from './parameter-store.ts';
import { type SecretLookup, SigV4Error, verifySigV4 } from './sigv4.ts';
import {
  type ExecutionRecord,
  type HistoryEvent,
  LocalSfnError,
  type LocalStepFunctions,
} from './step-functions.ts';

/**
 * The local runtime's one HTTP server. It plays the AWS endpoints so that handler and CLI code is
 * the same as in the cloud:
 * - Step Functions (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.*`): SendTaskSuccess/Failure,
 *   StartExecution, DescribeExecution, GetExecutionHistory, ListExecutions, RedriveExecution — the SDK's SFNClient
 *   points here;
 * - CloudFormation (query protocol) `DescribeStacks` of the tenant's stack, answering its outputs
 *   with local names, so `settle … --stack` finds this runtime as it finds a deployed stack;
 * - Athena (StartQueryExecution, GetQueryExecution, GetQueryResults) on DuckDB, see athena.ts;
 * - Cost Explorer `GetCostAndUsage` (a stand-in answering documented response shapes, after the
 *   caller's policies allow `ce:GetCostAndUsage`);
 * - SES v2 `POST /v2/email/outbound-emails`: each raw MIME message becomes an `.eml` file in the outbox;
 * - SSM (AWS JSON 1.1, `X-Amz-Target: AmazonSSM.*`) GetParameter / PutParameter of SecureStrings, kept
 *   encrypted by the local parameter store (the tenant's connector credentials);
 * - API Gateway HTTP API: `GET|POST /approvals/{id}` become APIGatewayProxyEventV2 events for the
 *   same approval handler the cloud runs.
 *
 * It answers this machine only: connections from loopback, with a `Host` naming the server
 * (127.0.0.1, localhost or [::1] with its port, against DNS rebinding). The two AWS endpoints
 * further refuse anything a browser sends (an `Origin` or `Sec-Fetch-*` header, or a content type
 * other than the SDK's) and require SigV4 by one of the local run's keys, as the SDK signs.
 */
export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: unknown,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LocalServerOptions {
  readonly sfn: LocalStepFunctions;
  readonly outboxDir: string;
  /** Loads the approval HTTP handler (lazily: its module reads the environment on import). */
  readonly approvalHandler: () => Promise<HttpHandler>;
  readonly port?: number;
  /** Called after each email is written to the outbox. */
  readonly onEmail?: (email: OutboxEmail) => void;
  /**
   * Secret keys of the local run by access key id: the AWS endpoints accept requests signed by
   * one of them. @default the runtime's LOCAL_CREDENTIALS
   */
  readonly credentials?: SecretLookup;
  /**
   * Checks an AWS call (Step Functions, SES) against the caller's policies before it is served;
   * throws an error named `AccessDenied…` to refuse it. Default: everything allowed.
   */
  readonly authorize?: (
    req: IncomingMessage,
    service: 'states' | 'ses' | 'cloudformation' | 'ce' | 'ssm',
    action: string,
    body: Record<string, unknown>,
  ) => Promise<void>;
  /**
   * Cost Explorer's stand-in (AWS JSON 1.1, `X-Amz-Target: AWSInsightsIndexService.GetCostAndUsage`):
   * answers a request body with a documented response shape (tests serve saved responses).
   * @default an answer with no cost (no groups) for the window
   */
  readonly costExplorer?: (input: Record<string, unknown>) => unknown;
  /**
   * Athena's stand-in (AWS JSON 1.1, `X-Amz-Target: AmazonAthena.<Action>`): serves a signed request
   * (it checks the caller's policies itself). @default none: Athena calls answer UnknownOperation
   */
  readonly athena?: (req: IncomingMessage, action: string, body: Record<string, unknown>) => Promise<unknown>;
  /** SecureStrings served to SSM calls. @default none: every parameter is unknown */
  readonly parameters?: LocalParameterStore;
  /** The stack DescribeStacks describes (the tenant's, as deployed). @default none: every stack is unknown */
  readonly stack?: LocalStack;
}

/** A stack as DescribeStacks reports it. */
export interface LocalStack {
  readonly name: string;
  readonly id: string;
  /** Output name → value (read on each request: the server's own URL is one of them). */
  outputs(): Readonly<Record<string, string>>;
}

export interface OutboxEmail {
  readonly path: string;
  readonly to: string[];
  readonly mime: Buffer;
}

export interface LocalServer {
  readonly url: string;
  readonly emails: OutboxEmail[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** The port asked for is taken (another demo still running, or another program). */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  readonly port: number;
  constructor(port: number, options?: { cause?: unknown }) {
    super(`port ${port} on 127.0.0.1 is already in use`, options);
    this.port = port;
  }
}

/** Listens on 127.0.0.1:`port` (0: any free port); a taken port rejects with PortInUseError. */
export function listenOnLoopback(server: Server, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, { cause: error }) : error);
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** IPv4 loopback (127/8), IPv6 ::1, and IPv4-mapped loopback. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1';
}

/** The Host values that name this server (anything else is a rebinding or a mistake). */
function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

/** What a browser adds to a request and the SDK never sends. */
function fromBrowser(req: IncomingMessage): boolean {
  return (
    req.headers.origin !== undefined ||
    Object.keys(req.headers).some((name) => name.toLowerCase().startsWith('sec-fetch-'))
  );
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** An AWS-style error (JSON with __type and x-amzn-errortype), which the SDK surfaces by name. */
class AwsEndpointError extends HttpError {
  readonly type: string;
  constructor(status: number, type: string, message: string) {
    super(status, message);
    this.type = type;
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function epochSeconds(date: Date | undefined): number | undefined {
  return date ? date.getTime() / 1000 : undefined;
}

function describe(e: ExecutionRecord) {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: epochSeconds(e.startDate),
    stopDate: epochSeconds(e.stopDate),
    input: JSON.stringify(e.input),
    ...(e.output !== undefined ? { output: JSON.stringify(e.output) } : {}),
    ...(e.error ? { error: e.error, cause: e.cause } : {}),
    redriveCount: e.redriveCount,
    ...(e.redriveDate ? { redriveDate: epochSeconds(e.redriveDate) } : {}),
    redriveStatus: e.status === 'RUNNING' || e.status === 'SUCCEEDED' ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
    ...(e.status === 'RUNNING' || e.status === 'SUCCEEDED'
      ? { redriveStatusReason: `Execution is ${e.status} and cannot be redriven` }
      : {}),
  };
}

function handleSfn(sfn: LocalStepFunctions, action: string, body: Record<string, unknown>): unknown {
  switch (action) {
    case 'SendTaskSuccess':
      sfn.sendTaskSuccess(String(body.taskToken), String(body.output));
      return {};
    case 'SendTaskFailure':
      sfn.sendTaskFailure(
        String(body.taskToken),
        body.error === undefined ? undefined : String(body.error),
        body.cause === undefined ? undefined : String(body.cause),
      );
      return {};
    case 'SendTaskHeartbeat':
      return {};
    case 'StartExecution': {
      const e = sfn.startExecution(
        String(body.stateMachineArn),
        JSON.parse(String(body.input ?? '{}')),
        body.name === undefined ? undefined : String(body.name),
      );
      return { executionArn: e.executionArn, startDate: epochSeconds(e.startDate) };
    }
    case 'DescribeExecution':
      return describe(sfn.describeExecution(String(body.executionArn)));
    case 'GetExecutionHistory':
      return executionHistory(sfn.describeExecution(String(body.executionArn)), body);
    case 'RedriveExecution': {
      const e = sfn.redriveExecution(String(body.executionArn));
      return { redriveDate: epochSeconds(e.redriveDate) };
    }
    case 'ListExecutions':
      return {
        executions: sfn
          .listExecutions(body.stateMachineArn === undefined ? undefined : String(body.stateMachineArn))
          .filter((e) => !body.statusFilter || e.status === body.statusFilter)
          .map(describe),
      };
    default:
      throw new LocalSfnError('UnknownOperationException', `The local runtime does not implement ${action}`);
  }
}

/** A state's type as AWS names it in history event types (`Task`, `Map`, `Choice`, …). */
const stateTypeOf = (e: HistoryEvent) => e.stateType ?? 'Task';

/**
 * The local history in the shape of AWS GetExecutionHistory: `ExecutionStarted`, then
 * `<Type>StateEntered` / `<Type>StateExited` with the state's name (and input on entry), `TaskFailed`
 * for a failed attempt, `TaskScheduled` for a retry, `TaskSubmitted` when a `.waitForTaskToken`
 * task waits, and the execution's end. Paged by `maxResults` / `nextToken`.
 */
export function executionHistory(e: ExecutionRecord, body: Record<string, unknown> = {}) {
  const events: Record<string, unknown>[] = [
    {
      type: 'ExecutionStarted',
      timestamp: epochSeconds(e.startDate),
      executionStartedEventDetails: { input: JSON.stringify(e.input) },
    },
  ];
  // Each state event links to the previous event of the same state and Map iteration, as AWS links
  // an event to its cause (so a follower can tell parallel iterations apart); others to the one before.
  const causes: number[] = [];
  const lastOf = new Map<string, number>();
  for (const event of e.history) {
    const name = event.state ?? '';
    const at = event.timestamp / 1000;
    const key = `${name}#${event.iteration ?? ''}`;
    const before = events.length;
    switch (event.type) {
      case 'StateEntered':
        events.push({
          type: `${stateTypeOf(event)}StateEntered`,
          timestamp: at,
          stateEnteredEventDetails: { name, input: JSON.stringify(event.input ?? {}) },
        });
        break;
      case 'StateExited':
        events.push({
          type: `${stateTypeOf(event)}StateExited`,
          timestamp: at,
          stateExitedEventDetails: { name },
        });
        break;
      case 'StateFailed':
        events.push({
          type: 'TaskFailed',
          timestamp: at,
          taskFailedEventDetails: {
            resourceType: 'lambda',
            resource: 'invoke',
            error: event.error,
            cause: event.cause,
          },
        });
        break;
      case 'StateRetried':
        events.push({
          type: 'TaskScheduled',
          timestamp: at,
          taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke' },
        });
        break;
      case 'TaskSubmitted':
        events.push({
          type: 'TaskSubmitted',
          timestamp: at,
          taskSubmittedEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' },
        });
        break;
    }
    for (let i = before; i < events.length; i += 1) {
      causes[i] = event.type === 'StateEntered' ? i : (lastOf.get(key) ?? i);
      lastOf.set(key, i + 1);
    }
  }
  const end = epochSeconds(e.stopDate);
  if (e.status === 'SUCCEEDED')
    events.push({
      type: 'ExecutionSucceeded',
      timestamp: end,
      executionSucceededEventDetails: { output: JSON.stringify(e.output ?? null) },
    });
  else if (e.status === 'FAILED')
    events.push({
      type: 'ExecutionFailed',
      timestamp: end,
      executionFailedEventDetails: { error: e.error, cause: e.cause },
    });
  else if (e.status === 'ABORTED') events.push({ type: 'ExecutionAborted', timestamp: end });
  else if (e.status === 'TIMED_OUT') events.push({ type: 'ExecutionTimedOut', timestamp: end });
  const numbered = events.map((event, i) => ({ ...event, id: i + 1, previousEventId: causes[i] ?? i }));
  if (body.reverseOrder === true) numbered.reverse();
  const start = body.nextToken === undefined ? 0 : Number(body.nextToken);
  const max = Math.min(Math.max(Number(body.maxResults ?? 100) || 100, 1), 1000);
  const page = numbered.slice(start, start + max);
  return {
    events: page,
    ...(start + max < numbered.length ? { nextToken: String(start + max) } : {}),
  };
}

/** An SSM error the SDK surfaces by name (ParameterNotFound, ValidationException, …). */
class SsmError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The SSM actions the product uses, on SecureStrings only (standard tier: at most 4 KB). */
async function handleSsm(
  parameters: LocalParameterStore | undefined,
  action: string,
  body: Record<string, unknown>,
): Promise<unknown> {
  if (!parameters) throw new SsmError('UnknownOperationException', 'The local runtime keeps no parameters');
  const name = String(body.Name ?? '');
  switch (action) {
    case 'GetParameter': {
      const p = await parameters.get(name);
      if (body.WithDecryption !== true)
        throw new SsmError(
          'ValidationException',
          'The local runtime answers SecureStrings WithDecryption only',
        );
      return {
        Parameter: {
          Name: p.name,
          Type: 'SecureString',
          Value: p.value,
          Version: p.version,
          LastModifiedDate: Date.parse(p.lastModified) / 1000,
          ARN: p.arn,
          DataType: 'text',
        },
      };
    }
    case 'PutParameter': {
      const value = String(body.Value ?? '');
      if (body.Type !== 'SecureString')
        throw new SsmError('ValidationException', 'The local runtime stores SecureString parameters only');
      if (Buffer.byteLength(value) > 4096 && body.Tier !== 'Advanced')
        throw new SsmError(
          'ValidationException',
          'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.',
        );
      const version = await parameters.put(name, value, body.Overwrite === true);
      return { Version: version, Tier: body.Tier ?? 'Standard' };
    }
    default:
      throw new SsmError('UnknownOperationException', `The local runtime does not implement ${action}`);
  }
}

const xmlText = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** CloudFormation's query-protocol answer to DescribeStacks, or its error for an unknown stack. */
function describeStacks(
  stack: LocalStack | undefined,
  params: URLSearchParams,
): { status: number; xml: string } {
  const asked = params.get('StackName') ?? '';
  const requestId = randomUUID();
  if (!stack || (asked !== stack.name && asked !== stack.id)) {
    return {
      status: 400,
      xml: `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${xmlText(asked)} does not exist</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  const outputs = Object.entries(stack.outputs())
    .map(
      ([key, value]) =>
        `<member><OutputKey>${xmlText(key)}</OutputKey><OutputValue>${xmlText(value)}</OutputValue></member>`,
    )
    .join('');
  return {
    status: 200,
    xml:
      `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
      `<StackName>${xmlText(stack.name)}</StackName><StackId>${xmlText(stack.id)}</StackId>` +
      `<CreationTime>1970-01-01T00:00:00.000Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>` +
      `<Outputs>${outputs}</Outputs></member></Stacks></DescribeStacksResult>` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
  };
}

function toApiGatewayEvent(req: IncomingMessage, url: URL, body: Buffer, id: string): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const method = req.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: `${method} /approvals/{id}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    pathParameters: { id },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${method} /approvals/{id}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    ...(body.length ? { body: body.toString('utf8') } : {}),
    isBase64Encoded: false,
  };
}

const lambdaContext = {
  functionName: 'approval-api',
  awsRequestId: 'local',
  getRemainingTimeInMillis: () => 30_000,
};

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const emails: OutboxEmail[] = [];
  let sequence = 0;
  await mkdir(options.outboxDir, { recursive: true });

  const credentials: SecretLookup = options.credentials ?? {
    [LOCAL_CREDENTIALS.accessKeyId]: LOCAL_CREDENTIALS.secretAccessKey,
  };
  let hosts = new Set<string>();

  /** Loopback and a Host naming this server: for every route. */
  function checkOrigin(req: IncomingMessage): void {
    if (!isLoopback(req.socket.remoteAddress))
      throw new HttpError(403, 'Only this machine may call the local runtime');
    if (!hosts.has((req.headers.host ?? '').toLowerCase())) throw new HttpError(421, 'Unknown Host');
  }

  /** The AWS endpoints: no browser, the SDK's content type, a valid signature by a local key. */
  async function readSignedBody(req: IncomingMessage, contentType: string, limit: number): Promise<Buffer> {
    if (fromBrowser(req))
      throw new AwsEndpointError(403, 'AccessDeniedException', 'Browser requests are refused');
    if (mediaType(req) !== contentType)
      throw new AwsEndpointError(415, 'UnsupportedMediaTypeException', `Content-Type must be ${contentType}`);
    const body = await readBody(req, limit);
    try {
      await verifySigV4(
        { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers },
        body,
        credentials,
      );
    } catch (error) {
      if (!(error instanceof SigV4Error)) throw error;
      const type =
        error.reason === 'unknown-key' ? 'UnrecognizedClientException' : 'InvalidSignatureException';
      throw new AwsEndpointError(403, type, error.message);
    }
    return body;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    checkOrigin(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const target = req.headers['x-amz-target'];
    if (req.method === 'POST' && typeof target === 'string' && target.startsWith('AWSStepFunctions.')) {
      const raw = await readSignedBody(req, 'application/x-amz-json-1.0', MAX_BODY_BYTES);
      const body = JSON.parse(raw.toString('utf8') || '{}');
      try {
        const action = target.slice('AWSStepFunctions.'.length);
        await options.authorize?.(req, 'states', action, body);
        const result = handleSfn(options.sfn, action, body);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(result));
      } catch (error) {
        const err = error as Error;
        res
          .writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': err.name })
          .end(JSON.stringify({ __type: err.name, message: err.message }));
      }
      return;
    }
    if (
      req.method === 'POST' &&
      typeof target === 'string' &&
      target.startsWith('AWSInsightsIndexService.')
    ) {
      const raw = await readSignedBody(req, 'application/x-amz-json-1.1', MAX_BODY_BYTES);
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      const json = { 'content-type': 'application/x-amz-json-1.1' };
      try {
        const action = target.slice('AWSInsightsIndexService.'.length);
        if (action !== 'GetCostAndUsage')
          throw new LocalSfnError(
            'UnknownOperationException',
            `The local runtime does not implement ${action}`,
          );
        await options.authorize?.(req, 'ce', action, body);
        const answer = options.costExplorer?.(body) ?? {
          GroupDefinitions: body.GroupBy ?? [],
          ResultsByTime: [],
        };
        res.writeHead(200, json).end(JSON.stringify(answer));
      } catch (error) {
        const err = error as Error;
        res
          .writeHead(400, { ...json, 'x-amzn-errortype': err.name })
          .end(JSON.stringify({ __type: err.name, message: err.message }));
      }
      return;
    }
    if (req.method === 'POST' && typeof target === 'string' && target.startsWith('AmazonAthena.')) {
      const raw = await readSignedBody(req, 'application/x-amz-json-1.1', MAX_BODY_BYTES);
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      const json = { 'content-type': 'application/x-amz-json-1.1' };
      try {
        const action = target.slice('AmazonAthena.'.length);
        if (!options.athena)
          throw new LocalSfnError('UnknownOperationException', 'The local runtime serves no Athena here');
        const answer = await options.athena(req, action, body);
        res.writeHead(200, json).end(JSON.stringify(answer));
      } catch (error) {
        const err = error as Error;
        const name = err.name.startsWith('AccessDenied') ? 'AccessDeniedException' : err.name;
        res
          .writeHead(400, { ...json, 'x-amzn-errortype': name })
          .end(JSON.stringify({ __type: name, Message: err.message }));
      }
      return;
    }
    if (req.method === 'POST' && typeof target === 'string' && target.startsWith('AmazonSSM.')) {
      const raw = await readSignedBody(req, 'application/x-amz-json-1.1', 64 * 1024);
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      try {
        const action = target.slice('AmazonSSM.'.length);
        await options.authorize?.(req, 'ssm', action, body);
        const result = await handleSsm(options.parameters, action, body);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(result));
      } catch (error) {
        const err = error as Error;
        const type = err.name.startsWith('AccessDenied') ? 'AccessDeniedException' : err.name;
        res
          .writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type })
          .end(JSON.stringify({ __type: type, message: err.message }));
      }
      return;
    }
    if (req.method === 'POST' && url.pathname === '/' && target === undefined) {
      // CloudFormation's query protocol: a signed form with `Action=…`.
      const raw = await readSignedBody(req, 'application/x-www-form-urlencoded', 64 * 1024);
      const params = new URLSearchParams(raw.toString('utf8'));
      const action = params.get('Action') ?? '';
      const xmlHeaders = { 'content-type': 'text/xml' };
      try {
        if (action !== 'DescribeStacks')
          throw new LocalSfnError('InvalidAction', `The local runtime does not implement ${action}`);
        await options.authorize?.(req, 'cloudformation', action, {
          StackName: params.get('StackName') ?? '',
        });
      } catch (error) {
        const err = error as Error;
        res
          .writeHead(err.name.startsWith('AccessDenied') ? 403 : 400, xmlHeaders)
          .end(
            `<ErrorResponse><Error><Type>Sender</Type><Code>${xmlText(err.name.startsWith('AccessDenied') ? 'AccessDenied' : err.name)}</Code><Message>${xmlText(err.message)}</Message></Error><RequestId>local</RequestId></ErrorResponse>`,
          );
        return;
      }
      const answer = describeStacks(options.stack, params);
      res.writeHead(answer.status, xmlHeaders).end(answer.xml);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/v2/email/outbound-emails') {
      const body = JSON.parse(
        (await readSignedBody(req, 'application/json', 40 * 1024 * 1024)).toString('utf8'),
      );
      try {
        await options.authorize?.(req, 'ses', 'SendEmail', body);
      } catch (error) {
        res
          .writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' })
          .end(JSON.stringify({ message: (error as Error).message }));
        return;
      }
      const data = body?.Content?.Raw?.Data;
      if (typeof data !== 'string') throw new HttpError(400, 'Only raw MIME messages are supported locally');
      const mime = Buffer.from(data, 'base64');
      const to: string[] = [
        ...(body.Destination?.ToAddresses ?? []),
        ...(body.Destination?.CcAddresses ?? []),
      ];
      sequence += 1;
      const messageId = `local-${Date.now()}-${String(sequence).padStart(4, '0')}`;
      const path = join(options.outboxDir, `${messageId}.eml`);
      await writeFile(path, mime);
      const email = { path, to, mime };
      emails.push(email);
      options.onEmail?.(email);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ MessageId: messageId }));
      return;
    }
    const approval = /^\/approvals\/([^/]+)$/.exec(url.pathname);
    if (approval && (req.method === 'GET' || req.method === 'POST')) {
      const body = req.method === 'POST' ? await readBody(req, 64 * 1024) : Buffer.alloc(0);
      let id: string;
      try {
        id = decodeURIComponent(approval[1] ?? '');
      } catch {
        // API Gateway answers a malformed escape before any Lambda runs.
        throw new HttpError(400, 'Malformed path');
      }
      const handler = await options.approvalHandler();
      const result = await handler(toApiGatewayEvent(req, url, body, id), lambdaContext);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
      res.writeHead(result.statusCode ?? 200, headers);
      res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
      return;
    }
    throw new HttpError(404, 'Not found');
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof AwsEndpointError) {
        if (!res.headersSent)
          res.writeHead(error.status, { 'content-type': 'application/json', 'x-amzn-errortype': error.type });
        res.end(JSON.stringify({ __type: error.type, message: error.message }));
        return;
      }
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof HttpError ? error.message : 'Internal error';
      if (status >= 500) console.error('local server error', error);
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(message);
    });
  });
  const port = await listenOnLoopback(server, options.port ?? 0);
  hosts = allowedHosts(port);
  return {
    url: `http://127.0.0.1:${port}`,
    emails,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

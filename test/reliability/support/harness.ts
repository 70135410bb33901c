import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { getClients, instrumentClients } from '#adapters/clients.ts';
import { loadConfig } from '#adapters/config.ts';
import { getObject, listKeys } from '#adapters/objects.ts';
import { getArchiveHead, getPeriodLock, getSettlement } from '#adapters/settlement-store.ts';
import { type ArchiveVerification, verifyArchive } from '#archive/archive.ts';
import { recordedHead, tenantBlobStore } from '#archive/settlement-archive.ts';
import type { SettlementState } from '#domain/workflow.ts';
import { approveByLink } from '#local/demo.ts';
import { approvalLinks } from '#local/outbox.ts';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '#local/runtime.ts';
import { type ExecutionRecord, functionNameOf, type LambdaInvoker } from '#local/step-functions.ts';
import { importProject } from '#local/tenant-files.ts';

/**
 * The reliability suite's harness: the real local runtime (dynalite, s3rver, the settlement ASL,
 * the production handlers) with faults injected from the outside only — around the runtime's
 * Lambda invoker (a step crashes before or after its handler ran) and in the SDK clients'
 * middleware stacks (DynamoDB / S3 throttling and 5xx while a given step runs). Nothing here
 * touches a production handler.
 */

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const DEMO = join(ROOT, 'demo', 'acme');

export const DEMO_INPUT = {
  tenantId: 'acme',
  projectId: 'atlas-portal',
  period: '2026-10',
  revision: 0,
  asOf: '2026-11-05',
} as const;

/** The Lambda functions the settlement's main path runs, with the ASL state that runs each. */
export const MAIN_PATH = [
  { state: 'Open', fn: 'OpenSettlement' },
  { state: 'Collect', fn: 'CollectSource' },
  { state: 'Compute', fn: 'ComputeSettlement' },
  { state: 'Verify', fn: 'VerifyContract' },
  { state: 'Draft', fn: 'DraftStatement' },
  { state: 'Approve', fn: 'RequestApproval' },
  { state: 'Finalise', fn: 'FinaliseSettlement' },
  { state: 'Archive', fn: 'ArchiveSettlement' },
  { state: 'Notify', fn: 'DistributeStatement' },
] as const;

export type CrashMode = 'before' | 'after';

interface CrashFault {
  readonly fn: string;
  readonly when: CrashMode;
  /** The error name Step Functions sees: a Lambda service error is retried, a plain Error is not. */
  readonly errorName: string;
  remaining: number;
}

interface SdkFault {
  readonly fn: string | '*';
  readonly client: 'ddb' | 's3' | 'ses';
  readonly error: () => Error;
  /** Only commands whose name matches (e.g. /Put/); all when omitted. */
  readonly command?: RegExp;
  /** Let this many matching calls through before failing (a crash part-way through a step). */
  skip: number;
  remaining: number;
  fired: number;
}

export const sdkErrors = {
  throttling: () =>
    Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
      $retryable: { throttling: true },
    }),
  serverError: () =>
    Object.assign(new Error('We encountered an internal error. Please try again.'), {
      name: 'InternalServerError',
      $metadata: { httpStatusCode: 500 },
    }),
  s3SlowDown: () =>
    Object.assign(new Error('Please reduce your request rate.'), {
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503 },
    }),
  accessDenied: () =>
    Object.assign(new Error('Access Denied'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    }),
  /** SES answered and refused the message: provably not sent. */
  messageRejected: () =>
    Object.assign(new Error('Email address is not verified.'), {
      name: 'MessageRejected',
      $metadata: { httpStatusCode: 400 },
    }),
};

export class Faults {
  readonly crashes: CrashFault[] = [];
  readonly sdk: SdkFault[] = [];
  /** Functions running now (the Map runs CollectSource concurrently). */
  readonly active = new Map<string, number>();
  readonly invocations: Array<{ fn: string; outcome: 'ok' | 'crashed' | 'error' }> = [];

  crash(fn: string, when: CrashMode, errorName = 'Error', times = 1): void {
    this.crashes.push({ fn, when, errorName, remaining: times });
  }

  failSdk(
    fn: string | '*',
    client: 'ddb' | 's3' | 'ses',
    error: () => Error,
    times: number,
    options: { command?: RegExp; skip?: number } = {},
  ): SdkFault {
    const fault: SdkFault = {
      fn,
      client,
      error,
      remaining: times,
      skip: options.skip ?? 0,
      fired: 0,
      ...(options.command ? { command: options.command } : {}),
    };
    this.sdk.push(fault);
    return fault;
  }

  clear(): void {
    this.crashes.length = 0;
    this.sdk.length = 0;
  }

  takeCrash(fn: string, when: CrashMode): CrashFault | undefined {
    const fault = this.crashes.find((c) => c.fn === fn && c.when === when && c.remaining > 0);
    if (fault) fault.remaining -= 1;
    return fault;
  }

  sdkFaultFor(client: 'ddb' | 's3' | 'ses', command: string): SdkFault | undefined {
    for (const fault of this.sdk) {
      if (fault.client !== client || fault.remaining <= 0) continue;
      if (fault.fn !== '*' && !this.active.get(fault.fn)) continue;
      if (fault.command && !fault.command.test(command)) continue;
      if (fault.skip > 0) {
        fault.skip -= 1;
        return undefined;
      }
      fault.remaining -= 1;
      fault.fired += 1;
      return fault;
    }
    return undefined;
  }
}

export class StepCrash extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface Harness {
  readonly runtime: LocalRuntime;
  readonly faults: Faults;
  readonly links: string[];
  /** Starts a settlement and approves every approval link it sends until it ends. */
  settle(
    input: Record<string, unknown>,
    name: string,
    options?: { approve?: boolean },
  ): Promise<ExecutionRecord>;
  stop(): Promise<void>;
}

/**
 * Starts the local runtime for a tenant with fault injection installed. One runtime per process
 * at a time (the runtime configures the handlers through process.env).
 */
export async function startHarness(
  tenantId: string,
  options: Partial<Pick<LocalRuntimeOptions, 'env'>> = {},
): Promise<Harness> {
  const links: string[] = [];
  const runtime = await startLocalRuntime({
    tenantId,
    retryIntervalMs: 0,
    onEmail: (email) => links.push(...approvalLinks(email.mime)),
    ...(options.env ? { env: options.env } : {}),
  });
  const faults = new Faults();
  // The runtime's invoker is private; the suite wraps it (tests only) instead of adding hooks to it.
  const sfn = runtime.sfn as unknown as { options: { invokeLambda: LambdaInvoker } };
  const inner = sfn.options.invokeLambda;
  sfn.options = {
    ...sfn.options,
    invokeLambda: async (functionArn, payload) => {
      const fn = functionNameOf(functionArn);
      const before = faults.takeCrash(fn, 'before');
      if (before) {
        faults.invocations.push({ fn, outcome: 'crashed' });
        throw new StepCrash(before.errorName, `injected crash of ${fn} before it ran`);
      }
      faults.active.set(fn, (faults.active.get(fn) ?? 0) + 1);
      try {
        const result = await inner(functionArn, payload);
        const after = faults.takeCrash(fn, 'after');
        if (after) {
          faults.invocations.push({ fn, outcome: 'crashed' });
          throw new StepCrash(after.errorName, `injected crash of ${fn} after it ran (result lost)`);
        }
        faults.invocations.push({ fn, outcome: 'ok' });
        return result;
      } catch (error) {
        if (!(error instanceof StepCrash)) faults.invocations.push({ fn, outcome: 'error' });
        throw error;
      } finally {
        faults.active.set(fn, (faults.active.get(fn) ?? 1) - 1);
      }
    },
  };
  const uninstall = installSdkFaults(faults);

  return {
    runtime,
    faults,
    links,
    async settle(input, name, settleOptions = {}) {
      const execution = runtime.sfn.startExecution(runtime.settlementArn, input, name);
      if (settleOptions.approve === false) {
        await execution.done;
        return execution;
      }
      while (execution.status === 'RUNNING') {
        const link = await Promise.race([
          nextLink(links, () => execution.status !== 'RUNNING'),
          execution.done.then(() => undefined),
        ]);
        if (link) await approveByLink(link).catch(() => undefined);
      }
      return execution;
    },
    async stop() {
      faults.clear();
      uninstall();
      await runtime.stop();
      await rm(join(runtime.outboxDir, '..'), { recursive: true, force: true });
    },
  };
}

async function nextLink(links: string[], done: () => boolean): Promise<string | undefined> {
  for (let i = 0; i < 2000; i += 1) {
    const link = links.shift();
    if (link) return link;
    if (done()) return undefined;
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}

/** Adds the fault middleware to every caller's SDK clients (each function signs with its own). */
export function installSdkFaults(faults: Faults): () => void {
  const add = (stack: { add: (...args: never[]) => void }, client: 'ddb' | 's3' | 'ses') =>
    stack.add(
      ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          const fault = faults.sdkFaultFor(client, context.commandName ?? '');
          if (fault) throw fault.error();
          return next(args);
        }) as never,
      { step: 'initialize', name: `reliabilityFaults-${client}`, override: true } as never,
    );
  return instrumentClients((clients) => {
    add(clients.ddb.middlewareStack as never, 'ddb');
    add(clients.s3.middlewareStack as never, 's3');
    add(clients.ses.middlewareStack as never, 'ses');
  });
}

export async function importDemo(charter?: (c: Record<string, unknown>) => Record<string, unknown>) {
  if (!charter) return importProject(join(DEMO, 'charter.json'), DEMO);
  const text = JSON.parse(await readFile(join(DEMO, 'charter.json'), 'utf8')) as Record<string, unknown>;
  const path = join(ROOT, '.local', `reliability-charter-${process.pid}-${Date.now()}.json`);
  await writeFile(path, JSON.stringify(charter(text)));
  try {
    return await importProject(path, DEMO);
  } finally {
    await rm(path, { force: true });
  }
}

/** Every item of a partition (counting what was stored). */
export async function partition(pk: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await getClients().ddb.send(
      new QueryCommand({
        TableName: loadConfig().tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** What Finalise writes for the demo charter: the internal statement, the client's, the zh-CN brief, the plan. */
export const FINAL_FILES = [
  'client-statement.en.csv',
  'client-statement.en.html',
  'client-statement.en.pdf',
  'client-statement.en.xlsx',
  'distribution.json',
  'journal.csv',
  'journal.json',
  'journal.quickbooks.csv',
  'journal.sap.xml',
  'statement.csv',
  'statement.html',
  'statement.json',
  'statement.pdf',
  'statement.xlsx',
  'statement.zh-CN.csv',
  'statement.zh-CN.html',
  'statement.zh-CN.pdf',
  'statement.zh-CN.xlsx',
];

/** What a settlement left behind: the figures the suite compares and counts. */
export interface Snapshot {
  readonly status: string | undefined;
  readonly errorName: string | undefined;
  readonly statementNumber: string | undefined;
  readonly locked: boolean;
  readonly lockSettlementId: string | undefined;
  readonly records: number;
  readonly recordKeys: number;
  readonly recordChanges: number;
  readonly quarantine: number;
  readonly raw: number;
  readonly finalFiles: string[];
  readonly statementJson: string | undefined;
  readonly archiveKeys: string[];
  readonly verification: ArchiveVerification;
  readonly counter: number;
  readonly emails: string[];
}

export async function snapshot(projectId: string, period: string, revision: number): Promise<Snapshot> {
  const settlementId = `${projectId}_${period}_r${revision}`;
  const item = await getSettlement(projectId, period, revision);
  const lock = await getPeriodLock(projectId, period);
  const records = await partition(`RECORDS#${projectId}`);
  const changes = await partition(`RECCHANGE#${projectId}`);
  const quarantine = await partition(`QUARANTINE#${settlementId}`);
  const counters = await partition('COUNTER#STATEMENT');
  const finalKeys = await listKeys(`final/${settlementId}/`);
  const statement = await getObject(`final/${settlementId}/statement.json`);
  const recordKeys = new Set(
    records.map((r) => {
      const rec = r.record as { source: string; sourceId: string };
      return `${rec.source}#${rec.sourceId}`;
    }),
  );
  return {
    status: item?.status,
    errorName: (item?.error as { name?: string } | undefined)?.name,
    statementNumber: item?.statementNumber as string | undefined,
    locked: lock !== undefined,
    lockSettlementId: lock?.settlementId as string | undefined,
    records: records.length,
    recordKeys: recordKeys.size,
    recordChanges: changes.length,
    quarantine: quarantine.length,
    raw: (await listKeys(`raw/${settlementId}/`)).length,
    finalFiles: finalKeys.map((k) => k.slice(`final/${settlementId}/`.length)),
    statementJson: statement ? new TextDecoder().decode(statement) : undefined,
    archiveKeys: await listKeys('archive/'),
    verification: await verifyTenantArchive(),
    counter: counters.reduce((max, c) => Math.max(max, Number(c.value ?? 0)), 0),
    emails: await listKeys(`emails/${settlementId}/`),
  };
}

export async function verifyTenantArchive(): Promise<ArchiveVerification> {
  const head = await recordedHead();
  return verifyArchive(tenantBlobStore(), loadConfig().tenantId, { head });
}

export { getArchiveHead };

export function outcomeOf(execution: ExecutionRecord): string | undefined {
  return (execution.output as SettlementState | undefined)?.outcome;
}

export function describeExecution(execution: ExecutionRecord): string {
  const failed = execution.history
    .filter((e) => e.type === 'StateFailed' || e.type === 'StateRetried')
    .map((e) => `${e.type} ${e.state}: ${e.error ?? ''} ${e.cause?.slice(0, 200) ?? ''}`);
  return `${execution.name}: ${execution.status} ${execution.error ?? ''} ${execution.cause?.slice(0, 300) ?? ''} ${failed.join(' | ')}`;
}

/** Archive prefixes (settlement ids) that have files but no manifest. */
export function incompletePrefixes(archiveKeys: readonly string[]): string[] {
  const prefixes = new Set(archiveKeys.map((k) => k.split('/')[1] ?? ''));
  return [...prefixes].filter((p) => !archiveKeys.includes(`archive/${p}/manifest.json`));
}

/** The emails the local SES endpoint received for one settlement (raw MIME), in the order sent. */
export async function outboxOf(h: Harness, settlementId: string): Promise<string[]> {
  const files = (await readdir(h.runtime.outboxDir)).filter((f) => f.endsWith('.eml')).sort();
  const mimes = await Promise.all(files.map((f) => readFile(join(h.runtime.outboxDir, f), 'utf8')));
  return mimes.filter((mime) => new RegExp(`^X-Settlement-Id: ${settlementId}\\s*$`, 'im').test(mime));
}

/** The `To:` header of a MIME message. */
export function toLine(mime: string): string {
  return /^To: (.*)$/m.exec(mime)?.[1] ?? '';
}

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { getClients } from '#adapters/clients.ts';
import { getJson, getObject, listKeys } from '#adapters/objects.ts';
import { getPeriodLock, getSettlement } from '#adapters/settlement-store.ts';
import { parseCharter } from '#domain/charters.ts';
import type { Statement } from '#domain/statement.ts';
import type { SettlementState } from '#domain/workflow.ts';
import { approveByLink } from './approval-link.ts';
import { captureHandlerLogs, type HandlerLogCapture } from './handler-logs.ts';
import { approvalLinks } from './outbox.ts';
import { type LocalRuntime, startLocalRuntime } from './runtime.ts';
import { listenOnLoopback } from './server.ts';
import type { ExecutionRecord, HistoryEvent } from './step-functions.ts';
import { importProject } from './tenant-files.ts';
import { verifyLocalArchive } from './verify.ts';

/**
 * `npm start`: the demo tenant's October settlement, end to end on this machine — the ASL file run
 * by the local Step Functions service, the same Lambda handlers, dynalite, s3rver, a real approval
 * link in an `.eml` file and the archive verified at the end.
 */

export { ApprovalLinkError, approveByLink } from './approval-link.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Exit codes of a run (and of the `settle` command line). */
export const EXIT = {
  /** Settled (or already settled), or the command did what was asked. */
  ok: 0,
  /** Something failed: the last line says what, where, and what to do. */
  failure: 1,
  /** The command line was wrong (unknown flag, missing option, bad date, unknown tenant); nothing ran. */
  usage: 2,
  /** Needs attention: a blocking check failed, the approver rejected, or no one decided in time. */
  attention: 3,
} as const;

/** A run refused before it started: `message` says what is wrong, `remedy` what to do. */
export class RunRefusedError extends Error {
  override readonly name = 'RunRefusedError';
  readonly remedy: string;
  constructor(message: string, remedy: string) {
    super(message);
    this.remedy = remedy;
  }
}

export interface RunProjectOptions {
  readonly tenantId: string;
  /** The issuing company's name on the statements. */
  readonly tenantName?: string;
  readonly charterPath: string;
  readonly filesDir: string;
  readonly period: string;
  readonly asOf: string;
  readonly revision: number;
  readonly reason?: string;
  /**
   * Redrive the period's failed execution (RedriveExecution through the SDK, as against a deployed
   * stack) after importing the charter and files again, instead of starting a new execution.
   */
  readonly redrive?: boolean;
  /** Approve as the approver through the HTTP endpoint instead of waiting for a click. */
  readonly yes: boolean;
  readonly port?: number;
  readonly dataDir: string;
  /** Keep the data directory's earlier state (default: start afresh). */
  readonly keep?: boolean;
  /** Handler logs also to `err` (they always go to `<dataDir>/logs/*.ndjson`). */
  readonly verbose?: boolean;
  readonly out: NodeJS.WritableStream;
  /** Where `verbose` logs go (default stderr). */
  readonly err?: NodeJS.WritableStream;
}

export interface DemoOptions {
  readonly yes: boolean;
  readonly port: number;
  readonly dataDir: string;
  readonly keep: boolean;
  readonly verbose?: boolean;
  readonly out: NodeJS.WritableStream;
  readonly err?: NodeJS.WritableStream;
}

/** The demo tenant's October settlement. */
export function runDemo(options: DemoOptions): Promise<number> {
  return runProject({
    ...options,
    tenantId: 'acme',
    tenantName: 'ACME Software GmbH',
    charterPath: join(ROOT, 'demo', 'acme', 'charter.json'),
    filesDir: join(ROOT, 'demo', 'acme'),
    period: '2026-10',
    asOf: '2026-11-05',
    revision: 0,
  });
}

/** The next thing to do for a failed step, by the error name its handler threw. */
const REMEDIES: Record<string, string> = {
  InvalidCharterError: 'fix the charter (`settle charter validate FILE` lists every problem) and run again',
  InvalidPeriodError: 'check --period against the charter (YYYY-MM, milestone:<id> or final) and run again',
  PeriodLockedError: 'the period is settled: correct it with --revision N --reason TEXT',
  SourceConfigError:
    "fix the source's binding in the charter (`sources[].options`, see the connector options in the README)",
  SourcePayloadError:
    'the source file or response cannot be read: check the file in --files against its connector',
  SourceAuthError: 'renew the credential in the secret the charter names',
  SourceUnavailableError: 'the source did not answer after retries: run again later',
  SourceRateLimitedError: "the source's quota is used up: run again later",
  MissingExchangeRateError: "add the missing rate to the charter's fxRates and run again",
  CurrencyMismatchError: 'give the amount in the charter currency or add an exchange rate',
  SettlementInProgressError:
    'another execution is settling this period: wait for it (settle status) and run again',
};

/** Where a step failed: its state name and, for a Collect item, the source. */
interface FailureSite {
  readonly state: string;
  readonly error: string;
  readonly cause: string;
}

/** The message inside a Lambda error cause (`{"errorMessage": …}`) or the cause itself. */
function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown; message?: unknown };
    const message = parsed.errorMessage ?? parsed.message;
    if (typeof message === 'string') return message;
  } catch {
    // a plain message
  }
  return cause;
}

function oneLine(text: string, max = 160): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** The state's label in progress lines: a Collect item names its source. */
function stateLabel(state: string, input: unknown): string {
  const source = (input as { source?: { id?: unknown; connector?: unknown } } | undefined)?.source;
  if (state === 'CollectSource' && typeof source?.id === 'string') {
    return `Collect ${source.id}${typeof source.connector === 'string' && source.connector !== source.id ? ` (${source.connector})` : ''}`;
  }
  return state;
}

/** Checks, before anything starts, that the approval server can listen on `port`. */
export async function assertPortFree(port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await listenOnLoopback(probe, port);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** Settles one project on this machine with progress output; resolves to the exit code. */
export async function runProject(options: RunProjectOptions): Promise<number> {
  const out = (line: string) => options.out.write(`${line}\n`);
  await assertPortFree(options.port ?? 0);
  if (!options.keep) await rm(options.dataDir, { recursive: true, force: true });
  const logs = await captureHandlerLogs(
    join(options.dataDir, 'logs', `${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`),
    options.verbose ? (options.err ?? process.stderr) : undefined,
  );
  const entered = new Map<string, number>();
  const pendingApprovals: string[] = [];
  const failures: FailureSite[] = [];
  const started = performance.now();
  let runtime: LocalRuntime | undefined;
  try {
    runtime = await startLocalRuntime({
      tenantId: options.tenantId,
      ...(options.tenantName ? { tenantName: options.tenantName } : {}),
      dataDir: options.dataDir,
      persistent: true,
      keepExecutions: true,
      port: options.port ?? 0,
      onEvent: (_e: ExecutionRecord, event: HistoryEvent, input?: unknown) => {
        if (!event.state || event.stateType === 'Choice') return;
        const label = stateLabel(event.state, input);
        if (event.type === 'StateEntered') entered.set(label, event.timestamp);
        if (event.type === 'StateExited') {
          const ms = event.timestamp - (entered.get(label) ?? event.timestamp);
          out(`  ✓ ${label.padEnd(34)} ${String(ms).padStart(6)} ms`);
        }
        if (event.type === 'StateFailed') {
          failures.push({ state: label, error: event.error ?? 'Error', cause: causeMessage(event.cause) });
          out(`  ✗ ${label.padEnd(34)} ${event.error}: ${oneLine(causeMessage(event.cause), 120)}`);
        }
        if (event.type === 'StateRetried') out(`  ↻ ${label} retried`);
      },
      onEmail: (email) => {
        for (const link of approvalLinks(email.mime)) pendingApprovals.push(link);
        out(`  ✉ ${email.to.join(', ')} → ${email.path}`);
      },
    });
    return await settle(runtime, options, { out, pendingApprovals, failures, started, logs });
  } finally {
    await runtime?.stop();
    await logs.restore();
  }
}

/**
 * Redrives the failed execution of (project, period, revision) with RedriveExecution through the SDK's
 * Step Functions client (the local endpoint here, the service in the cloud): it continues from the
 * state it failed in, under the same execution ARN.
 */
async function redriveFailed(
  runtime: LocalRuntime,
  ref: { projectId: string; period: string; revision: number },
  out: (line: string) => void,
): Promise<ExecutionRecord> {
  const item = await getSettlement(ref.projectId, ref.period, ref.revision);
  const failedBy = item?.failedBy as { executionId?: string } | undefined;
  const executionArn = failedBy?.executionId ?? (item?.executionId as string | undefined);
  if (item?.status !== 'failed' || !executionArn) {
    throw new RunRefusedError(
      `${ref.projectId} ${ref.period} r${ref.revision} is ${item ? item.status : 'not started'}, not failed: nothing to redrive`,
      '`settle status` lists the settlements; `settle run` starts one',
    );
  }
  await getClients().sfn.send(new RedriveExecutionCommand({ executionArn }));
  const execution = runtime.sfn.describeExecution(executionArn);
  out(`Redriving ${execution.name} (redrive ${execution.redriveCount}) from the state it failed in …`);
  return execution;
}

interface RunContext {
  readonly out: (line: string) => void;
  readonly pendingApprovals: string[];
  readonly failures: FailureSite[];
  readonly started: number;
  readonly logs: HandlerLogCapture;
}

async function settle(runtime: LocalRuntime, options: RunProjectOptions, run: RunContext): Promise<number> {
  const { out, pendingApprovals } = run;
  out(`Local runtime: approvals at ${runtime.server.url}, data in ${options.dataDir}`);
  if (options.revision > 0) {
    // Refused before anything is stored: a revision corrects a settled period.
    const charter = parseCharter(
      JSON.parse(await readFile(options.charterPath, 'utf8')),
      options.charterPath,
    );
    const earlier =
      (await getPeriodLock(charter.projectId, options.period)) ??
      (await getSettlement(charter.projectId, options.period, options.revision - 1));
    if (!earlier) {
      throw new RunRefusedError(
        `revision ${options.revision} of ${charter.projectId} ${options.period} corrects a settled period, but ${options.period} was never settled here`,
        `settle revision 0 first (without --revision), or check --tenant / --data-dir (\`settle status --tenant ${options.tenantId}\`)`,
      );
    }
  }
  const imported = await importProject(options.charterPath, options.filesDir);
  if (imported.missing.length)
    throw new RunRefusedError(
      `source files missing in ${options.filesDir}: ${imported.missing.join(', ')}`,
      'put each file the charter names (sources[].path) in --files DIR',
    );
  out(
    `Imported charter ${imported.charter.projectId} v${imported.version} and ${imported.uploaded.length} source files`,
  );
  const input = {
    tenantId: options.tenantId,
    projectId: imported.charter.projectId,
    period: options.period,
    revision: options.revision,
    asOf: options.asOf,
    ...(options.reason ? { reason: options.reason } : {}),
  };
  let execution: ExecutionRecord;
  if (options.redrive) {
    execution = await redriveFailed(runtime, input, out);
  } else {
    out(
      `Settling ${imported.charter.name}, period ${input.period}${input.revision ? ` revision ${input.revision}` : ''} (as of ${input.asOf}) …`,
    );
    // Through the live alias, as runs are started in the deployed stack.
    // Execution names stay taken (the tenant's executions are kept): a re-run of a period that did
    // not settle runs under the next attempt's name, as the nightly run's retries do.
    const base = `${input.projectId}-${input.period.replace(/[^A-Za-z0-9-]/g, '-')}-r${input.revision}`;
    const taken = new Set(runtime.sfn.listExecutions(runtime.settlementArn).map((e) => e.name));
    let attempt = 1;
    while (taken.has(attempt === 1 ? base : `${base}-a${attempt}`)) attempt += 1;
    execution = runtime.sfn.startExecution(
      runtime.settlementAliasArn,
      input,
      attempt === 1 ? base : `${base}-a${attempt}`,
    );
  }

  const interactive = !options.yes && process.stdin.isTTY;
  const sleep = () => new Promise((r) => setTimeout(r, 20));
  const rl = interactive ? createInterface({ input: process.stdin }) : undefined;
  const approver = (async () => {
    while (execution.status === 'RUNNING') {
      const link = pendingApprovals.shift();
      if (!link) {
        await sleep();
        continue;
      }
      out(`\n  Approval link: ${link}`);
      if (rl) {
        out('  Open it in a browser and decide there, or press Enter here to approve as the demo approver.');
        let enter = false;
        const onLine = () => {
          enter = true;
        };
        rl.once('line', onLine);
        // Until Enter, the end of the run, or the next approver's email (the browser decided).
        while (!enter && execution.status === 'RUNNING' && pendingApprovals.length === 0) await sleep();
        rl.off('line', onLine);
        if (!enter || execution.status !== 'RUNNING') continue;
      }
      out('  Approving as the approver through the approval endpoint (GET page, POST decision)…');
      await approveByLink(link).catch((error: Error) => out(`  (link not usable: ${error.message})`));
    }
  })();
  await execution.done;
  await approver;
  rl?.close();

  const seconds = ((performance.now() - run.started) / 1000).toFixed(1);
  out('');
  const state = execution.output as SettlementState | undefined;
  if (execution.status !== 'SUCCEEDED' || !state || state.outcome === 'failed') {
    const site = run.failures.find((f) => f.state !== 'RecordFailure') ?? run.failures[0];
    const error = site?.error ?? execution.error ?? 'Error';
    const cause = site?.cause ?? causeMessage(execution.cause);
    // One last line: what failed, where, and what to do.
    out(
      `✗ Failed in ${site?.state ?? 'the workflow'}: ${error}: ${oneLine(cause, 300)} — what to do: ` +
        `${REMEDIES[error] ?? 'read the handler log (or run again with --verbose) and fix the cause'} (handler log: ${run.logs.path})`,
    );
    return EXIT.failure;
  }
  out(
    `Outcome: ${state.outcome}${state.final ? ` — statement ${state.final.statementNumber}` : ''} (${seconds} s)`,
  );
  if (state.computed) {
    const statement = await getJson<Statement>(state.computed.statementKey);
    printSummary(statement, out);
  }
  if (state.archive) {
    out(
      `\nArchive: ${state.archive.files} files under archive/${state.settlement.settlementId}/, manifest ${state.archive.manifestHash.slice(0, 16)}…`,
    );
    // s3rver stores objects under its own file names: copy the statement out where people look.
    const exported = join(options.dataDir, 'statements', state.settlement.settlementId);
    await mkdir(exported, { recursive: true });
    for (const key of await listKeys(`final/${state.settlement.settlementId}/`)) {
      const body = await getObject(key);
      if (body) await writeFile(join(exported, key.split('/').pop() ?? 'file'), body);
    }
    const manifest = await getObject(state.archive.manifestKey);
    if (manifest) await writeFile(join(exported, 'manifest.json'), manifest);
    out(`  HTML statement: ${join(exported, 'statement.html')}`);
    out(`  PDF statement:  ${join(exported, 'statement.pdf')}`);
    out(`  Manifest:       ${join(exported, 'manifest.json')} (in S3: ${state.archive.manifestKey})`);
    const verification = await verifyLocalArchive(runtime.tenantId);
    const files = verification.settlements.reduce((n, v) => n + v.files, 0);
    out(
      `  verify-archive: ${verification.status.toUpperCase()} — ${verification.settlements.length} settlement(s), ${files} files` +
        (verification.firstBrokenLink
          ? `; first broken link: ${verification.firstBrokenLink.message}`
          : ', chain intact'),
    );
    if (verification.status !== 'ok') return EXIT.failure;
  }
  out(`  Outbox: ${runtime.outboxDir}`);
  out(`  Handler log: ${run.logs.path}`);
  if (state.outcome === 'settled' || state.outcome === 'already-settled') return EXIT.ok;
  out(
    `Not settled (${state.outcome}): ${NEXT_STEP[state.outcome] ?? 'see the statement and the checks above'}`,
  );
  return EXIT.attention;
}

/** What to do after an outcome that is not a settlement. */
const NEXT_STEP: Partial<Record<string, string>> = {
  'needs-attention':
    'a blocking check failed — fix the data or waive the check in the charter (waivers), then run again',
  rejected: 'the approver rejected it — read their comment in the outbox, correct, and run again',
  expired: 'no approver decided in time — run again to send new links',
};

function printSummary(statement: Statement, out: (line: string) => void) {
  const t = statement.totals;
  out(
    `\nTotals (${statement.currency}): cost ${t.cost.amount}, billing ${t.billing.amount}, margin ${t.margin.amount}`,
  );
  for (const [category, money] of Object.entries(t.byCategory)) {
    if (money.amount !== '0.00' && money.amount !== '0')
      out(`  ${category.padEnd(12)} ${money.amount.padStart(14)}`);
  }
  const flagged = statement.variance.rows.filter((r) => r.status !== 'ok');
  out(`Variance: ${statement.variance.rows.length} rows, ${flagged.length} flagged`);
  for (const cause of statement.variance.causes.slice(0, 5)) out(`  ! ${cause.message}`);
  if (statement.evm) {
    const e = statement.evm;
    out(
      `Earned value: PV ${e.pv.amount}, EV ${e.ev.amount}, AC ${e.ac.amount}, CPI ${e.cpi ?? '–'}, SPI ${e.spi ?? '–'}, EAC ${e.eac?.amount ?? '–'}`,
    );
  }
  out('Contract checks:');
  for (const c of statement.checks)
    out(
      `  [${c.status === 'pass' ? 'x' : c.status === 'waived' ? 'w' : ' '}] ${c.title} (${c.severity}) ${c.detail}`,
    );
  const quarantined = statement.quarantine.reduce((n, q) => n + q.count, 0);
  out(
    `Quarantined records: ${quarantined}${quarantined ? ` (${statement.quarantine.map((q) => `${q.source}/${q.reason}: ${q.count}`).join(', ')})` : ''}`,
  );
}

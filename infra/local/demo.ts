import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { getClients } from '#adapters/clients.ts';
import { tenantLocale } from '#adapters/config.ts';
import { getJson, getObject, listKeys } from '#adapters/objects.ts';
import { getSettlement } from '#adapters/settlement-store.ts';
import type { Statement } from '#domain/statement.ts';
import type { SettlementState } from '#domain/workflow.ts';

import { fill } from '#statement/format.ts';
import { loadTenants } from '../cdk/tenants.ts';
import { NEXT_STEP, Progress, stateLabel } from '../cli/progress.ts';

import { approveByLink } from './approval-link.ts';
import { captureHandlerLogs, type HandlerLogCapture } from './handler-logs.ts';
import { approvalLinks, oneTimeCode } from './outbox.ts';
import { type LocalRuntime, startLocalRuntime } from './runtime.ts';
import { listenOnLoopback } from './server.ts';
import type { ExecutionRecord, HistoryEvent } from './step-functions.ts';
import { statementSummaryLines, summaryMessages } from './summary.ts';
import { importForRun, RunRefusedError } from './tenant-files.ts';
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

export { CharterPendingError, RunRefusedError } from './tenant-files.ts';

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
  /** Which demo tenant (default `acme`): a tenant of infra/tenants.json with a demo in `demo/<tenant>/`. */
  readonly tenant?: string;
  readonly yes: boolean;
  readonly port: number;
  readonly dataDir: string;
  readonly keep: boolean;
  readonly verbose?: boolean;
  readonly out: NodeJS.WritableStream;
  readonly err?: NodeJS.WritableStream;
}

/** The demo tenants: what each settles (charter and files in `demo/<tenant>/`). */
export const DEMO_TENANTS: Readonly<Record<string, { readonly period: string; readonly asOf: string }>> = {
  /** Time and materials, EUR, English: October 2026 of a software project. */
  acme: { period: '2026-10', asOf: '2026-11-05' },
  /** Ten construction sites, CNY, zh-CN: the final settlement against supplier contract prices. */
  huajian: { period: 'final', asOf: '2026-11-05' },
};

/** A demo tenant's settlement (the acme tenant's October when no tenant is given). */
export function runDemo(options: DemoOptions): Promise<number> {
  const tenantId = options.tenant ?? 'acme';
  const demo = DEMO_TENANTS[tenantId];
  if (!demo)
    throw new RunRefusedError(
      `no demo for tenant '${tenantId}'`,
      `choose one of ${Object.keys(DEMO_TENANTS).join(', ')}`,
    );
  const configured = loadTenants(join(ROOT, 'infra', 'tenants.json')).find((t) => t.id === tenantId);
  return runProject({
    ...options,
    tenantId,
    tenantName: configured?.name ?? tenantId,
    charterPath: join(ROOT, 'demo', tenantId, 'charter.json'),
    filesDir: join(ROOT, 'demo', tenantId),
    period: demo.period,
    asOf: demo.asOf,
    revision: 0,
  });
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
  const pendingApprovals: string[] = [];
  const pendingCodes: string[] = [];
  const progress = new Progress(out);
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
        if (event.type === 'StateEntered') progress.enter(label, event.timestamp);
        if (event.type === 'StateExited') progress.exit(label, event.timestamp);
        if (event.type === 'StateFailed') progress.fail(label, event.error ?? 'Error', event.cause);
        if (event.type === 'StateRetried') progress.retry(label);
      },
      onEmail: (email) => {
        for (const link of approvalLinks(email.mime)) pendingApprovals.push(link);
        const code = oneTimeCode(email.mime);
        if (code) pendingCodes.push(code);
        out(`  ✉ ${email.to.join(', ')} → ${email.path}`);
      },
    });
    return await settle(runtime, options, { out, pendingApprovals, pendingCodes, progress, started, logs });
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
  /** One-time codes emailed after Approve (approvals above the tenant's code threshold). */
  readonly pendingCodes: string[];
  readonly progress: Progress;
  readonly started: number;
  readonly logs: HandlerLogCapture;
}

async function settle(runtime: LocalRuntime, options: RunProjectOptions, run: RunContext): Promise<number> {
  const { out, pendingApprovals, pendingCodes } = run;
  out(`Local runtime: approvals at ${runtime.server.url}, data in ${options.dataDir}`);
  const imported = await importForRun(options, {
    where: 'here',
    statusHint: `--tenant / --data-dir (\`settle status --tenant ${options.tenantId}\`)`,
    approve: (projectId, version) =>
      `settle charter approve --tenant ${options.tenantId} --project ${projectId} --version ${version} --by <approver>, then run again (settle charter changes lists every change)`,
  });
  out(
    `Imported charter ${imported.charter.projectId} v${imported.version} and ${imported.uploaded.length} source files`,
  );
  for (const notice of imported.notices) out(`  Note: ${notice}`);
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
      // Above the tenant's code threshold Approve emails a one-time code: confirm with it from the outbox.
      const emailedCode = async () => {
        for (let waited = 0; waited < 30_000; waited += 20) {
          const code = pendingCodes.shift();
          if (code) {
            out('  Confirming with the one-time code from the outbox…');
            return code;
          }
          await sleep();
        }
        throw new Error('no one-time code arrived in the outbox');
      };
      await approveByLink(link, 'approve', '', emailedCode).catch((error: Error) =>
        out(`  (link not usable: ${error.message})`),
      );
    }
  })();
  await execution.done;
  await approver;
  rl?.close();

  const seconds = ((performance.now() - run.started) / 1000).toFixed(1);
  out('');
  const state = execution.output as SettlementState | undefined;
  if (execution.status !== 'SUCCEEDED' || !state || state.outcome === 'failed') {
    // One last line: what failed, where, and what to do.
    out(run.progress.failedLine(execution, `handler log: ${run.logs.path}`));
    return EXIT.failure;
  }
  // The summary in the project's language: the charter's, else the tenant's.
  const locale = imported.charter.locale ?? tenantLocale();
  const m = summaryMessages(locale);
  out(
    fill(m.outcome, {
      outcome: m.outcomes[state.outcome] ?? state.outcome,
      statement: state.final ? fill(m.statement, { number: state.final.statementNumber }) : '',
      seconds,
    }),
  );
  if (state.computed) {
    const statement = await getJson<Statement>(state.computed.statementKey);
    for (const line of statementSummaryLines(statement, locale)) out(line);
  }
  if (state.archive) {
    out(
      `\n${fill(m.archive, { files: String(state.archive.files), id: state.settlement.settlementId, hash: state.archive.manifestHash.slice(0, 16) })}`,
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
    out(fill(m.html, { path: join(exported, 'statement.html') }));
    out(fill(m.pdf, { path: join(exported, 'statement.pdf') }));
    out(fill(m.manifest, { path: join(exported, 'manifest.json'), key: state.archive.manifestKey }));
    const verification = await verifyLocalArchive(runtime.tenantId);
    const files = verification.settlements.reduce((n, v) => n + v.files, 0);
    out(
      fill(m.verified, {
        status: verification.status.toUpperCase(),
        settlements: String(verification.settlements.length),
        files: String(files),
        chain: verification.firstBrokenLink
          ? fill(m.brokenLink, { message: verification.firstBrokenLink.message })
          : m.chainIntact,
      }),
    );
    if (verification.status !== 'ok') return EXIT.failure;
  }
  out(fill(m.outbox, { path: runtime.outboxDir }));
  out(fill(m.log, { path: run.logs.path }));
  if (state.outcome === 'settled' || state.outcome === 'already-settled') return EXIT.ok;
  for (const line of state.readiness?.missing ?? []) out(`  Missing: ${line}`);
  for (const line of state.readiness?.notes ?? []) out(`  Not checked: ${line}`);
  out(
    `Not settled (${state.outcome}): ${NEXT_STEP[state.outcome] ?? 'see the statement and the checks above'}`,
  );
  return EXIT.attention;
}

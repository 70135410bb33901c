import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SettlementState } from '#domain/workflow.ts';
import { approveByLink } from '#local/demo.ts';
import { approvalLinks } from '#local/outbox.ts';
import { startLocalRuntime } from '#local/runtime.ts';
import { type ExecutionRecord, type HistoryEvent, payloadBytes } from '#local/step-functions.ts';
import { importProject } from '#local/tenant-files.ts';
import { createRequestCounters } from './aws-counters.ts';
import { ROOT } from './lib.ts';

/**
 * B1 + B3 child: the demo tenant's October settlement, run locally as `npm start -- --yes` does
 * (persistent DynamoDB in a temp data dir, approval through the HTTP endpoint as soon as each
 * email arrives). Prints one JSON line: wall times, time per state, and the per-settlement counts
 * (state transitions, Lambda invocations and milliseconds, DynamoDB and S3 requests, emails).
 */

const DEMO = join(ROOT, 'demo', 'acme');

const started = performance.now();
const dataDir = await mkdtemp(join(tmpdir(), 'bench-demo-'));
const stateMs: Record<string, number> = {};
const entered = new Map<string, number>();
const links: string[] = [];
let emails = 0;
/** SES bills each recipient of a message (To, Cc and Bcc) as one email. */
let recipients = 0;
let archivedAt: number | undefined;
/** The largest state input seen: the service quota is 256 KiB (the runtime fails a run above it). */
let maxStateInputBytes = 0;

const runtime = await startLocalRuntime({
  tenantId: 'acme',
  dataDir,
  persistent: true,
  onEvent: (_execution: ExecutionRecord, event: HistoryEvent, input?: unknown) => {
    if (!event.state) return;
    if (event.type === 'StateEntered')
      maxStateInputBytes = Math.max(maxStateInputBytes, payloadBytes(input ?? null));
    if (event.type === 'StateEntered') entered.set(event.state, performance.now());
    if (event.type === 'StateExited') {
      const ms = performance.now() - (entered.get(event.state) ?? performance.now());
      stateMs[event.state] = (stateMs[event.state] ?? 0) + ms;
      if (event.state === 'ArchiveSettlement' || event.state === 'Archive') archivedAt = performance.now();
    }
  },
  onEmail: (email) => {
    emails += 1;
    recipients += email.to.length;
    links.push(...approvalLinks(email.mime));
  },
});
const counters = createRequestCounters();
try {
  counters.install();
  const runtimeReadyMs = performance.now() - started;
  await importProject(join(DEMO, 'charter.json'), DEMO);
  counters.reset();
  const sfnBefore = structuredClone(runtime.sfn.counters);
  const emailsBefore = emails;
  const recipientsBefore = recipients;

  const executionStarted = performance.now();
  const execution = runtime.sfn.startExecution(
    runtime.settlementArn,
    { tenantId: 'acme', projectId: 'atlas-portal', period: '2026-10', revision: 0, asOf: '2026-11-05' },
    'atlas-portal-2026-10-r0',
  );
  const approvals = (async () => {
    let approved = 0;
    while (execution.status === 'RUNNING') {
      const link = links.shift();
      if (!link) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      await approveByLink(link);
      approved += 1;
    }
    return approved;
  })();
  await execution.done;
  const approved = await approvals;
  const finished = performance.now();
  if (execution.status !== 'SUCCEEDED')
    throw new Error(`settlement ${execution.status}: ${execution.error} ${execution.cause}`);
  const state = execution.output as SettlementState;
  if (state.outcome !== 'settled') throw new Error(`settlement outcome ${state.outcome}`);

  const sfn = runtime.sfn.counters;
  const lambdaInvocations: Record<string, number> = {};
  const lambdaMillis: Record<string, number> = {};
  for (const [fn, n] of Object.entries(sfn.lambdaInvocations)) {
    lambdaInvocations[fn] = n - (sfnBefore.lambdaInvocations[fn] ?? 0);
    lambdaMillis[fn] = (sfn.lambdaMillis[fn] ?? 0) - (sfnBefore.lambdaMillis[fn] ?? 0);
  }
  const result = {
    outcome: state.outcome,
    totalMs: finished - started,
    runtimeReadyMs,
    executionMs: finished - executionStarted,
    toArchivedMs: archivedAt === undefined ? undefined : archivedAt - executionStarted,
    stateMs,
    approvals: approved,
    limits: { maxStateInputBytes, historyEvents: execution.history.length },
    counts: {
      stateTransitions: sfn.stateTransitions - sfnBefore.stateTransitions,
      approvals: approved,
      executions: sfn.executionsStarted - sfnBefore.executionsStarted,
      lambdaInvocations,
      lambdaMillis,
      emails: emails - emailsBefore,
      emailRecipients: recipients - recipientsBefore,
      requests: counters.snapshot(),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await runtime.stop();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);

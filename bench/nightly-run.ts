import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { putCharter } from '#adapters/settlement-store.ts';
import { startLocalRuntime } from '#local/runtime.ts';
import type { ExecutionRecord, HistoryEvent } from '#local/step-functions.ts';
import { createRequestCounters } from './aws-counters.ts';
import { ROOT } from './lib.ts';

/**
 * B5 child: N due projects in one tenant (the demo charter under N project ids, October due on
 * 2026-11-05), then one nightly execution. It needs only the nightly execution to succeed and
 * counts the settlement executions it started, so it works with either nightly shape (inline Map
 * or Distributed Map run inline by the local runtime). A second night must start none.
 *
 * Usage: node bench/nightly-run.ts [projects] → one JSON line on stdout.
 */

const projects = Number(process.argv[2] ?? 1000);
const dataDir = await mkdtemp(join(tmpdir(), 'bench-nightly-'));
const transitions = new Map<string, number>();
// Top-level states of the nightly machine are Standard transitions; states inside its Map's item
// processor are (with a Distributed Map) Express child executions, priced apart.
const nightlyTopLevel = new Set(
  Object.keys(
    (
      JSON.parse(await readFile(join(ROOT, 'statemachines', 'nightly.asl.json'), 'utf8')) as {
        States: object;
      }
    ).States,
  ),
);
let nightlyItemTransitions = 0;
const runtime = await startLocalRuntime({
  tenantId: 'bench',
  dataDir,
  retryIntervalMs: 0,
  onEvent: (execution: ExecutionRecord, event: HistoryEvent) => {
    if (event.type !== 'StateEntered') return;
    const machine = execution.stateMachineArn.split(':').pop() ?? '';
    transitions.set(machine, (transitions.get(machine) ?? 0) + 1);
    if (machine.startsWith('nightly-') && event.state && !nightlyTopLevel.has(event.state))
      nightlyItemTransitions += 1;
  },
});
const counters = createRequestCounters();
try {
  counters.install();
  const demo = JSON.parse(await readFile(join(ROOT, 'demo', 'acme', 'charter.json'), 'utf8'));
  const seeding = performance.now();
  for (let i = 0; i < projects; i += 1) {
    const id = `p-${String(i).padStart(5, '0')}`;
    await putCharter(id, { ...demo, projectId: id, projectRef: id, name: `Project ${i}` });
  }
  const seedMs = performance.now() - seeding;
  counters.reset();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);

  const night = async (name: string) => {
    const before = runtime.sfn.listExecutions(runtime.settlementArn).length;
    const started = performance.now();
    const execution = runtime.sfn.startExecution(
      runtime.nightlyArn,
      { tenantId: 'bench', asOf: '2026-11-05' },
      name,
    );
    await execution.done;
    const wallMs = performance.now() - started;
    if (execution.status !== 'SUCCEEDED')
      throw new Error(`nightly ${execution.status}: ${execution.error} ${execution.cause}`);
    return { wallMs, settlementsStarted: runtime.sfn.listExecutions(runtime.settlementArn).length - before };
  };
  const first = await night('night-2026-11-05');
  const nightlyMachine = runtime.nightlyArn.split(':').pop() ?? '';
  const firstTransitions = transitions.get(nightlyMachine) ?? 0;
  const firstRequests = counters.snapshot();
  clearInterval(sampler);
  const firstItemTransitions = nightlyItemTransitions;
  // The second night starts nothing: what it costs is the nightly's own cost for N projects.
  counters.reset();
  const sfnBefore = structuredClone(runtime.sfn.counters);
  const transitionsBefore = transitions.get(nightlyMachine) ?? 0;
  const itemsBefore = nightlyItemTransitions;
  const second = await night('night-2026-11-05-again');
  const secondLambdaMs: Record<string, number> = {};
  const secondLambdaInvocations: Record<string, number> = {};
  for (const fn of ['ListDueSettlements', 'ComputeEarlyWarnings']) {
    secondLambdaMs[fn] = (runtime.sfn.counters.lambdaMillis[fn] ?? 0) - (sfnBefore.lambdaMillis[fn] ?? 0);
    secondLambdaInvocations[fn] =
      (runtime.sfn.counters.lambdaInvocations[fn] ?? 0) - (sfnBefore.lambdaInvocations[fn] ?? 0);
  }
  const perNight = {
    standardTransitions:
      (transitions.get(nightlyMachine) ?? 0) - transitionsBefore - (nightlyItemTransitions - itemsBefore),
    lambdaMillis: secondLambdaMs,
    lambdaInvocations: secondLambdaInvocations,
    requests: counters.snapshot(),
  };
  const settlementMachine = runtime.settlementArn.split(':').pop() ?? '';

  process.stderr.write(`BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
  process.stdout.write(
    `${JSON.stringify({
      projects,
      seedMs,
      wallMs: first.wallMs,
      settlementsStarted: first.settlementsStarted,
      secondNightStarted: second.settlementsStarted,
      secondNightMs: second.wallMs,
      peakRssMb: peakRss / 2 ** 20,
      nightlyTransitions: firstTransitions,
      nightlyItemTransitions: firstItemTransitions,
      perNight,
      settlementTransitionsMeanwhile: transitions.get(settlementMachine) ?? 0,
      lambdaInvocations: runtime.sfn.counters.lambdaInvocations,
      requests: firstRequests,
    })}\n`,
  );
} finally {
  await runtime.stop().catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);

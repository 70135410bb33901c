import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { getJson, getObject, listKeys } from '#adapters/objects.ts';
import type { Statement } from '#domain/statement.ts';
import type { SettlementState } from '#domain/workflow.ts';
import { approvalLinks } from './outbox.ts';
import { startLocalRuntime } from './runtime.ts';
import type { ExecutionRecord, HistoryEvent } from './step-functions.ts';
import { importProject } from './tenant-files.ts';
import { verifyLocalArchive } from './verify.ts';

/**
 * `npm start`: the demo tenant's October settlement, end to end on this machine — the ASL file run
 * by the local Step Functions service, the same Lambda handlers, dynalite, s3rver, a real approval
 * link in an `.eml` file and the archive verified at the end.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');

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
  /** Approve as the approver through the HTTP endpoint instead of waiting for a click. */
  readonly yes: boolean;
  readonly port?: number;
  readonly dataDir: string;
  /** Keep the data directory's earlier state (default: start afresh). */
  readonly keep?: boolean;
  readonly out: NodeJS.WritableStream;
}

export interface DemoOptions {
  readonly yes: boolean;
  readonly port: number;
  readonly dataDir: string;
  readonly keep: boolean;
  readonly out: NodeJS.WritableStream;
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

/** Opens the link (GET, as a person would) and approves it with the form's POST. */
export async function approveByLink(link: string, decision: 'approve' | 'reject' = 'approve', comment = '') {
  const url = new URL(link);
  const page = await fetch(url);
  if (page.status !== 200) throw new Error(`Approval page answered ${page.status}: ${await page.text()}`);
  const body = new URLSearchParams({ s: url.searchParams.get('s') ?? '', decision, comment });
  const response = await fetch(new URL(url.pathname, url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`Approval answered ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

/** Settles one project on this machine with progress output; resolves to the exit code. */
export async function runProject(options: RunProjectOptions): Promise<number> {
  const out = (line: string) => options.out.write(`${line}\n`);
  if (!options.keep) await rm(options.dataDir, { recursive: true, force: true });
  const entered = new Map<string, number>();
  const pendingApprovals: string[] = [];
  const started = performance.now();
  const runtime = await startLocalRuntime({
    tenantId: options.tenantId,
    ...(options.tenantName ? { tenantName: options.tenantName } : {}),
    dataDir: options.dataDir,
    persistent: true,
    port: options.port ?? 0,
    onEvent: (_e: ExecutionRecord, event: HistoryEvent) => {
      if (!event.state) return;
      if (event.type === 'StateEntered') entered.set(event.state, event.timestamp);
      if (event.type === 'StateExited') {
        const ms = event.timestamp - (entered.get(event.state) ?? event.timestamp);
        out(`  ✓ ${event.state.padEnd(24)} ${String(ms).padStart(6)} ms`);
      }
      if (event.type === 'StateFailed')
        out(`  ✗ ${event.state.padEnd(24)} ${event.error}: ${event.cause?.slice(0, 200)}`);
      if (event.type === 'StateRetried') out(`  ↻ ${event.state} retried`);
    },
    onEmail: (email) => {
      for (const link of approvalLinks(email.mime)) pendingApprovals.push(link);
      out(`  ✉ ${email.to.join(', ')} → ${email.path}`);
    },
  });
  try {
    out(
      `Local runtime: DynamoDB ${runtime.emulators.dynamodbEndpoint}, S3 ${runtime.emulators.s3Endpoint}, HTTP ${runtime.server.url}`,
    );
    const imported = await importProject(options.charterPath, options.filesDir);
    if (imported.missing.length) throw new Error(`Source files missing: ${imported.missing.join(', ')}`);
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
    out(`Settling ${imported.charter.name}, period ${input.period} …`);
    const execution = runtime.sfn.startExecution(
      runtime.settlementArn,
      input,
      `${input.projectId}-${input.period.replace(/[^A-Za-z0-9-]/g, '-')}-r${input.revision}`,
    );

    const interactive = !options.yes && process.stdin.isTTY;
    const sleep = () => new Promise((r) => setTimeout(r, 50));
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
          out(
            '  Open it in a browser and decide there, or press Enter here to approve as the demo approver.',
          );
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
        out('  Approving as the demo approver through the approval endpoint (GET page, POST decision)…');
        await approveByLink(link).catch((error: Error) => out(`  (link not usable: ${error.message})`));
      }
    })();
    await execution.done;
    await approver;
    rl?.close();

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    out('');
    if (execution.status !== 'SUCCEEDED') {
      out(`Settlement ${execution.status}: ${execution.error} — ${execution.cause}`);
      return 1;
    }
    const state = execution.output as SettlementState;
    out(
      `Outcome: ${state.outcome}${state.final ? ` — statement ${state.final.statementNumber}` : ''} (${seconds} s)`,
    );
    if (state.computed) {
      const statement = await getJson<Statement>(state.computed.statementKey);
      printSummary(statement, out);
    }
    const s3 = runtime.emulators.s3Directory;
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
      out(
        `  Manifest:       ${join(exported, 'manifest.json')} (in S3: ${state.archive.manifestKey}, emulator data in ${s3})`,
      );
      const verification = await verifyLocalArchive(runtime.tenantId);
      const files = verification.settlements.reduce((n, v) => n + v.files, 0);
      out(
        `  verify-archive: ${verification.status.toUpperCase()} — ${verification.settlements.length} settlement(s), ${files} files` +
          (verification.firstBrokenLink
            ? `; first broken link: ${verification.firstBrokenLink.message}`
            : ', chain intact'),
      );
      if (verification.status !== 'ok') return 1;
    }
    out(`  Outbox: ${runtime.outboxDir}`);
    return state.outcome === 'settled' ? 0 : 2;
  } finally {
    await runtime.stop();
  }
}

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

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      yes: { type: 'boolean', short: 'y', default: false },
      keep: { type: 'boolean', default: false },
      port: { type: 'string', default: '8787' },
      'data-dir': { type: 'string', default: join(ROOT, '.local', 'demo') },
    },
  });
  runDemo({
    yes: values.yes,
    keep: values.keep,
    port: Number(values.port),
    dataDir: resolve(values['data-dir']),
    out: process.stdout,
  }).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`Demo failed: ${error.stack ?? error.message}`);
      process.exit(1);
    },
  );
}

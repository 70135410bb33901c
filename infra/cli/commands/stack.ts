import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ExecutionAlreadyExists, RedriveExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { getJson, getObject, listKeys } from '#adapters/objects.ts';
import { getSettlement } from '#adapters/settlement-store.ts';
import { verifyArchive } from '#archive/archive.ts';
import { recordedHead, tenantBlobStore } from '#archive/settlement-archive.ts';
import type { Statement } from '#domain/statement.ts';
import type { SettlementState } from '#domain/workflow.ts';
import { NEXT_STEP, Progress, printSummary } from '../progress.ts';
import { followExecution } from '../target/follow.ts';
import type { StackTarget } from '../target/stack-target.ts';

/**
 * `settle run --stack …`: a settlement of a deployed tenant, started through the settlement machine's
 * `live` alias (StartExecution) and followed through its history, printing what a local run prints.
 * The execution name is the one a local run uses (`<project>-<period>-r<revision>`), so running the
 * same command again follows that execution instead of starting a second one.
 */

export interface StackRunRequest {
  readonly charterPath: string;
  readonly filesDir: string;
  readonly period: string;
  readonly asOf: string;
  readonly revision: number;
  readonly reason?: string;
  /** Where the approved statement's files are copied (a folder per settlement). */
  readonly statementsDir: string;
  /** Continue the settlement's failed execution (RedriveExecution) instead of starting one. */
  readonly redrive?: boolean;
}

/** The deterministic execution name of a settlement (a re-run follows the same execution). */
export function executionNameOf(projectId: string, period: string, revision: number): string {
  return `${projectId}-${period.replace(/[^A-Za-z0-9-]/g, '-')}-r${revision}`;
}

/** Runs a settlement on the stack; resolves to the exit code of a local run (0 also while it waits for approval). */
export async function runOnStack(
  target: StackTarget,
  request: StackRunRequest,
  out: (line: string) => void,
): Promise<number> {
  const { importForRun } = await import('#local/tenant-files.ts');
  return target.run(async () => {
    const started = performance.now();
    out(
      `Stack ${target.stackName}: tenant ${target.tenantId}, table ${target.outputs.TableName}, ` +
        `buckets ${target.outputs.BucketName} (working) and ${target.outputs.ArchiveBucketName} (archive)`,
    );
    const imported = await importForRun(
      { ...request, tenantId: target.tenantId },
      {
        where: `in ${target.stackName}`,
        statusHint: `--stack (\`settle status --stack ${target.stackName}\`)`,
        approve: (projectId, version) =>
          `someone other than its author approves version ${version} of ${projectId} (settle charter approve works on local state only), then run again`,
      },
    );
    out(
      `Imported charter ${imported.charter.projectId} v${imported.version} and ${imported.uploaded.length} source files`,
    );
    for (const notice of imported.notices) out(`  Note: ${notice}`);
    const input = {
      tenantId: target.tenantId,
      projectId: imported.charter.projectId,
      period: request.period,
      revision: request.revision,
      asOf: request.asOf,
      ...(request.reason ? { reason: request.reason } : {}),
    };
    out(
      `Settling ${imported.charter.name}, period ${input.period}${input.revision ? ` revision ${input.revision}` : ''} (as of ${input.asOf}) …`,
    );
    const name = executionNameOf(input.projectId, input.period, input.revision);
    const machineName = target.outputs.SettlementStateMachineArn.split(':').pop() ?? '';
    let executionArn = target.outputs.SettlementStateMachineArn.replace(
      /:stateMachine:[^:]+$/,
      `:execution:${machineName}:${name}`,
    );
    if (request.redrive) {
      // The failed execution of this settlement, as the failure path recorded it.
      const item = await getSettlement(input.projectId, input.period, input.revision);
      const failedBy = item?.failedBy as { executionId?: string } | undefined;
      const failedArn = failedBy?.executionId ?? (item?.executionId as string | undefined);
      if (item?.status !== 'failed' || !failedArn) {
        out(
          `✗ ${input.projectId} ${input.period} r${input.revision} is ${item ? item.status : 'not started'}, not failed: nothing to redrive (\`settle status --stack ${target.stackName}\` lists the settlements; \`settle run --stack\` starts one)`,
        );
        return 2;
      }
      const redriven = await target.sfn.send(new RedriveExecutionCommand({ executionArn: failedArn }));
      executionArn = failedArn;
      out(
        `Redriving ${failedArn.split(':').pop()} from the state it failed in (redriven ${redriven.redriveDate?.toISOString() ?? 'now'}) …`,
      );
    } else
      try {
        const startedExecution = await target.sfn.send(
          new StartExecutionCommand({
            stateMachineArn: target.outputs.SettlementAliasArn,
            name,
            input: JSON.stringify(input),
          }),
        );
        executionArn = startedExecution.executionArn ?? executionArn;
        out(`  Execution ${name} started`);
      } catch (error) {
        if (!(error instanceof ExecutionAlreadyExists) && (error as Error).name !== 'ExecutionAlreadyExists')
          throw error;
        out(`  Execution ${name} exists already: following it`);
      }
    const progress = new Progress(out);
    const { execution, waitingIn } = await followExecution(target.sfn, executionArn, progress, {
      untilWaiting: true,
    });
    if (waitingIn) {
      out('');
      out(
        `⧗ ${waitingIn} waits for a decision: the approvers were emailed their links. Decide with the link ` +
          `(or \`settle approve LINK --stack ${target.stackName}\`), then run this command again to follow the settlement to its end.`,
      );
      return 0;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    out('');
    const state = execution.output ? (JSON.parse(execution.output) as SettlementState) : undefined;
    if (execution.status !== 'SUCCEEDED' || !state || state.outcome === 'failed') {
      out(
        progress.failedLine(
          {
            ...(execution.error ? { error: execution.error } : {}),
            ...(execution.cause ? { cause: execution.cause } : {}),
          },
          `execution: ${executionArn}`,
        ),
      );
      return 1;
    }
    out(
      `Outcome: ${state.outcome}${state.final ? ` — statement ${state.final.statementNumber}` : ''} (${seconds} s)`,
    );
    if (state.computed) printSummary(await getJson<Statement>(state.computed.statementKey), out);
    if (state.archive) {
      out(
        `\nArchive: ${state.archive.files} files in the manifest (archive/${state.settlement.settlementId}/ and final/${state.settlement.settlementId}/), manifest ${state.archive.manifestHash.slice(0, 16)}…`,
      );
      const exported = join(request.statementsDir, state.settlement.settlementId);
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
      const verification = await verifyArchive(tenantBlobStore(), target.tenantId, {
        head: await recordedHead(),
      });
      const files = verification.settlements.reduce((n, v) => n + v.files, 0);
      out(
        `  verify-archive: ${verification.status.toUpperCase()} — ${verification.settlements.length} settlement(s), ${files} files` +
          (verification.firstBrokenLink
            ? `; first broken link: ${verification.firstBrokenLink.message}`
            : ', chain intact'),
      );
      if (verification.status !== 'ok') return 1;
    }
    out(`  Execution: ${executionArn}`);
    if (state.outcome === 'settled' || state.outcome === 'already-settled') return 0;
    for (const line of state.readiness?.missing ?? []) out(`  Missing: ${line}`);
    for (const line of state.readiness?.notes ?? []) out(`  Not checked: ${line}`);
    out(
      `Not settled (${state.outcome}): ${NEXT_STEP[state.outcome] ?? 'see the statement and the checks above'}`,
    );
    return 3;
  });
}

/**
 * Copies the tenant's Parquet facts (`facts/`) from the stack's working bucket into a temporary folder and
 * hands it to `fn` (DuckDB reads it as it reads the local runtime's files); removed afterwards.
 */
export async function withDownloadedFacts<T>(
  target: StackTarget,
  fn: (root: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `facts-${target.tenantId}-`));
  try {
    await target.run(async () => {
      for (const key of await listKeys('facts/')) {
        const body = await getObject(key);
        if (!body) continue;
        const path = join(dir, key);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, body);
      }
    });
    return await fn(join(dir, 'facts'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A link answered by another approval API than the stack's is refused before anything is decided. */
export function checkLinkOfStack(link: string, target: StackTarget): string | undefined {
  let origin: string;
  try {
    origin = new URL(link).origin;
  } catch {
    return undefined; // approveByLink explains a malformed link
  }
  const api = new URL(target.outputs.ApprovalApiUrl).origin;
  return origin === api
    ? undefined
    : `the link is served by ${origin}, not by the approval API of ${target.stackName} (${api}): check --stack or the link`;
}

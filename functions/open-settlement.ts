import { z } from 'zod';
import { isExecutionRunning } from '#adapters/executions.ts';
import {
  claimSettlement,
  getEffectiveCharter,
  getPeriodLock,
  getSettlement,
} from '#adapters/settlement-store.ts';
import { parseCharter } from '#domain/charters.ts';
import { openingOf, resolvePeriod } from '#domain/periods.ts';
import { SettlementInput, type SettlementState, settlementId } from '#domain/workflow.ts';
import { declareStep } from '#steps/declaration.ts';
import { nowIso, stepHandler } from '#steps/step-handler.ts';

/**
 * Open: load the charter, claim (project, period, revision) with a conditional write. An identical
 * re-run of a finished settlement ends as `already-settled`; a settled period can only be
 * re-opened by a revision with a reason.
 */
const OpenInput = z.object({
  input: SettlementInput,
  /** `$$.Execution.Id`: the execution that claims the settlement. */
  executionId: z.string().min(1),
});

export const step = declareStep({
  states: { settlement: ['Open'] },
  input: OpenInput,
  timeoutSeconds: 120,
  access: { table: ['GetItem', 'Query', 'PutItem', 'UpdateItem'], stepFunctions: ['DescribeExecution'] },
});

export const handler = stepHandler(step, async ({ input, executionId }): Promise<SettlementState> => {
  const lock = await getPeriodLock(input.projectId, input.period);
  // A settlement (and each revision) uses the charter's latest version; the archive keeps the copy used.
  const stored = await getEffectiveCharter(input.projectId);
  const charter = parseCharter(stored.charter, `charter of ${input.projectId} v${stored.version}`);
  // A period the charter cannot settle (a typo, a month for a milestone charter) claims nothing.
  resolvePeriod(charter, input.period);
  const id = settlementId(input.projectId, input.period, input.revision);
  const ref = {
    tenantId: input.tenantId,
    projectId: input.projectId,
    period: input.period,
    revision: input.revision,
    settlementId: id,
    asOf: input.asOf,
    charterVersion: stored.version,
    executionId,
    ...(input.cloudCosts ? { cloudCosts: input.cloudCosts } : {}),
  };
  const opening = openingOf({
    ...input,
    settlementId: id,
    lock: lock && { revision: Number(lock.revision), settlementId: String(lock.settlementId) },
    existingStatus: (await getSettlement(input.projectId, input.period, input.revision))?.status,
    previousExists:
      input.revision > 0 &&
      (await getSettlement(input.projectId, input.period, input.revision - 1)) !== undefined,
  });
  if (opening === 'already-settled') return { settlement: ref, outcome: 'already-settled', sources: [] };
  const { item } = await claimSettlement(
    {
      projectId: input.projectId,
      period: input.period,
      revision: input.revision,
      settlementId: id,
      charterVersion: stored.version,
      asOf: input.asOf,
      ...(input.reason ? { reason: input.reason } : {}),
      executionId,
      ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
      now: nowIso(),
    },
    isExecutionRunning,
  );
  if (item.status !== 'open') return { settlement: ref, outcome: 'already-settled', sources: [] };
  return { settlement: ref, outcome: 'open', sources: charter.sources };
});

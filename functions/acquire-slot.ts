import { loadConfig } from '#adapters/config.ts';
import { isExecutionRunning } from '#adapters/executions.ts';
import { acquireSlot } from '#adapters/slots.ts';
import { SettlementState } from '#domain/workflow.ts';
import { declareStep } from '#steps/declaration.ts';
import { logger, nowIso, stepHandler } from '#steps/step-handler.ts';

/**
 * AcquireSlot: before Collect, take one of the tenant's settlement slots (at most
 * `MAX_CONCURRENT_SETTLEMENTS` settlements collect, compute and draft at once). None free → the
 * machine waits (WaitForSlot) and asks again; the slot is given back once the statement is drafted
 * (ReleaseSlot), or when the settlement ends earlier (waiting, needs attention, failed).
 */
export const step = declareStep({
  states: { settlement: ['AcquireSlot'] },
  input: SettlementState,
  timeoutSeconds: 60,
  access: { table: ['GetItem', 'UpdateItem'], stepFunctions: ['DescribeExecution'] },
});

export const handler = stepHandler(step, async (state): Promise<SettlementState> => {
  const holder = state.settlement.executionId ?? state.settlement.settlementId;
  const max = loadConfig().maxConcurrentSettlements;
  const acquired = await acquireSlot(holder, max, nowIso(), isExecutionRunning);
  if (!acquired) logger.info('settlement slots all taken: waiting', { max });
  return { ...state, slot: { acquired } };
});

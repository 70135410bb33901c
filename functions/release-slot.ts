import { releaseSettlementSlot } from '#adapters/slots.ts';
import { SettlementState } from '#domain/workflow.ts';
import { declareStep } from '#steps/declaration.ts';
import { stepHandler } from '#steps/step-handler.ts';

/**
 * ReleaseSlot: the statement is drafted, the heavy part is done; the slot goes to the next waiting
 * settlement while this one waits for its approvers (days, at no cost).
 */
export const step = declareStep({
  states: { settlement: ['ReleaseSlot'] },
  input: SettlementState,
  timeoutSeconds: 30,
  access: { table: ['UpdateItem'] },
});

export const handler = stepHandler(step, async (state): Promise<SettlementState> => {
  await releaseSettlementSlot(state.settlement);
  return { ...state, slot: { acquired: false } };
});

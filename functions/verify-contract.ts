import { getJson } from '#adapters/objects.ts';
import { updateSettlement } from '#adapters/settlement-store.ts';
import { hasBlockingFailures } from '#domain/checks.ts';
import type { Statement } from '#domain/statement.ts';
import { SettlementState } from '#domain/workflow.ts';
import { declareStep } from '#steps/declaration.ts';
import { nowIso, stepHandler } from '#steps/step-handler.ts';

export class NotComputedError extends Error {
  override name = 'NotComputedError';
}

/**
 * Verify: the contract checks (completion rate, acceptance sign-off, milestones) computed by the
 * engine decide whether the settlement may go to approval. Blocking failures end the execution as
 * needs-attention with the checklist.
 */
export const step = declareStep({
  states: { settlement: ['Verify'] },
  input: SettlementState,
  timeoutSeconds: 240,
  access: { table: ['UpdateItem'], read: ['drafts'] },
});

export const handler = stepHandler(step, async (state): Promise<SettlementState> => {
  if (!state.computed) throw new NotComputedError('Verify ran before Compute');
  const statement = await getJson<Statement>(state.computed.statementKey);
  const blocking = hasBlockingFailures(statement);
  const { projectId, period, revision } = state.settlement;
  await updateSettlement(projectId, period, revision, {
    status: blocking ? 'verifying' : 'verified',
    checks: statement.checks.map((c) => ({ id: c.id, status: c.status, severity: c.severity })),
    updatedAt: nowIso(),
  });
  return { ...state, outcome: blocking ? 'needs-attention' : 'open' };
});

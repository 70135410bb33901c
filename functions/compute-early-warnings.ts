import { z } from 'zod';
import { getEffectiveCharter, listProjects, readRecords } from '#adapters/settlement-store.ts';
import { parseCharter } from '#domain/charters.ts';
import { createStatementBuilder } from '#domain/compute.ts';
import { isRunning } from '#domain/due.ts';
import { declareStep } from '#steps/declaration.ts';
import { logger, stepHandler } from '#steps/step-handler.ts';

const WarningsInput = z.object({ tenantId: z.string(), asOf: z.string() }).passthrough();

/**
 * Nightly early warnings: for each running project, earned value to date and the forecast at
 * completion; a warning is logged (and counted as a metric) where the forecast overrun passes the
 * charter's threshold.
 */
export const step = declareStep({
  states: { nightly: ['EarlyWarnings'] },
  input: WarningsInput,
  timeoutSeconds: 240,
  access: { table: ['Query'] },
});

export const handler = stepHandler(step, async (input) => {
  const warnings = [];
  for (const projectId of await listProjects()) {
    const charter = parseCharter((await getEffectiveCharter(projectId)).charter, `charter of ${projectId}`);
    if (!isRunning(charter, input.asOf)) continue;
    const builder = createStatementBuilder(charter, { period: 'final', asOf: input.asOf, revision: 0 });
    for await (const record of readRecords(projectId)) builder.add(record);
    const statement = builder.finish({ quarantine: [], inputsHash: {} });
    if (statement.evm?.earlyWarning) {
      warnings.push({ projectId, eac: statement.evm.eac, bac: statement.evm.bac });
      logger.warn('early warning: forecast overrun', {
        projectId,
        eac: statement.evm.eac,
        bac: statement.evm.bac,
      });
    }
  }
  return { count: warnings.length, warnings };
});

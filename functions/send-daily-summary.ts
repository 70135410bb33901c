import { z } from 'zod';
import { loadConfig } from '#adapters/config.ts';
import { getJson } from '#adapters/objects.ts';
import { sendOnce } from '#adapters/sent-mail.ts';
import { type SummaryEntry, summaryLines } from '#domain/attempts.ts';
import { dailySummaryEmail } from '#statement/emails.ts';
import { declareStep } from '#steps/declaration.ts';
import { logger, nowIso, stepHandler } from '#steps/step-handler.ts';

const SummaryInput = z
  .object({
    tenantId: z.string().min(1),
    asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    summary: z.object({ bucket: z.string().min(1), key: z.string().min(1) }),
  })
  .passthrough();

interface NightlySummary {
  readonly asOf: string;
  readonly entries: SummaryEntry[];
  readonly skipped: Array<{ projectId: string; error: string }>;
}

/**
 * The nightly run's last step: the daily summary to the tenant's operations address — every due
 * settlement that is not settled, with its reason, and every project the night could not read.
 * Sent once per run date (a repeated night does not send it again).
 */
export const step = declareStep({
  states: { nightly: ['DailySummary'] },
  input: SummaryInput,
  timeoutSeconds: 60,
  access: {
    table: ['GetItem', 'PutItem', 'UpdateItem'],
    read: ['nightly'],
    write: ['emails'],
    sendMail: true,
  },
});

export const handler = stepHandler(step, async (input) => {
  const summary = await getJson<NightlySummary>(input.summary.key);
  const lines = [
    ...summaryLines(summary.entries),
    ...summary.skipped.map((s) => `${s.projectId}: skipped, its charter could not be read (${s.error})`),
  ];
  const config = loadConfig();
  const to = config.operationsEmail;
  if (!to) {
    // The summary stays in S3 (nightly/<tenant>/<date>/summary.json); mail needs a configured address.
    logger.error('no OPERATIONS_EMAIL configured: daily summary not sent', { asOf: input.asOf });
    return { ...input, dailySummary: { lines: lines.length, delivery: 'not-configured' } };
  }
  const delivery = await sendOnce(
    `nightly-${input.asOf}`,
    'daily-summary',
    dailySummaryEmail(config.tenantName, input.asOf, lines, to),
    nowIso,
  );
  return { ...input, dailySummary: { lines: lines.length, delivery: delivery.outcome } };
});

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import type { StepDeclaration } from './declaration.ts';

/** One logger per Lambda module; the local runtime and the cloud configure it by environment. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'settlement' });

/**
 * CloudWatch metrics as EMF log lines (no PutMetricData call): `StepSucceeded` / `StepFailed` per
 * function and tenant. Off locally (POWERTOOLS_DEV).
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Settlement',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'settlement',
  defaultDimensions: { tenant: process.env.TENANT_ID ?? 'unknown' },
});

/**
 * The event a step received does not match its schema. Not retried: the state machine's
 * failure path records it with the message, which names each bad field.
 */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

/** Adds the settlement's ids to every log line of this invocation. */
const settlementKeys = (): middy.MiddlewareObj<unknown, unknown, Error, Context> => ({
  before: (request) => {
    const event = request.event as {
      settlement?: Record<string, unknown>;
      projectId?: string;
      tenantId?: string;
    };
    const s = event?.settlement;
    logger.appendKeys({
      tenantId: (s?.tenantId ?? event?.tenantId ?? process.env.TENANT_ID) as string,
      ...(s
        ? {
            projectId: s.projectId as string,
            settlementId: s.settlementId as string,
            ...(s.executionId ? { executionId: s.executionId as string } : {}),
          }
        : {}),
    });
  },
  after: () => logger.resetKeys(),
  onError: (request) => {
    logger.error('step failed', { error: request.error });
    logger.resetKeys();
  },
});

/**
 * A thin Step Functions task handler for a declared step: validate the event with the declared schema, run the step, return its result.
 * Middleware (logger context, metrics, settlement keys, error logging) is attached first, the handler last.
 */
export function stepHandler<S extends z.ZodType, R>(
  declaration: StepDeclaration<S>,
  /** `event` is the event as received (validated): for a step that passes unknown fields on. */
  step: (input: z.infer<S>, context: Context, event: unknown) => Promise<R>,
) {
  const schema = declaration.input;
  return middy<unknown, R, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(settlementKeys())
    .handler(async (event, context) => {
      const parsed = schema.safeParse(event);
      if (!parsed.success) {
        metrics.addMetric('StepFailed', MetricUnit.Count, 1);
        const problems = parsed.error.issues
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ');
        throw new InvalidInputError(`Invalid step input: ${problems}`);
      }
      try {
        const result = await step(parsed.data, context, event);
        metrics.addMetric('StepSucceeded', MetricUnit.Count, 1);
        return result;
      } catch (error) {
        metrics.addMetric('StepFailed', MetricUnit.Count, 1);
        throw error;
      }
    });
}

/** The clock of the handlers (domain code never reads it; handlers pass `now` in). */
export function nowIso(): string {
  return new Date().toISOString();
}

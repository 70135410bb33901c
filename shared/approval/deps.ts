import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { getClients } from '#adapters/clients.ts';
import { loadConfig } from '#adapters/config.ts';
import { sendEmail } from '#adapters/mailer.ts';
import { bucketNameOfKey, getObject } from '#adapters/objects.ts';
import { sendAndKeep } from '#adapters/sent-mail.ts';
import { metrics } from '#steps/step-handler.ts';
import { ApprovalSummaryError } from './errors.ts';
import { systemClock } from './model.ts';
import type { ApprovalDeps } from './service.ts';
import { createApprovalStore } from './store.ts';
import { ApprovalSummary } from './summary.ts';
import { ClientThrottle, WRONG_SECRET_METRIC } from './throttle.ts';

/** Presigned draft links live briefly: the page is re-opened through the email link anyway. */
const PRESIGN_SECONDS = 15 * 60;

/** One per function instance: the per-client counts outlive a single invocation. */
const throttle = new ClientThrottle();

/**
 * The real adapters from the environment (the same in the cloud and in the local runtime, where
 * the endpoints point at dynalite, s3rver and the local Step Functions / SES endpoint). Built on
 * each call from the memoised config and clients; `overrides` replace single ports (tests pass a
 * fake clock).
 */
export function approvalDeps(logger: Logger, overrides: Partial<ApprovalDeps> = {}): ApprovalDeps {
  const config = loadConfig();
  const clients = getClients();
  return {
    store: createApprovalStore(clients.ddb, config.tableName),
    clock: systemClock,
    tenantId: config.tenantId,
    baseUrl: config.approvalBaseUrl,
    env: config.approvalDefaults,
    async loadSummary(key) {
      // Throttled or 5xx reads surface as TransientStoreError, which the Approve state retries.
      const body = await getObject(key);
      if (!body) throw new ApprovalSummaryError(key, 'not found');
      const text = new TextDecoder().decode(body);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new ApprovalSummaryError(key, 'not JSON', { cause: error });
      }
      const parsed = ApprovalSummary.safeParse(json);
      if (!parsed.success)
        throw new ApprovalSummaryError(
          key,
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      return parsed.data;
    },
    // Every approval email is kept with the settlement (emails/<settlementId>/) for the archive.
    sendEmail: (email) => {
      const settlementId = email.headers?.['X-Settlement-Id'];
      return settlementId ? sendAndKeep(settlementId, 'approval', email) : sendEmail(email);
    },
    async sendTaskSuccess(taskToken, output) {
      await clients.sfn.send(new SendTaskSuccessCommand({ taskToken, output }));
    },
    presign: (key) =>
      getSignedUrl(clients.s3, new GetObjectCommand({ Bucket: bucketNameOfKey(key), Key: key }), {
        expiresIn: PRESIGN_SECONDS,
      }),
    log: (level, message, fields) => logger[level](message, fields ?? {}),
    throttle,
    countWrongSecret() {
      // Published at once (an EMF log line): the page answers whether or not more follow.
      metrics.addMetric(WRONG_SECRET_METRIC, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    },
    ...overrides,
  };
}

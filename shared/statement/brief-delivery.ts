import { z } from 'zod';

/**
 * The brief goes out at most once per settlement. SES has no idempotency key, so the send is
 * bracketed by two writes on the settlement: the intent (attempt n, before the call) and the
 * outcome (the SES message id, or a failure SES itself reported). A re-run reads them:
 *
 * - `sent`: nothing is sent again;
 * - `failed`: SES refused the request (a 4xx on its first try), so nothing went out: attempt n+1;
 * - `sending`: a run stopped between the call and its outcome. SES may or may not have accepted
 *   the message, and nothing can tell which, so it is NOT sent again: the outcome is
 *   `unconfirmed`, logged as an error for someone to check the recipients' inboxes (or SES's
 *   sending events) and resend by hand if needed.
 *
 * That window — a crash or timeout after SES accepted the message and before the message id was
 * written — is the one that remains; it trades a possible missing brief for never a second copy.
 */

export const BriefRecord = z.object({
  status: z.enum(['sending', 'sent', 'failed']),
  attempt: z.number().int().positive(),
  to: z.array(z.string()),
  intentAt: z.string(),
  messageId: z.string().optional(),
  sentAt: z.string().optional(),
  error: z.string().optional(),
  failedAt: z.string().optional(),
});
export type BriefRecord = z.infer<typeof BriefRecord>;

/** What delivering the brief needs: the record on the settlement, and the mailer. */
export interface BriefDeliveryPorts {
  read(): Promise<BriefRecord | undefined>;
  /**
   * Records the intent of `attempt`, only if the record is still as read: none (first attempt)
   * or the failed `previousAttempt`. False when another run got there first.
   */
  claim(attempt: number, to: readonly string[], previousAttempt: number | undefined): Promise<boolean>;
  markSent(attempt: number, messageId: string): Promise<void>;
  markFailed(attempt: number, error: string): Promise<void>;
  /** Sends the brief; resolves to SES's message id. */
  send(): Promise<string>;
  log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>): void;
}

export type BriefOutcome =
  | { readonly kind: 'sent'; readonly attempt: number; readonly messageId: string }
  | { readonly kind: 'already-sent'; readonly attempt: number; readonly messageId: string }
  | { readonly kind: 'unconfirmed'; readonly attempt: number; readonly since: string };

/**
 * True only when the error proves SES did not accept the message: SES answered the first and only
 * try with a client error (MessageRejected, BadRequest, TooManyRequests, SendingPaused…). A
 * timeout, a network error, a 5xx, or a 4xx after an SDK retry prove nothing.
 */
export function provesNotSent(error: unknown): boolean {
  const meta = (error as { $metadata?: { httpStatusCode?: number; attempts?: number } } | null)?.$metadata;
  const status = meta?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 && (meta?.attempts ?? 1) <= 1;
}

/** Sends the brief unless a previous run did (or may have); see the module comment. */
export async function deliverBriefOnce(
  ports: BriefDeliveryPorts,
  to: readonly string[],
  retriesLeft = 1,
): Promise<BriefOutcome> {
  const record = await ports.read();
  if (record?.status === 'sent')
    return { kind: 'already-sent', attempt: record.attempt, messageId: record.messageId ?? 'unknown' };
  if (record?.status === 'sending') {
    ports.log('error', 'brief may or may not have been sent: not sending it again', {
      attempt: record.attempt,
      intentAt: record.intentAt,
      to: record.to,
    });
    return { kind: 'unconfirmed', attempt: record.attempt, since: record.intentAt };
  }
  const attempt = (record?.attempt ?? 0) + 1;
  if (!(await ports.claim(attempt, to, record?.attempt))) {
    // Another run claimed this attempt between our read and our write: go by what it recorded.
    if (retriesLeft > 0) return deliverBriefOnce(ports, to, retriesLeft - 1);
    throw new Error('the brief record keeps changing under this run');
  }
  let messageId: string;
  try {
    messageId = await ports.send();
  } catch (error) {
    if (provesNotSent(error)) await ports.markFailed(attempt, (error as Error).name || 'Error');
    throw error;
  }
  // SES accepted it: the record must say so, or a re-run would only know "unconfirmed".
  await retried(() => ports.markSent(attempt, messageId), MARK_SENT_TRIES);
  return { kind: 'sent', attempt, messageId };
}

/** Tries to record the message id before giving up (the SDK retries each try as well). */
const MARK_SENT_TRIES = 3;

async function retried(fn: () => Promise<void>, tries: number): Promise<void> {
  for (let i = 1; ; i += 1) {
    try {
      return await fn();
    } catch (error) {
      if (i >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** i));
    }
  }
}

import { loadConfig } from './config.ts';
import { composeMime, type OutgoingEmail, sendEmail } from './mailer.ts';
import { objectKeys, putObject } from './objects.ts';
import { claimDelivery, recordDelivery } from './settlement-store.ts';

/**
 * Sends an email and keeps its MIME under `emails/<settlementId>/` so the archive holds every
 * message the settlement sent (SES keeps no copy).
 */
export async function sendAndKeep(
  settlementId: string,
  purpose: string,
  email: OutgoingEmail,
): Promise<string> {
  const { messageId, mime } = await sendEmail({
    ...email,
    headers: { ...email.headers, 'X-Settlement-Id': settlementId },
  });
  await keepEmail(settlementId, purpose, messageId, await keptCopy(settlementId, email, mime));
  return messageId;
}

/** The MIME kept for a sent message: the sent bytes, or the same message with `keptAs` bodies. */
async function keptCopy(settlementId: string, email: OutgoingEmail, sent: Uint8Array): Promise<Uint8Array> {
  if (!email.keptAs) return sent;
  const { text, html, removed } = email.keptAs;
  return composeMime(
    {
      ...email,
      text,
      html,
      headers: { ...email.headers, 'X-Settlement-Id': settlementId, 'X-Kept-Copy': `${removed} removed` },
    },
    loadConfig().mailFrom,
  );
}

/** Keeps a sent message's MIME under `emails/<settlementId>/<purpose>-<messageId>.eml`. */
export async function keepEmail(
  settlementId: string,
  purpose: string,
  messageId: string,
  mime: Uint8Array,
): Promise<void> {
  const safe = messageId.replace(/[^A-Za-z0-9._-]/g, '_');
  await putObject(objectKeys.email(settlementId, `${purpose}-${safe}.eml`), mime, 'message/rfc822');
}

/** An SES error with an HTTP status of 4xx: SES answered and refused the message, so it was not sent. */
function provablyRefused(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}

/**
 * Sends a settlement's email for one purpose (a recipient group) at most once across re-runs: the
 * intent is recorded before SES is called and SES's message id after. A re-run sends again only when
 * the earlier try provably failed (SES refused it). The one window left: a run that stops after the
 * intent and before an outcome is recorded (a crash, a timeout, a 5xx or network error, where SES may
 * have accepted the message) — the email is then reported `uncertain` and not sent a second time.
 */
export async function sendOnce(
  settlementId: string,
  purpose: string,
  email: OutgoingEmail,
  now: () => string,
): Promise<
  { readonly outcome: 'sent' | 'already-sent' } | { readonly outcome: 'uncertain'; readonly since: string }
> {
  const claim = await claimDelivery(settlementId, purpose, now());
  if (claim.state === 'sent') return { outcome: 'already-sent' };
  if (claim.state === 'uncertain') return { outcome: 'uncertain', since: claim.since };
  let sent: { messageId: string; mime: Uint8Array };
  try {
    sent = await sendEmail({ ...email, headers: { ...email.headers, 'X-Settlement-Id': settlementId } });
  } catch (error) {
    if (provablyRefused(error)) {
      const { name, message } = error as Error;
      await recordDelivery(settlementId, purpose, { error: `${name}: ${message}` }, now());
    }
    throw error;
  }
  await recordDelivery(settlementId, purpose, { messageId: sent.messageId }, now());
  await keepEmail(settlementId, purpose, sent.messageId, await keptCopy(settlementId, email, sent.mime));
  return { outcome: 'sent' };
}

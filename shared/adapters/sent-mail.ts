import { type OutgoingEmail, sendEmail } from './mailer.ts';
import { objectKeys, putObject } from './objects.ts';

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
  await keepEmail(settlementId, purpose, messageId, mime);
  return messageId;
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

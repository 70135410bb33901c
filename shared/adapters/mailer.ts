import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { getClients } from './clients.ts';
import { loadConfig } from './config.ts';
import { writeMimeMessage } from './mime-message.ts';

/** An email as the product sends it: HTML and text parts, optional attachments. */
export interface OutgoingEmail {
  readonly to: readonly string[];
  readonly cc?: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly attachments?: readonly { filename: string; contentType: string; content: Uint8Array }[];
  /** Extra headers (e.g. X-Settlement-Id) for threading and tracing. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The bodies of the copy kept with the settlement, when they must differ from what was sent: an
   * approval link's secret is for its recipient only, never for whoever can read the archive.
   */
  readonly keptAs?: { readonly text: string; readonly html: string; readonly removed: string };
}

/** Builds the MIME message (multipart/alternative, attachments in multipart/mixed); see mime-message.ts. */
export async function composeMime(email: OutgoingEmail, from: string): Promise<Buffer> {
  return writeMimeMessage({
    from,
    to: email.to,
    cc: email.cc,
    subject: email.subject,
    text: email.text,
    html: email.html,
    headers: email.headers,
    attachments: email.attachments,
  });
}

/**
 * Sends through SES v2 as a raw MIME message. Locally SES_ENDPOINT points at the local runtime,
 * which writes the message to the `.eml` outbox; the code path is the same.
 * Returns the SES message id and the MIME bytes (archived with the settlement).
 */
export async function sendEmail(email: OutgoingEmail): Promise<{ messageId: string; mime: Buffer }> {
  const config = loadConfig();
  const mime = await composeMime(email, config.mailFrom);
  const result = await getClients().ses.send(
    new SendEmailCommand({
      FromEmailAddress: config.mailFrom,
      Destination: { ToAddresses: [...email.to], ...(email.cc ? { CcAddresses: [...email.cc] } : {}) },
      Content: { Raw: { Data: mime } },
      ...(config.sesConfigurationSet ? { ConfigurationSetName: config.sesConfigurationSet } : {}),
    }),
  );
  return { messageId: result.MessageId ?? 'unknown', mime };
}

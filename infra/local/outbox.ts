/**
 * Reads what the local SES endpoint wrote to the outbox: the text of a MIME message (7bit,
 * quoted-printable or base64 parts) and the approval links in it.
 */
function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const input = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < input.length; i += 1) {
    const c = input[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(input.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(input.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c ?? '', 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The decoded bodies of every text/* part of a MIME message. */
export function mimeTextParts(mime: Buffer | string): string[] {
  const source = typeof mime === 'string' ? mime : mime.toString('utf8');
  const parts = source.split(/\r?\n--[^\r\n]+\r?\n/);
  const texts: string[] = [];
  for (const part of parts) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const headers = part.slice(0, split).toLowerCase();
    if (!/content-type:\s*text\//.test(headers)) continue;
    const body = part.slice(split).trim();
    if (headers.includes('content-transfer-encoding: quoted-printable'))
      texts.push(decodeQuotedPrintable(body));
    else if (headers.includes('content-transfer-encoding: base64'))
      texts.push(Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8'));
    else texts.push(body);
  }
  return texts;
}

/** Approval links (`…/approvals/{id}?s={secret}`) in a MIME message, in order of appearance. */
export function approvalLinks(mime: Buffer | string): string[] {
  const links = new Set<string>();
  for (const text of mimeTextParts(mime)) {
    for (const match of text.matchAll(
      /https?:\/\/[^\s"'<>]+\/approvals\/[A-Za-z0-9_-]+\?s=[A-Za-z0-9_-]+/g,
    )) {
      links.add(match[0].replace(/&amp;/g, '&'));
    }
  }
  return [...links];
}

/**
 * The one-time approval code of a code email (shared/approval/email.ts composeCodeEmail puts it on
 * a line of its own in the text part); undefined for any other email.
 */
export function oneTimeCode(mime: Buffer | string): string | undefined {
  for (const text of mimeTextParts(mime)) {
    const match = /^ {4}(\d{6})\r?$/m.exec(text);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** The header value of a MIME message (first occurrence, unfolded). */
export function mimeHeader(mime: Buffer | string, name: string): string | undefined {
  const source = typeof mime === 'string' ? mime : mime.toString('utf8');
  const head = source.slice(0, source.search(/\r?\n\r?\n/)).replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
  return match?.[1]?.trim();
}

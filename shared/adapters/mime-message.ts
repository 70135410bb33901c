import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Writes an email as an Internet message (RFC 5322) with MIME bodies (RFC 2045/2046): text and
 * HTML as multipart/alternative, attachments around them in multipart/mixed. Non-ASCII header
 * text is sent as RFC 2047 encoded-words (UTF-8, base64), non-ASCII attachment names as RFC 2231
 * parameters; bodies are 7bit, quoted-printable or base64, whichever is shortest and safe. Lines
 * end in CRLF and none is longer than 78 characters except an unbreakable ASCII header word
 * (never beyond 998).
 *
 * Our own writer rather than nodemailer's composer: that one brings a 76 KB MIME-type table and
 * its stream machinery into every Lambda that sends email, to do what this file does.
 */

export interface MimeAttachment {
  readonly filename: string;
  /** `type/subtype`, with parameters if any: `application/pdf`, `text/csv; charset=utf-8`. */
  readonly contentType: string;
  readonly content: Uint8Array;
}

export interface MimeMessage {
  /** `address` or `Display Name <address>` (the display name may be any Unicode text). */
  readonly from: string;
  readonly to: readonly string[];
  readonly cc?: readonly string[] | undefined;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly attachments?: readonly MimeAttachment[] | undefined;
  /** Extra headers (e.g. X-Settlement-Id); they may not replace the ones this writer sets. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** What varies between two writes of the same message; fixed in tests. */
export interface MimeWriteOptions {
  /** @default new Date() */
  readonly date?: Date;
  /** Message-ID left of the `@`. @default a random UUID */
  readonly messageIdLocalPart?: string;
  /** Random text that makes the multipart boundaries unique. @default 12 random bytes, hex */
  readonly boundaryToken?: string;
}

export class MimeMessageError extends Error {
  override name = 'MimeMessageError';
}

const CRLF = '\r\n';
/** RFC 5322 §2.1.1: lines SHOULD be at most 78 characters (excluding CRLF). */
const SOFT_LIMIT = 78;
/** RFC 5322 §2.1.1: lines MUST be at most 998 characters. */
const HARD_LIMIT = 998;
/** Bytes of UTF-8 per encoded-word: 42 bytes are 56 base64 characters, a 68-character word. */
const WORD_BYTES = 42;

const WRITTEN = ['from', 'to', 'cc', 'subject', 'date', 'message-id', 'mime-version', 'content-type'];
const HEADER_NAME = /^[!-9;-~]+$/;
const CONTENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/;
const CONTENT_TYPE_PARAMETER = /^[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|"[^"\\\r\n]*")$/;
const ADDRESS =
  /^[^\s<>()[\]\\,;:"@]+(?:\.[^\s<>()[\]\\,;:"@]+)*@[A-Za-z0-9.-]+$|^"[^"\\\r\n]*"@[A-Za-z0-9.-]+$/;
/** RFC 5322 atext plus spaces: a display name made of these needs no quotes. */
const PLAIN_PHRASE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/;
/** What a header or a 7bit body may not hold: anything but tab and printable ASCII. */
const UNSAFE_ASCII = /[^\t\x20-\x7e]/;

/** Writes the message; see the module comment for the encodings chosen. */
export function writeMimeMessage(message: MimeMessage, options: MimeWriteOptions = {}): Buffer {
  if (message.to.length === 0) throw new MimeMessageError('An email needs at least one recipient (to)');
  const token = options.boundaryToken ?? randomBytes(12).toString('hex');
  const from = parseMailbox(message.from, 'from');
  const domain = from.address.slice(from.address.lastIndexOf('@') + 1);
  const lines: string[] = [
    foldAddressList('From', [from]),
    foldAddressList(
      'To',
      message.to.map((m) => parseMailbox(m, 'to')),
    ),
  ];
  if (message.cc && message.cc.length > 0)
    lines.push(
      foldAddressList(
        'Cc',
        message.cc.map((m) => parseMailbox(m, 'cc')),
      ),
    );
  lines.push(unstructuredHeader('Subject', message.subject));
  lines.push(`Date: ${rfc5322Date(options.date ?? new Date())}`);
  lines.push(`Message-ID: <${options.messageIdLocalPart ?? randomUUID()}@${domain}>`);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!HEADER_NAME.test(name))
      throw new MimeMessageError(`Header name ${JSON.stringify(name)} is not valid`);
    if (WRITTEN.includes(name.toLowerCase()))
      throw new MimeMessageError(`Header ${name} is written from the message's fields, not from headers`);
    lines.push(unstructuredHeader(name, value));
  }
  lines.push('MIME-Version: 1.0');

  const alternative = multipart('alternative', `alt_${token}`, [
    textPart('text/plain', message.text),
    textPart('text/html', message.html),
  ]);
  const attachments = message.attachments ?? [];
  const body =
    attachments.length === 0
      ? alternative
      : multipart('mixed', `mix_${token}`, [alternative, ...attachments.map(attachmentPart)]);
  return Buffer.from([...lines, ...body.headers, '', body.body].join(CRLF), 'utf8');
}

interface Part {
  readonly headers: string[];
  /** Body lines joined by CRLF, no trailing CRLF. */
  readonly body: string;
}

function multipart(subtype: 'alternative' | 'mixed', token: string, parts: Part[]): Part {
  // "=_" cannot occur in quoted-printable or base64 output, so no encoded body can contain it.
  const boundary = `=_${token}`;
  const chunks: string[] = [];
  for (const part of parts) chunks.push(`--${boundary}`, ...part.headers, '', part.body);
  chunks.push(`--${boundary}--`, '');
  return {
    headers: [`Content-Type: multipart/${subtype};${CRLF} boundary="${boundary}"`],
    body: chunks.join(CRLF),
  };
}

function textPart(type: 'text/plain' | 'text/html', text: string): Part {
  const normalised = text.replace(/\r\n|\r|\n/g, CRLF);
  const { encoding, body } = encodeText(normalised);
  return {
    headers: [`Content-Type: ${type}; charset=utf-8`, `Content-Transfer-Encoding: ${encoding}`],
    body,
  };
}

function attachmentPart(attachment: MimeAttachment): Part {
  const [type = '', ...parameters] = attachment.contentType.split(';').map((p) => p.trim());
  if (!CONTENT_TYPE.test(type) || !parameters.every((p) => CONTENT_TYPE_PARAMETER.test(p)))
    throw new MimeMessageError(
      `Attachment ${attachment.filename}: content type ${attachment.contentType} is not type/subtype[; parameter=value]`,
    );
  if (/[\r\n]/.test(attachment.filename) || attachment.filename.length === 0)
    throw new MimeMessageError(`Attachment file name ${JSON.stringify(attachment.filename)} is not valid`);
  return {
    headers: [
      `Content-Type: ${[type, ...parameters].join('; ')};${CRLF}${parameter('name', attachment.filename, true)}`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment;${CRLF}${parameter('filename', attachment.filename, false)}`,
    ],
    body: base64Lines(Buffer.from(attachment.content)),
  };
}

/**
 * A header parameter on its own folded line(s). ASCII: a quoted-string. Otherwise RFC 2231
 * (`filename*0*=utf-8''…`, continued in pieces); for `name` on Content-Type, which RFC 2231-unaware
 * clients still read, an RFC 2047 encoded-word in quotes, as common mail clients write it.
 */
function parameter(key: string, value: string, legacyName: boolean): string {
  if (!UNSAFE_ASCII.test(value) && value.length <= 60) return ` ${key}=${quoted(value)}`;
  if (legacyName) return ` ${key}="${encodedWords(value).join(`${CRLF} `)}"`;
  const pieces: string[] = [];
  let piece = '';
  for (const char of value) {
    const escaped = /^[A-Za-z0-9!#$&+.^_`|~-]$/.test(char)
      ? char
      : [...Buffer.from(char, 'utf8')]
          .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
          .join('');
    if (piece.length + escaped.length > 48) {
      pieces.push(piece);
      piece = '';
    }
    piece += escaped;
  }
  pieces.push(piece);
  return pieces.map((p, i) => ` ${key}*${i}*=${i === 0 ? "utf-8''" : ''}${p}`).join(`;${CRLF}`);
}

function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * A body in the shortest safe transfer encoding: 7bit when it is ASCII in short lines, else
 * quoted-printable or base64 (Chinese text is shorter in base64: 4 characters per 3 bytes against 9).
 */
function encodeText(text: string): { encoding: '7bit' | 'quoted-printable' | 'base64'; body: string } {
  const lines = text.split(CRLF);
  if (!UNSAFE_ASCII.test(text) && lines.every((l) => l.length <= SOFT_LIMIT && !/[ \t]$/.test(l)))
    return { encoding: '7bit', body: text };
  const bytes = Buffer.from(text, 'utf8');
  const qp = quotedPrintable(lines);
  const b64 = base64Lines(bytes);
  return qp.length <= b64.length
    ? { encoding: 'quoted-printable', body: qp }
    : { encoding: 'base64', body: b64 };
}

/** RFC 2045 §6.7 for text: hard line breaks kept, soft breaks (`=`) keep lines at 76 characters. */
function quotedPrintable(lines: readonly string[]): string {
  const out: string[] = [];
  for (const line of lines) {
    const bytes = Buffer.from(line, 'utf8');
    let current = '';
    for (let i = 0; i < bytes.length; i += 1) {
      const b = bytes[i] as number;
      const last = i === bytes.length - 1;
      const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
      const escaped = `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
      // 76 characters per line: 75 plus the soft break's "=", or 76 on the last piece of a line.
      if (current.length + (literal ? 1 : 3) > (last ? 76 : 75)) {
        out.push(`${current}=`);
        current = '';
      }
      // A line that starts with "." or "From " is escaped: some transports stuff or mangle it.
      const risky =
        current.length === 0 &&
        (b === 46 || (b === 70 && bytes.subarray(i, i + 5).toString('latin1') === 'From '));
      const token = literal && !risky ? String.fromCharCode(b) : escaped;
      current += token;
    }
    out.push(current);
  }
  return out.join(CRLF);
}

function base64Lines(bytes: Buffer): string {
  const encoded = bytes.toString('base64');
  const out: string[] = [];
  for (let i = 0; i < encoded.length; i += 76) out.push(encoded.slice(i, i + 76));
  return out.join(CRLF);
}

/** RFC 2047 encoded-words (UTF-8, "B"), never splitting a character, each at most 68 characters. */
function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    if (Buffer.byteLength(chunk + char, 'utf8') > WORD_BYTES) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk.length > 0 || words.length === 0) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`);
}

/**
 * An unstructured header (Subject, X-…): ASCII folded at spaces, anything else (or text that
 * could be read as an encoded-word, or a word too long to fold) as encoded-words.
 */
function unstructuredHeader(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new MimeMessageError(`Header ${name} may not contain a line break`);
  // Leading or trailing white space (a subject of spaces only, too) would be trimmed by readers: such
  // a value goes as encoded-words, which keep it.
  const plain =
    !UNSAFE_ASCII.test(value) &&
    !value.includes('=?') &&
    value.trim() === value &&
    value.split(' ').every((w) => w.length <= 900);
  if (plain) return foldWords(`${name}:`, value.split(' '));
  return `${name}: ${encodedWords(value).join(`${CRLF} `)}`;
}

/** Joins `words` with spaces after `start`, folding (CRLF before the space) where a line would pass 78. */
function foldWords(start: string, words: readonly string[]): string {
  let line = start;
  const lines: string[] = [];
  words.forEach((word, i) => {
    // Never a continuation line of white space only (RFC 5322 §3.2.2): an empty word stays put.
    if (i > 0 && word.length > 0 && line.length + 1 + word.length > SOFT_LIMIT) {
      lines.push(line);
      line = ` ${word}`;
    } else {
      line += ` ${word}`;
    }
  });
  lines.push(line);
  for (const l of lines)
    if (l.length > HARD_LIMIT)
      throw new MimeMessageError(`A header line of ${start} passes ${HARD_LIMIT} characters`);
  return lines.join(CRLF);
}

interface Mailbox {
  readonly name: string | undefined;
  readonly address: string;
}

function parseMailbox(value: string, field: string): Mailbox {
  const trimmed = value.trim();
  const named = /^(.*?)\s*<([^<>]+)>$/.exec(trimmed);
  const address = (named ? named[2] : trimmed)?.trim() ?? '';
  if (!ADDRESS.test(address))
    throw new MimeMessageError(`${field}: ${JSON.stringify(value)} is not an email address`);
  const name = named?.[1]?.replace(/^"(.*)"$/, '$1').trim();
  if (name !== undefined && /[\r\n]/.test(name))
    throw new MimeMessageError(`${field}: the display name may not contain a line break`);
  return { name: name || undefined, address };
}

function mailboxText(mailbox: Mailbox): string[] {
  if (mailbox.name === undefined) return [mailbox.address];
  if (UNSAFE_ASCII.test(mailbox.name) || mailbox.name.includes('=?'))
    return [...encodedWords(mailbox.name), `<${mailbox.address}>`];
  const phrase = PLAIN_PHRASE.test(mailbox.name) ? mailbox.name : quoted(mailbox.name);
  return [phrase, `<${mailbox.address}>`];
}

/** An address header; folds between mailboxes, and inside a display name between encoded-words. */
function foldAddressList(name: string, mailboxes: readonly Mailbox[]): string {
  const tokens = mailboxes.flatMap((m, i) => {
    const words = mailboxText(m);
    return i < mailboxes.length - 1 ? [...words.slice(0, -1), `${words.at(-1)},`] : words;
  });
  return foldWords(`${name}:`, tokens);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC: `Thu, 03 Dec 2026 10:02:03 +0000`. */
export function rfc5322Date(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

import fc from 'fast-check';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { type MimeMessage, MimeMessageError, writeMimeMessage } from '#adapters/mime-message.ts';
import { approvalLinks, mimeHeader, mimeTextParts, oneTimeCode } from '#local/outbox.ts';

/**
 * The MIME writer read back by a real parser (postal-mime) and by the local outbox's reader: what
 * a recipient's mail client shows must be what the product wrote, in English and in Chinese.
 */

const FIXED = { date: new Date('2026-12-03T10:02:03Z'), messageIdLocalPart: 'm-1', boundaryToken: 'b1' };

const english: MimeMessage = {
  from: 'settlements@acme.example',
  to: ['finance@client.example', 'Jane Doe <jane@client.example>'],
  cc: ['"Doe, John (CFO)" <john@client.example>'],
  subject: 'Settlement statement ST-ACME-2026-000042: Website relaunch, phase 2 (October 2026), final',
  text: 'Dear Jane,\n\nThe statement is attached.\nApprove: https://approve.example/approvals/abc_123?s=XyZ-9\n    123456\n',
  html: `<p>Dear Jane,</p><p>${'The statement is attached. '.repeat(20)}</p><a href="https://approve.example/approvals/abc_123?s=XyZ-9">Approve</a>`,
  headers: { 'X-Settlement-Id': 'acme/web/2026-10/r1', 'X-Approval-Request-Id': 'req-7' },
  attachments: [
    {
      filename: 'ST-ACME-2026-000042.pdf',
      contentType: 'application/pdf',
      content: new Uint8Array([37, 80, 68, 70, 0, 255, 13, 10]),
    },
    {
      filename: 'ST-ACME-2026-000042.xlsx',
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      content: new Uint8Array(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256)),
    },
    {
      filename: 'ST-ACME-2026-000042.csv',
      contentType: 'text/csv; charset=utf-8',
      content: Buffer.from('a,b\n€1,2\n'),
    },
  ],
};

const chinese: MimeMessage = {
  from: '华建结算中心 <settlements@huajian.example>',
  to: ['张三 <zhang.san@huajian.example>', '李四（财务） <li.si@huajian.example>'],
  subject: '项目结算单 ST-HUAJIAN-2026-000001：滨江安居工程（十个工地），竣工结算',
  text: '张经理，您好：\n\n供应商合同价对比：价差 +¥44,300.00，量差 +¥154,100.00。\n',
  html: '<p>张经理，您好：</p><table><tr><td>材料</td><td>+18 %</td></tr></table>',
  attachments: [
    {
      filename: '项目结算单 ST-HUAJIAN-2026-000001（最终版）.pdf',
      contentType: 'application/pdf',
      content: new Uint8Array([1, 2, 3]),
    },
  ],
};

/** Line breaks as LF: the writer sends CRLF. */
const plain = (s: string | undefined) => (s ?? '').replace(/\r\n/g, '\n');
/**
 * A body as parsed, compared with what was written: postal-mime keeps the line break before a
 * boundary in some parts (RFC 2046 gives it to the boundary), so one extra line break at the end is
 * the parser's, not the message's.
 */
const parsedBody = (parsed: string | undefined, written: string) =>
  plain(parsed) === `${plain(written)}\n` ? plain(written) : plain(parsed);

/** Whether `s` holds a control character other than those in `allowed`. */
const hasControl = (s: string, allowed: string) =>
  [...s].some((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) && !allowed.includes(c));

function lineProblems(mime: Buffer, softLimit: number): string[] {
  const text = mime.toString('utf8');
  const problems: string[] = [];
  if (/[^\r]\n|\r[^\n]/.test(text)) problems.push('a bare CR or LF');
  if (!text.endsWith('\r\n')) problems.push('no CRLF at the end');
  for (const line of text.split('\r\n')) {
    // Over the limit only where there was a space to fold at (a long MIME type has none).
    const foldable = line.slice(line.indexOf(': ') + 2).includes(' ');
    if (line.length > 998 || (line.length > softLimit && foldable))
      problems.push(`${line.length}: ${line.slice(0, 40)}…`);
  }
  if ([...text].some((c) => c.charCodeAt(0) > 0x7f)) problems.push('8-bit data');
  return problems;
}

describe('writeMimeMessage', () => {
  it('writes an English statement email that a mail parser reads back field for field', async () => {
    const mime = writeMimeMessage(english, FIXED);
    const parsed = await PostalMime.parse(mime);
    expect(parsed.from).toEqual({ address: 'settlements@acme.example', name: '' });
    expect(parsed.to).toEqual([
      { address: 'finance@client.example', name: '' },
      { address: 'jane@client.example', name: 'Jane Doe' },
    ]);
    expect(parsed.cc).toEqual([{ address: 'john@client.example', name: 'Doe, John (CFO)' }]);
    expect(parsed.subject).toBe(english.subject);
    expect(parsed.date).toBe('2026-12-03T10:02:03.000Z');
    expect(parsed.messageId).toBe('<m-1@acme.example>');
    expect(parsedBody(parsed.text, plain(english.text))).toBe(plain(english.text));
    expect(parsedBody(parsed.html, english.html)).toBe(english.html);
    expect(parsed.headers.find((h) => h.key === 'x-settlement-id')?.value).toBe('acme/web/2026-10/r1');
    expect(parsed.attachments.map((a) => [a.filename, a.mimeType, a.disposition])).toEqual([
      ['ST-ACME-2026-000042.pdf', 'application/pdf', 'attachment'],
      [
        'ST-ACME-2026-000042.xlsx',
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'attachment',
      ],
      ['ST-ACME-2026-000042.csv', 'text/csv', 'attachment'],
    ]);
    expect(parsed.attachments.map((a) => Buffer.from(a.content as ArrayBuffer).toString('hex'))).toEqual(
      english.attachments?.map((a) => Buffer.from(a.content).toString('hex')),
    );
    expect(mime.toString()).toContain(
      'Content-Type: text/csv; charset=utf-8;\r\n name="ST-ACME-2026-000042.csv"',
    );
    expect(lineProblems(mime, 78)).toEqual([]);
  });

  it('writes Chinese subjects, display names, bodies and file names so that they read as Chinese', async () => {
    const mime = writeMimeMessage(chinese, FIXED);
    const parsed = await PostalMime.parse(mime);
    expect(parsed.from).toEqual({ address: 'settlements@huajian.example', name: '华建结算中心' });
    expect(parsed.to).toEqual([
      { address: 'zhang.san@huajian.example', name: '张三' },
      { address: 'li.si@huajian.example', name: '李四（财务）' },
    ]);
    expect(parsed.subject).toBe(chinese.subject);
    expect(parsedBody(parsed.text, plain(chinese.text))).toBe(plain(chinese.text));
    expect(parsedBody(parsed.html, chinese.html)).toBe(chinese.html);
    expect(parsed.attachments.map((a) => a.filename)).toEqual([
      '项目结算单 ST-HUAJIAN-2026-000001（最终版）.pdf',
    ]);
    expect(lineProblems(mime, 78)).toEqual([]);
    // Chinese text goes base64 (4 characters per 3 bytes), not quoted-printable (9 per character).
    expect(mime.toString()).toMatch(
      /Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64/,
    );
  });

  it('sends a message without attachments as multipart/alternative, text first', async () => {
    const mime = writeMimeMessage({ ...english, attachments: [] }, FIXED);
    expect(mimeHeader(mime, 'Content-Type')).toBe('multipart/alternative; boundary="=_alt_b1"');
    const parsed = await PostalMime.parse(mime);
    expect(parsed.attachments).toEqual([]);
    expect(mimeTextParts(mime).map(plain)).toEqual([plain(english.text).trim(), english.html]);
  });

  it('is read by the local outbox: subject, headers, text parts, approval links and codes', () => {
    const mime = writeMimeMessage(english, FIXED);
    expect(mimeHeader(mime, 'Subject')).toBe(english.subject);
    expect(mimeHeader(mime, 'X-Approval-Request-Id')).toBe('req-7');
    expect(approvalLinks(mime)).toEqual(['https://approve.example/approvals/abc_123?s=XyZ-9']);
    expect(oneTimeCode(mime)).toBe('123456');
    const zh = writeMimeMessage(chinese, FIXED);
    expect(mimeTextParts(zh).map(plain)).toEqual([plain(chinese.text), chinese.html]);
  });

  it('keeps lines of quoted-printable at 76 characters and escapes what transports change', async () => {
    const text = `${'é'.repeat(30)}${'a'.repeat(100)} \n.hidden dot\nFrom here\ntrailing tab\t\n${'x='.repeat(60)}`;
    const mime = writeMimeMessage({ ...english, attachments: [], text }, FIXED);
    const body = mime.toString().split('Content-Transfer-Encoding: quoted-printable\r\n\r\n')[1] ?? '';
    const part = body.slice(0, body.indexOf('\r\n--='));
    for (const line of part.split('\r\n')) {
      expect(line.length).toBeLessThanOrEqual(76);
      expect(line).not.toMatch(/[ \t]$/);
      expect(line).not.toMatch(/^(\.|From )/);
    }
    expect(parsedBody((await PostalMime.parse(mime)).text, text)).toBe(text);
  });

  it('folds a long ASCII subject at spaces and unfolds to the same text', async () => {
    const subject = `Overrun warning: ${Array.from({ length: 30 }, (_, i) => `project-${i}`).join(' ')}`;
    const mime = writeMimeMessage({ ...english, subject }, FIXED);
    expect(lineProblems(mime, 78)).toEqual([]);
    expect(mimeHeader(mime, 'Subject')).toBe(subject);
    expect((await PostalMime.parse(mime)).subject).toBe(subject);
  });

  it('encodes ASCII that a reader would take for an encoded-word', async () => {
    const subject = 'Literal =?UTF-8?B?SGk=?= stays literal';
    const parsed = await PostalMime.parse(writeMimeMessage({ ...english, subject }, FIXED));
    expect(parsed.subject).toBe(subject);
  });

  it('refuses header injection, bad addresses, bad content types and its own headers', () => {
    const bad: Array<[string, MimeMessage]> = [
      ['subject', { ...english, subject: 'Hi\r\nBcc: victim@example.com' }],
      ['header value', { ...english, headers: { 'X-Note': 'a\nb' } }],
      ['header name', { ...english, headers: { 'X Note': 'a' } }],
      ['own header', { ...english, headers: { 'Content-Type': 'text/plain' } }],
      ['address', { ...english, to: ['jane@client.example\r\nBcc: x@y.example'] }],
      ['no recipient', { ...english, to: [] }],
      [
        'content type',
        { ...english, attachments: [{ filename: 'a.pdf', contentType: 'pdf', content: new Uint8Array() }] },
      ],
      [
        'file name',
        {
          ...english,
          attachments: [{ filename: 'a\r\n.pdf', contentType: 'application/pdf', content: new Uint8Array() }],
        },
      ],
    ];
    for (const [what, message] of bad)
      expect(() => writeMimeMessage(message, FIXED), what).toThrow(MimeMessageError);
  });

  it('round-trips any Unicode subject, display name, bodies and file name through a mail parser', async () => {
    // Text as people write it: any code point but controls (a subject has no line break).
    const line = fc.string({ unit: 'grapheme', maxLength: 120 }).filter((s) => !hasControl(s, ''));
    const body = fc
      .array(
        fc.string({ unit: 'grapheme', maxLength: 200 }).filter((s) => !hasControl(s, '\t')),
        {
          maxLength: 6,
        },
      )
      .map((lines) => lines.join('\n'));
    await fc.assert(
      fc.asyncProperty(
        line,
        line.filter((s) => s.trim() === s && s.length > 0 && !/[<>"\\]/.test(s)),
        body,
        body,
        line.filter((s) => s.trim().length > 0 && !/[\\"/]/.test(s)),
        fc.uint8Array({ maxLength: 400 }),
        async (subject, name, text, html, filename, content) => {
          const message: MimeMessage = {
            from: 'settlements@acme.example',
            to: [`${name} <jane@client.example>`],
            subject,
            text,
            html,
            attachments: [{ filename, contentType: 'application/octet-stream', content }],
          };
          const mime = writeMimeMessage(message, FIXED);
          expect(lineProblems(mime, 998)).toEqual([]);
          const parsed = await PostalMime.parse(mime);
          expect(parsed.subject ?? '').toBe(subject);
          expect(parsed.to?.[0]).toEqual({ address: 'jane@client.example', name });
          expect(parsedBody(parsed.text, plain(text))).toBe(plain(text));
          expect(parsedBody(parsed.html, plain(html))).toBe(plain(html));
          expect(parsed.attachments[0]?.filename).toBe(filename);
          expect(new Uint8Array(parsed.attachments[0]?.content as ArrayBuffer)).toEqual(content);
        },
      ),
      { numRuns: 300 },
    );
  });
});

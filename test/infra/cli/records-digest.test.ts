import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineDigests, recordsDigest } from '../../../infra/cli/records-digest.ts';

/** The definition, on text: one SHA-256 per trimmed non-blank line, sorted, joined, hashed. */
function reference(text: string): string {
  const digests = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => createHash('sha256').update(line).digest('hex'))
    .sort();
  return `sha256:${createHash('sha256').update(digests.join('\n')).digest('hex')}`;
}

function digestOf(bytes: Buffer, cuts: readonly number[] = []): string {
  // Readers see whole lines: cut only after a '\n'.
  const parts: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    const nl = cut >= bytes.length ? bytes.length : bytes.indexOf(0x0a, Math.max(from, cut));
    const to = nl < 0 ? bytes.length : Math.min(bytes.length, nl + 1);
    if (to <= from) continue;
    const digests = new LineDigests();
    digests.addLines(bytes, from, to);
    parts.push(digests.bytes());
    from = to;
  }
  return recordsDigest(parts);
}

describe('the records digest', () => {
  it('hashes trimmed lines, skipping blank ones, as the text definition does', () => {
    const text = ' {"a":1}\r\n\n\t\n{"b":2}  \n\u00a0{"c":3}\u00a0\n{"d":"naïve"}\r\n\ufeff\n';
    expect(digestOf(Buffer.from(text))).toBe(reference(text));
  });

  it('treats bytes that are not UTF-8 as a text reader would', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"a":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n{"b":1}\n'),
    ]);
    expect(digestOf(bytes)).toBe(reference(bytes.toString('utf8')));
  });

  it('does not depend on the order of the lines or on how readers split them', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 12 }).filter((s) => !s.includes('\n')),
          { maxLength: 40 },
        ),
        fc.array(fc.nat(400), { maxLength: 3 }),
        (lines, cuts) => {
          const text = `${lines.join('\n')}\n`;
          const reversed = `${[...lines].reverse().join('\n')}\n`;
          const bytes = Buffer.from(text);
          const sortedCuts = [...cuts].sort((a, b) => a - b);
          expect(digestOf(bytes, sortedCuts)).toBe(reference(text));
          expect(digestOf(Buffer.from(reversed))).toBe(reference(text));
        },
      ),
    );
  });

  it('changes when a record changes', () => {
    expect(digestOf(Buffer.from('{"a":1}\n{"b":2}\n'))).not.toBe(digestOf(Buffer.from('{"a":1}\n{"b":3}\n')));
  });
});

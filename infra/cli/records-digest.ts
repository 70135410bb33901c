import { isUtf8 } from 'node:buffer';
import { createHash, hash } from 'node:crypto';

/**
 * The records hash of a statement names the set of records, not the file's byte order: one
 * SHA-256 per non-blank line (trimmed as `String.prototype.trim` does), the hex digests sorted and
 * joined by '\n', hashed again. The same records in another order give the same statement.
 *
 * The digests are kept as raw bytes in one buffer (32 bytes a line, not a string each), so a
 * million records cost 32 MB, and a reader thread hands its buffer over without copying.
 */

const SIZE = 32;

/** ASCII whitespace `trim` removes: tab, LF, VT, FF, CR, space. */
const isSpace = (byte: number) => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);

/** The SHA-256 digests of the lines a reader saw, in the order it saw them. */
export class LineDigests {
  #buffer = Buffer.allocUnsafe(SIZE * 4096);
  #count = 0;

  get count(): number {
    return this.#count;
  }

  /** Adds each '\n'-separated line of `buf[start, end)`; blank lines add nothing. */
  addLines(buf: Buffer, start: number, end: number): void {
    let from = start;
    while (from < end) {
      const nl = buf.indexOf(0x0a, from);
      const to = nl < 0 || nl >= end ? end : nl;
      this.#addLine(buf, from, to);
      from = to + 1;
    }
  }

  #addLine(buf: Buffer, start: number, end: number): void {
    let s = start;
    let e = end;
    while (s < e && isSpace(buf[s] as number)) s += 1;
    while (e > s && isSpace(buf[e - 1] as number)) e -= 1;
    if (s === e) return;
    let line: Buffer | string = buf.subarray(s, e);
    // Other whitespace at an edge (U+00A0, U+FEFF, …) or bytes that are not UTF-8: hash what a
    // line read as text and trimmed would be.
    if (((buf[s] as number) & 0x80) !== 0 || ((buf[e - 1] as number) & 0x80) !== 0 || !isUtf8(line)) {
      line = line.toString('utf8').trim();
      if (line === '') return;
    }
    if ((this.#count + 1) * SIZE > this.#buffer.length) {
      const bigger = Buffer.allocUnsafe(this.#buffer.length * 2);
      this.#buffer.copy(bigger, 0, 0, this.#count * SIZE);
      this.#buffer = bigger;
    }
    hash('sha256', line, 'buffer').copy(this.#buffer, this.#count * SIZE);
    this.#count += 1;
  }

  /** The digests, 32 bytes each. */
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#count * SIZE);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * `sha256:<hex>` of the sorted hex line digests joined by '\n' (hex order is byte order, so the raw
 * digests are sorted). `parts` are the digests of several readers, in any order.
 */
export function recordsDigest(parts: readonly Uint8Array[]): string {
  const all = Buffer.concat(parts);
  const n = all.length / SIZE;
  // Sort by the first 6 bytes (exact as a double), the whole digest on a tie.
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i += 1) keys[i] = all.readUIntBE(i * SIZE, 6);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i += 1) order[i] = i;
  order.sort(
    (a, b) =>
      (keys[a] as number) - (keys[b] as number) ||
      all.compare(all, b * SIZE, b * SIZE + SIZE, a * SIZE, a * SIZE + SIZE),
  );
  const digest = createHash('sha256');
  let text = '';
  for (let i = 0; i < n; i += 1) {
    const at = (order[i] as number) * SIZE;
    let hex = i === 0 ? '' : '\n';
    for (let j = 0; j < SIZE; j += 1) hex += HEX[all[at + j] as number];
    text += hex;
    if (text.length >= 1 << 16) {
      digest.update(text);
      text = '';
    }
  }
  digest.update(text);
  return `sha256:${digest.digest('hex')}`;
}

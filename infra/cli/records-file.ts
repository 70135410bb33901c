import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { RecordLineScanner, RecordLineSink } from '#domain/record-lines.ts';
import type { LineDigests } from './records-digest.ts';

/** Bytes read at a time; a longer line grows the buffer. */
const CHUNK = 4 << 20;

/**
 * Scans the NDJSON lines of `path` that start in the byte range [start, end) into `sink`, reading
 * the file in large chunks. Ranges that split a file hand each line to the range its first byte
 * is in, so ranges [0, a), [a, b), [b, size) together see every line exactly once.
 * `digests`, when given, receives the digest of each line of the range (the records hash).
 * Returns the number of non-blank lines and the offset up to which bytes were read.
 */
export function scanRecordFile(
  path: string,
  range: { start: number; end: number },
  scanner: RecordLineScanner,
  sink: RecordLineSink,
  digests?: LineDigests,
): { lines: number; bytesRead: number } {
  const fd = openSync(path, 'r');
  // Declared here so that every return can say how far the bytes were read.
  let bufStart = range.start > 0 ? range.start - 1 : 0;
  let filled = 0;
  try {
    const end = Math.min(range.end, fstatSync(fd).size);
    // From the byte before the range: a line starts in the range only after a '\n' there.
    let buf = Buffer.allocUnsafe(CHUNK);
    let at = range.start > 0 ? -1 : 0; // index of the next line's first byte; -1: still looking
    let lines = 0;
    for (;;) {
      const n = readSync(fd, buf, filled, buf.length - filled, bufStart + filled);
      filled += n;
      const eof = n === 0;
      if (at < 0) {
        const nl = buf.indexOf(0x0a);
        if (nl >= 0 && nl < filled) at = nl + 1;
        else if (eof) return { lines, bytesRead: bufStart + filled };
      }
      if (at >= 0) {
        const limit = end - bufStart; // lines starting at or after this index belong to the next range
        if (at >= limit) return { lines, bytesRead: bufStart + filled };
        const last = buf.lastIndexOf(0x0a, filled - 1);
        if (last >= at) {
          // The last complete line that starts before the limit ends at the first '\n' from limit - 1.
          const cut = limit <= last ? buf.indexOf(0x0a, Math.max(at, limit - 1)) : last;
          lines += scanner.scan(buf, at, cut, sink);
          digests?.addLines(buf, at, cut);
          at = cut + 1;
          if (at >= limit) return { lines, bytesRead: bufStart + filled };
        }
        if (eof) {
          if (at < filled) {
            lines += scanner.scan(buf, at, filled, sink);
            digests?.addLines(buf, at, filled);
          }
          return { lines, bytesRead: bufStart + filled };
        }
      } else if (eof) return { lines, bytesRead: bufStart + filled };
      // Keep the unfinished line; grow when it fills the whole buffer.
      const keep = at >= 0 ? at : filled;
      if (keep > 0) {
        buf.copy(buf, 0, keep, filled);
        bufStart += keep;
        filled -= keep;
        if (at >= 0) at = 0;
      } else if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
    }
  } finally {
    closeSync(fd);
  }
}

import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Charter } from '#domain/charter.ts';
import type { BuilderPart, StatementBuilder, StatementOptions } from '#domain/compute.ts';
import { SettlementDomainError } from '#domain/errors.ts';
import { createRecordLineScanner, type RecordLineSink } from '#domain/record-lines.ts';
import type { WorkerInput } from './compute-worker.ts';
import { LineDigests, recordsDigest } from './records-digest.ts';
import { scanRecordFile } from './records-file.ts';

/**
 * Feeding an NDJSON records file to a statement builder, on one thread or several.
 *
 * The file is cut into byte ranges, one per thread; each thread folds its lines into a builder of
 * its own and the parts are merged exactly (integer seconds, exact decimals) into the caller's
 * builder, so the statement is the one a single pass gives, byte for byte. Each thread also takes
 * the digests of its lines for the records hash, which does not depend on the lines' order
 * (records-digest.ts). Small files, or one core, are read in this thread.
 */

export interface QuarantineCount {
  source: string;
  reason: string;
  count: number;
}
export type QuarantineTally = Map<string, QuarantineCount>;

/** The sink that feeds a builder and counts quarantined lines by source and reason. */
export function recordSink(builder: StatementBuilder, quarantine: QuarantineTally): RecordLineSink {
  return {
    time: (record) => builder.addTime(record),
    cost: (record) => builder.addCost(record),
    record: (record) => builder.add(record),
    quarantine(source, reason) {
      const key = `${source}\u001f${reason}`;
      const entry = quarantine.get(key) ?? { source, reason, count: 0 };
      entry.count += 1;
      quarantine.set(key, entry);
    },
  };
}

/** Below this size one thread is faster than starting more. */
const PARALLEL_FROM_BYTES = 16 << 20;

export interface FileRecords {
  /** Non-blank lines read. */
  readonly lines: number;
  readonly quarantine: QuarantineTally;
  /** `sha256:<hex>` of the file's records, whatever their order (see records-digest.ts). */
  readonly sha256: string;
  readonly threads: number;
}

/**
 * Reads every record of `path` into `builder` (created by the caller from `charter` and `options`).
 * `threads` (default 1) threads read byte ranges in parallel, at most one per `bytesPerThread` of
 * file. One is the default: each further thread costs a V8 isolate (~120 MB peak at 1 M records,
 * above the 256 MB budget with two), the compute function has one vCPU at its memory size, and on
 * the shared 2-core benchmark machine two threads were slower than one (docs/benchmarks.md).
 */
export async function addRecordsFile(
  builder: StatementBuilder,
  charter: Charter,
  options: StatementOptions,
  path: string,
  threads = 1,
  bytesPerThread = PARALLEL_FROM_BYTES,
): Promise<FileRecords> {
  const size = statSync(path).size;
  const quarantine: QuarantineTally = new Map();
  const count = Math.max(1, Math.min(threads, Math.ceil(size / bytesPerThread)));
  if (count === 1) {
    const digests = new LineDigests();
    const { lines } = scanRecordFile(
      path,
      { start: 0, end: Number.POSITIVE_INFINITY },
      createRecordLineScanner(),
      recordSink(builder, quarantine),
      digests,
    );
    return { lines, quarantine, sha256: recordsDigest([digests.bytes()]), threads: 1 };
  }

  // Threads 1…n−1 read their ranges; this thread reads the first range meanwhile.
  const step = Math.ceil(size / count);
  const others = Promise.all(
    Array.from({ length: count - 1 }, (_, i) =>
      runWorker({
        charter,
        options,
        path,
        start: (i + 1) * step,
        end: i === count - 2 ? size : (i + 2) * step,
      }),
    ),
  );
  // Without this, a failing thread would surface only after this thread's own work.
  others.catch(() => undefined);
  const digests = new LineDigests();
  const first = scanRecordFile(
    path,
    { start: 0, end: step },
    createRecordLineScanner(),
    recordSink(builder, quarantine),
    digests,
  );
  const results = await others;
  let lines = first.lines;
  const parts: Uint8Array[] = [digests.bytes()];
  for (const result of results) {
    builder.absorb(result.part);
    lines += result.lines;
    parts.push(result.digests);
    for (const q of result.quarantine) {
      const key = `${q.source}\u001f${q.reason}`;
      const entry = quarantine.get(key) ?? { source: q.source, reason: q.reason, count: 0 };
      entry.count += q.count;
      quarantine.set(key, entry);
    }
  }
  return { lines, quarantine, sha256: recordsDigest(parts), threads: count };
}

export interface WorkerResult {
  readonly part: BuilderPart;
  readonly quarantine: QuarantineCount[];
  readonly lines: number;
  /** The digests of the range's lines (32 bytes each). */
  readonly digests: Uint8Array;
}

interface WorkerFailure {
  readonly error: { name: string; message: string; domain: boolean; code?: string };
}

function runWorker(input: WorkerInput): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./compute-worker.ts', import.meta.url), { workerData: input });
    worker.once('message', (message: WorkerResult | WorkerFailure) => {
      if ('error' in message) {
        const { name, message: text, domain, code } = message.error;
        const error = domain ? new SettlementDomainError(text) : new Error(text);
        error.name = name;
        if (code !== undefined) (error as NodeJS.ErrnoException).code = code;
        reject(error);
      } else resolve(message);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`settle compute: a reader thread exited with code ${code}`));
    });
  });
}

import { parentPort, workerData } from 'node:worker_threads';
import type { Charter } from '#domain/charter.ts';
import { createStatementBuilder, type StatementOptions } from '#domain/compute.ts';
import { SettlementDomainError } from '#domain/errors.ts';
import { createRecordLineScanner } from '#domain/record-lines.ts';
import { type QuarantineTally, recordSink, type WorkerResult } from './compute-records.ts';
import { LineDigests } from './records-digest.ts';
import { scanRecordFile } from './records-file.ts';

/**
 * One thread of `settle compute`: folds the records of one byte range of the file into its own
 * statement builder and posts the builder's exported state back (see computeFromFile).
 */

export interface WorkerInput {
  readonly charter: Charter;
  readonly options: StatementOptions;
  readonly path: string;
  readonly start: number;
  readonly end: number;
}

const input = workerData as WorkerInput;
try {
  const builder = createStatementBuilder(input.charter, input.options);
  const quarantine: QuarantineTally = new Map();
  const digests = new LineDigests();
  const { lines } = scanRecordFile(
    input.path,
    { start: input.start, end: input.end },
    createRecordLineScanner(),
    recordSink(builder, quarantine),
    digests,
  );
  // A copy of exactly the digests, handed over without another copy.
  const bytes = new Uint8Array(digests.bytes());
  const result: WorkerResult = {
    part: builder.export(),
    quarantine: [...quarantine.values()],
    lines,
    digests: bytes,
  };
  parentPort?.postMessage(result, [bytes.buffer]);
} catch (error) {
  parentPort?.postMessage({
    error: {
      name: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
      domain: error instanceof SettlementDomainError,
      code: (error as NodeJS.ErrnoException).code,
    },
  });
}

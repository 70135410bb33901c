import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { validateCharter } from '#domain/charter.ts';
import { createStatementBuilder, hasBlockingFailures } from '#domain/compute.ts';
import { SettlementDomainError } from '#domain/errors.ts';
import { defaultAsOf, resolvePeriod } from '#domain/periods.ts';
import { serializeStatement } from '#domain/statement.ts';
import { addRecordsFile, type FileRecords } from '../compute-records.ts';

const USAGE =
  'usage: settle compute --charter FILE --records FILE.ndjson [--period YYYY-MM | --milestone ID] [--as-of YYYY-MM-DD] [--revision N] [--threads N]';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * `settle compute`: computes a settlement statement from a charter and an NDJSON file of
 * normalised records and prints the canonical statement JSON to stdout (a one-line summary goes
 * to stderr). The records are read in large chunks (by --threads N threads over byte ranges,
 * default 1) and folded into the engine's builder, so memory does not grow with the file (but for
 * 32 bytes a line for the records hash, which does not depend on the lines' order). A line that is
 * not JSON or not a valid record is quarantined (counted by source and reason in the statement),
 * never fatal. Without --period/--milestone the `final`
 * statement is computed; without --as-of the period's last day (milestone: its planned end).
 * The same inputs give byte-identical output.
 *
 * Exit codes: 0 statement printed; 1 invalid charter or a settlement error (missing exchange
 * rate…); 2 usage error or unreadable file; 3 statement printed but it needs attention (a blocking
 * check failed, or every record was quarantined).
 */
export async function runCompute(argv: string[], io: Io): Promise<number> {
  let values: {
    charter?: string;
    records?: string;
    period?: string;
    milestone?: string;
    'as-of'?: string;
    revision?: string;
    threads?: string;
  };
  try {
    ({ values } = parseArgs({
      args: argv[0] === 'compute' ? argv.slice(1) : argv,
      options: {
        charter: { type: 'string' },
        records: { type: 'string' },
        period: { type: 'string' },
        milestone: { type: 'string' },
        'as-of': { type: 'string' },
        revision: { type: 'string' },
        threads: { type: 'string' },
      },
    }));
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (!values.charter || !values.records) {
    io.stderr.write(`--charter and --records are required\n${USAGE}\n`);
    return 2;
  }
  if (values.period !== undefined && values.milestone !== undefined) {
    io.stderr.write(`give --period or --milestone, not both\n${USAGE}\n`);
    return 2;
  }
  const revision = values.revision === undefined ? 0 : Number(values.revision);
  if (!Number.isInteger(revision) || revision < 0) {
    io.stderr.write(`--revision must be a non-negative integer\n${USAGE}\n`);
    return 2;
  }

  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    io.stderr.write(`--threads must be a positive integer\n${USAGE}\n`);
    return 2;
  }

  let charterBytes: Buffer;
  try {
    charterBytes = await readFile(values.charter);
  } catch (error) {
    io.stderr.write(
      `settle compute: cannot read ${values.charter} (${(error as NodeJS.ErrnoException).code ?? 'error'})\n`,
    );
    return 2;
  }
  let json: unknown;
  try {
    json = JSON.parse(charterBytes.toString('utf8'));
  } catch (error) {
    io.stderr.write(
      `${values.charter}: not JSON (${error instanceof Error ? error.message : String(error)})\n`,
    );
    return 1;
  }
  const validation = validateCharter(json);
  if (!validation.ok) {
    io.stderr.write(`${values.charter}: invalid charter\n`);
    for (const p of validation.problems) io.stderr.write(`  ${p.path}: ${p.message}\n`);
    return 1;
  }
  const charter = validation.charter;
  const selector =
    values.milestone !== undefined ? `milestone:${values.milestone}` : (values.period ?? 'final');

  try {
    const asOf = values['as-of'] ?? defaultAsOf(charter, resolvePeriod(charter, selector));
    const options = { period: selector, asOf, revision };
    const builder = createStatementBuilder(charter, options);
    let read: FileRecords;
    try {
      read = await addRecordsFile(builder, charter, options, values.records, threads);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === undefined) throw error;
      io.stderr.write(`settle compute: cannot read ${values.records} (${code})\n`);
      return 2;
    }
    const { quarantine, lines: count } = read;

    const statement = builder.finish({
      quarantine: [...quarantine.values()],
      inputsHash: {
        charter: `sha256:${createHash('sha256').update(charterBytes).digest('hex')}`,
        records: read.sha256,
      },
    });
    io.stdout.write(serializeStatement(statement));
    const quarantined = [...quarantine.values()].reduce((s, q) => s + q.count, 0);
    io.stderr.write(
      `settle compute: ${statement.projectId} ${statement.period.selector} r${statement.revision}: ${count} records (${quarantined} quarantined), cost ${statement.totals.cost.amount}, billing ${statement.totals.billing.amount} ${statement.currency}${hasBlockingFailures(statement) ? ', BLOCKING checks failed' : ''}\n`,
    );
    // Printed, but not settleable as it stands: a blocking check failed, or nothing was usable.
    if (count > 0 && quarantined === count) {
      io.stderr.write(
        'settle compute: every record was quarantined: check --records against the record format\n',
      );
      return 3;
    }
    if (hasBlockingFailures(statement)) return 3;
    return 0;
  } catch (error) {
    if (error instanceof SettlementDomainError) {
      io.stderr.write(`settle compute: ${error.name}: ${error.message}\n`);
      return error.name === 'InvalidPeriodError' ? 2 : 1;
    }
    throw error;
  }
}

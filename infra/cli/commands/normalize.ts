import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { normalizeFile } from '#connectors/index.ts';
import { canonicalDecimal, ExactDecimal } from '#connectors/values.ts';
import { SourceName } from '#domain/records.ts';

const USAGE = 'usage: settle normalize --source NAME FILE [--tz IANA] [--project REF] [--profile P]';

/**
 * `settle normalize`: normalises one export or saved API response and writes the records as NDJSON
 * to stdout and a summary (counts, quarantined by reason, total seconds, amounts per currency, notes)
 * to stderr. Exit 0 even when items are quarantined; 2 on usage errors or when the file cannot be read.
 */
export async function runNormalize(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  let values: { source?: string; tz?: string; project?: string; profile?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        source: { type: 'string' },
        tz: { type: 'string' },
        project: { type: 'string' },
        profile: { type: 'string' },
      },
    }));
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const file = positionals[0];
  const source = SourceName.safeParse(values.source);
  if (!source.success || file === undefined) {
    io.stderr.write(
      `${source.success ? 'a FILE is required' : `--source must be one of ${SourceName.options.join(', ')}`}\n${USAGE}\n`,
    );
    return 2;
  }

  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    io.stderr.write(`settle normalize: cannot read ${file} (${code})\n`);
    return 2;
  }

  const options: Record<string, unknown> = { fileName: basename(file) };
  if (values.tz !== undefined) options.tz = values.tz;
  if (values.project !== undefined) options.projectRef = values.project;
  if (values.profile !== undefined) options.profile = values.profile;

  let result: Awaited<ReturnType<typeof normalizeFile>>;
  try {
    result = await normalizeFile(source.data, bytes, options);
  } catch (error) {
    io.stderr.write(`settle normalize: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }

  for (const record of result.records) io.stdout.write(`${JSON.stringify(record)}\n`);

  const kinds = new Map<string, number>();
  const reasons = new Map<string, number>();
  const amounts = new Map<string, InstanceType<typeof ExactDecimal>>();
  let seconds = 0;
  let billableSeconds = 0;
  for (const record of result.records) {
    kinds.set(record.kind, (kinds.get(record.kind) ?? 0) + 1);
    if (record.kind === 'time') {
      seconds += record.seconds;
      billableSeconds += record.billableSeconds;
    }
    if (record.kind === 'cost') {
      const key = record.commitment ? `${record.currency} (commitments)` : record.currency;
      amounts.set(key, (amounts.get(key) ?? new ExactDecimal(0)).plus(record.amount));
    }
  }
  for (const item of result.quarantined) reasons.set(item.reason, (reasons.get(item.reason) ?? 0) + 1);

  const lines = [
    `${source.data} ${file}: ${result.records.length} record(s), ${result.quarantined.length} quarantined, ${result.duplicates} duplicate(s) kept once`,
  ];
  if (kinds.size > 0) lines.push(`  by kind: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (kinds.has('time')) {
    lines.push(
      `  time: ${seconds} s (${(seconds / 3600).toFixed(2)} h), billable ${billableSeconds} s (${(billableSeconds / 3600).toFixed(2)} h)`,
    );
  }
  for (const [currency, total] of amounts) lines.push(`  amount ${currency}: ${canonicalDecimal(total)}`);
  for (const [reason, count] of reasons) lines.push(`  quarantined ${reason}: ${count}`);
  for (const item of result.quarantined.slice(0, 20)) lines.push(`    ${item.message}`);
  if (result.quarantined.length > 20) lines.push(`    … ${result.quarantined.length - 20} more`);
  for (const note of result.notes) lines.push(`  note: ${note}`);
  io.stderr.write(`${lines.join('\n')}\n`);
  return 0;
}

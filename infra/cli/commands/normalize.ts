import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { CONNECTORS, normalizeFile, type OptionSpec } from '#connectors/index.ts';
import { canonicalDecimal, ExactDecimal } from '#connectors/values.ts';
import { SourceName } from '#domain/records.ts';

const USAGE =
  'usage: settle normalize --source NAME FILE [--option KEY=VALUE]… [--tz IANA] [--project REF] [--profile P]\n' +
  '       settle normalize --help [--source NAME]   (the sources, or one source’s options)';

/** The general help: what the command does and the sources it reads. */
function generalHelp(): string {
  const width = Math.max(...Object.keys(CONNECTORS).map((name) => name.length));
  return [
    USAGE,
    '',
    'Normalises one vendor export or saved API response to settlement records: NDJSON on stdout, a',
    'summary on stderr (counts, quarantined by reason, total time, amounts per currency, projects found).',
    'Options are the connector options of a charter binding: --option KEY=VALUE, repeatable; VALUE is',
    'JSON when it parses as JSON (maps and lists: --option \'projectMap={"Atlas":"atlas"}\'), text otherwise.',
    '--tz, --project and --profile are shorthands for --option tz=…, projectRef=…, profile=….',
    'Without --project or a projectMap entry a record keeps the vendor’s own project as projectRef.',
    '',
    'Sources (settle normalize --help --source NAME lists the options of one):',
    ...Object.values(CONNECTORS).map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

function sourceHelp(source: SourceName): string {
  const connector = CONNECTORS[source];
  const entries = Object.entries(connector.options).filter(([, spec]) => !spec.live);
  const live = Object.entries(connector.options).filter(([, spec]) => spec.live);
  const width = Math.max(...Object.keys(connector.options).map((k) => k.length));
  const line = ([key, spec]: [string, OptionSpec]) =>
    `  ${key.padEnd(width)}  ${spec.type.padEnd(7)}  ${spec.description}`;
  return [
    `${source}: ${connector.summary}`,
    '',
    'Options (--option KEY=VALUE):',
    ...entries.map(line),
    ...(live.length > 0 ? ['', 'Live mode only (charter bindings; ignored here):', ...live.map(line)] : []),
  ].join('\n');
}

/** Reads `KEY=VALUE` by the option's declared type; JSON for maps, lists and numbers. */
function parseOption(source: SourceName, pair: string): { key: string; value: unknown } | { error: string } {
  const at = pair.indexOf('=');
  if (at <= 0) return { error: `--option ${pair}: expected KEY=VALUE` };
  const key = pair.slice(0, at);
  const textValue = pair.slice(at + 1);
  const spec = CONNECTORS[source].options[key];
  if (spec === undefined) {
    return {
      error: `--option ${key}: ${source} has no option ${key}; it has ${Object.keys(CONNECTORS[source].options).join(', ')}`,
    };
  }
  let json: unknown;
  let isJson = true;
  try {
    json = JSON.parse(textValue);
  } catch {
    isJson = false;
  }
  const bad = (what: string) => ({ error: `--option ${key}: ${what} (got ${textValue})` });
  switch (spec.type) {
    case 'string':
      return { key, value: isJson && typeof json === 'string' ? json : textValue };
    case 'number':
      return isJson && typeof json === 'number' ? { key, value: json } : bad('must be a number');
    case 'boolean':
      return isJson && typeof json === 'boolean' ? { key, value: json } : bad('must be true or false');
    case 'map':
      return isJson && json !== null && typeof json === 'object' && !Array.isArray(json)
        ? { key, value: json }
        : bad('must be a JSON object such as {"Atlas":"atlas"}');
    case 'list':
      return isJson && Array.isArray(json)
        ? { key, value: json }
        : bad('must be a JSON list such as ["a","b"]');
    default:
      return { key, value: isJson ? json : textValue };
  }
}

/**
 * `settle normalize`: normalises one export or saved API response and writes the records as NDJSON
 * to stdout and a summary (counts, quarantined by reason, total seconds, amounts per currency, the
 * projects found, notes) to stderr. Exit 0 even when items are quarantined; 2 on usage errors or
 * when the file cannot be read.
 */
export async function runNormalize(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  let values: {
    source?: string;
    tz?: string;
    project?: string;
    profile?: string;
    option?: string[];
    help?: boolean;
  };
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
        option: { type: 'string', short: 'o', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const source = SourceName.safeParse(values.source);
  if (values.help) {
    io.stdout.write(`${source.success ? sourceHelp(source.data) : generalHelp()}\n`);
    return 0;
  }
  const file = positionals[0];
  if (!source.success || file === undefined) {
    io.stderr.write(
      `${source.success ? 'a FILE is required' : `--source must be one of ${SourceName.options.join(', ')}`}\n${USAGE}\n`,
    );
    return 2;
  }

  const options: Record<string, unknown> = { fileName: basename(file) };
  for (const pair of values.option ?? []) {
    const parsed = parseOption(source.data, pair);
    if ('error' in parsed) {
      io.stderr.write(`${parsed.error}\n${USAGE}\n`);
      return 2;
    }
    options[parsed.key] = parsed.value;
  }
  if (values.tz !== undefined) options.tz = values.tz;
  if (values.project !== undefined) options.projectRef = values.project;
  if (values.profile !== undefined) options.profile = values.profile;

  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    io.stderr.write(`settle normalize: cannot read ${file} (${code})\n`);
    return 2;
  }

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
  const projects = new Map<string, number>();
  let seconds = 0;
  let billableSeconds = 0;
  for (const record of result.records) {
    kinds.set(record.kind, (kinds.get(record.kind) ?? 0) + 1);
    projects.set(record.projectRef, (projects.get(record.projectRef) ?? 0) + 1);
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
  if (projects.size > 0) {
    const list = [...projects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    lines.push(
      `  projects: ${list
        .slice(0, 20)
        .map(([p, n]) => `${p} (${n})`)
        .join(', ')}${list.length > 20 ? ` … ${list.length - 20} more` : ''}`,
    );
  }
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

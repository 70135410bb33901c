import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { validateCharter } from '#domain/charter.ts';

const USAGE = 'usage: settle charter validate FILE';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * `settle charter validate FILE`: checks a charter against the schema and prints every problem
 * with its JSON path (`$.milestones[1].plannedEnd: plannedEnd is before plannedStart`).
 * Exit 0 valid; 1 invalid (or not JSON); 2 usage error or unreadable file.
 */
export async function runCharterValidate(argv: string[], io: Io): Promise<number> {
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} }));
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (positionals[0] === 'validate') positionals = positionals.slice(1);
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) {
    io.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    io.stderr.write(
      `settle charter validate: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})\n`,
    );
    return 2;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    io.stdout.write(
      `${file}: invalid\n  $: not JSON (${error instanceof Error ? error.message : String(error)})\n`,
    );
    return 1;
  }
  const result = validateCharter(json);
  if (result.ok) {
    io.stdout.write(
      `${file}: valid (project ${result.charter.projectId}, ${result.charter.contract.type}, ${result.charter.currency})\n`,
    );
    return 0;
  }
  io.stdout.write(
    `${file}: invalid, ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}\n`,
  );
  for (const p of result.problems) io.stdout.write(`  ${p.path}: ${p.message}\n`);
  return 1;
}

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { normalizeFile } from '#connectors/index.ts';
import { type Charter, validateCharter } from '#domain/charter.ts';
import { splitContract } from '#domain/clauses/contract-text.ts';
import { type ClauseEvidence, collectEvidence } from '#domain/clauses/evidence.ts';
import { DEFAULT_NO_MATCH_THRESHOLD, suggestEvidence } from '#domain/clauses/match.ts';
import { type ContractClause, EvidenceRef } from '#domain/clauses/schema.ts';
import { type EvidenceRecord, SettlementRecord, type TaskRecord } from '#domain/records.ts';

export const CLAUSES_USAGE = `usage:
  settle clauses suggest --charter FILE [--files DIR | --records FILE.ndjson] [--contract FILE]
                         [--synonyms FILE] [--as-of YYYY-MM-DD] [--threshold N] [--json]
  settle clauses confirm --charter FILE --clause ID --evidence REF[,REF…] --by NAME [--on YYYY-MM-DD]
  settle clauses split   --charter FILE [--contract FILE] [--write]
`;

/** The tenant's synonym list: groups of words or phrases meaning the same (any language). */
export const SynonymFile = z.union([
  z.array(z.array(z.string().min(1)).min(2)),
  z.strictObject({ groups: z.array(z.array(z.string().min(1)).min(2)) }),
]);
/** Looked for next to the charter when --synonyms is not given (one list per tenant folder). */
export const SYNONYMS_FILE = 'clause-synonyms.json';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

class UsageError extends Error {
  override name = 'UsageError';
}
class InputError extends Error {
  override name = 'InputError';
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

async function loadCharter(file: string): Promise<{ raw: Record<string, unknown>; charter: Charter }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readText(file, 'charter'));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${file}: not JSON (${(error as Error).message})`);
  }
  const result = validateCharter(raw);
  if (!result.ok)
    throw new InputError(
      `${file}: invalid charter\n${result.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    );
  return { raw: raw as Record<string, unknown>, charter: result.charter };
}

/** The charter's clauses, or the contract file split by its numbering when the charter has none inline. */
async function clausesOf(
  charter: Charter,
  charterFile: string,
  contract?: string,
): Promise<ContractClause[]> {
  const file = contract ?? charter.clauses?.file;
  if (contract === undefined && (charter.clauses?.items.length ?? 0) > 0) return charter.clauses?.items ?? [];
  if (file === undefined)
    throw new InputError(
      `${charterFile}: no clauses (give clauses.items or clauses.file in the charter, or --contract FILE)`,
    );
  const path = contract ?? resolve(dirname(charterFile), file);
  const split = splitContract(await readText(path, 'contract'));
  if (split.length === 0)
    throw new InputError(`${path}: no numbered clauses found (第一条, 1.2, Article 4…)`);
  return split.map((c) => ({
    id: c.id,
    ...(c.title ? { title: c.title } : {}),
    text: c.text,
    language: c.language,
    blocking: false,
  }));
}

async function loadSynonyms(file: string | undefined, charterFile: string): Promise<string[][]> {
  const path = file ?? join(dirname(charterFile), SYNONYMS_FILE);
  if (file === undefined && !existsSync(path)) return [];
  const parsed = SynonymFile.safeParse(JSON.parse(await readText(path, 'synonyms')));
  if (!parsed.success)
    throw new InputError(
      `${path}: a synonym list is an array of groups (arrays of at least two words or phrases): ${parsed.error.issues[0]?.message}`,
    );
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.groups;
}

/** Task and evidence records of the charter's project: from an NDJSON file or the charter's source files. */
async function loadRecords(
  charter: Charter,
  charterFile: string,
  options: { files?: string | undefined; records?: string | undefined },
  io: Io,
): Promise<{ tasks: TaskRecord[]; evidence: EvidenceRecord[] }> {
  const all: SettlementRecord[] = [];
  if (options.records) {
    const lines = (await readText(options.records, 'records')).split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        io.stderr.write(`${options.records}:${i + 1}: not JSON, skipped\n`);
        return;
      }
      const parsed = SettlementRecord.safeParse(json);
      if (parsed.success) all.push(parsed.data);
      else io.stderr.write(`${options.records}:${i + 1}: not a record, skipped\n`);
    });
  } else {
    const dir = options.files ?? dirname(charterFile);
    for (const source of charter.sources) {
      if (source.mode !== 'file' || source.path === undefined) continue;
      const path = join(dir, source.path);
      if (!existsSync(path)) {
        io.stderr.write(`source ${source.id}: ${path} not found, skipped\n`);
        continue;
      }
      const result = await normalizeFile(source.connector, await readFile(path), {
        ...source.options,
        projectRef: charter.projectRef,
      });
      all.push(...result.records);
    }
  }
  const mine = all.filter((r) => r.projectRef === charter.projectRef);
  return {
    tasks: mine.filter((r): r is TaskRecord => r.kind === 'task'),
    evidence: mine.filter((r): r is EvidenceRecord => r.kind === 'evidence'),
  };
}

function describe(e: ClauseEvidence | undefined, ref: string): string {
  return e
    ? `${e.label} [${e.fulfilled ? 'fulfilled' : 'not fulfilled'}: ${e.state}]`
    : `${ref} [not in the records]`;
}

async function suggest(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      charter: { type: 'string' },
      files: { type: 'string' },
      records: { type: 'string' },
      contract: { type: 'string' },
      synonyms: { type: 'string' },
      'as-of': { type: 'string' },
      threshold: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.charter) throw new UsageError('--charter is required');
  const asOf = values['as-of'] ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new UsageError('--as-of must be YYYY-MM-DD');
  const { charter } = await loadCharter(values.charter);
  const threshold =
    values.threshold !== undefined
      ? Number(values.threshold)
      : (charter.clauses?.threshold ?? DEFAULT_NO_MATCH_THRESHOLD);
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1)
    throw new UsageError('--threshold must be a number between 0 and 1');
  const clauses = await clausesOf(charter, values.charter, values.contract);
  const synonyms = await loadSynonyms(values.synonyms, values.charter);
  const records = await loadRecords(charter, values.charter, values, io);
  const evidence = collectEvidence({ charter, tasks: records.tasks, records: records.evidence, asOf });
  const byRef = new Map(evidence.map((e) => [e.ref, e]));
  const suggestions = suggestEvidence(clauses, evidence, { synonyms, threshold });
  const confirmed = new Map((charter.clauses?.confirmed ?? []).map((m) => [m.clause, m]));

  if (values.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          asOf,
          threshold,
          evidence: evidence.length,
          clauses: suggestions.map((s) => ({
            ...s,
            confirmed: confirmed.get(s.clause)?.evidence ?? null,
          })),
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(
    `${clauses.length} clauses, ${evidence.length} evidence items (${records.tasks.length} issues, ${records.evidence.length} records, ${charter.milestones.length} milestones) as of ${asOf}; no-match threshold ${threshold}`,
  );
  suggestions.forEach((s, i) => {
    const clause = clauses[i];
    out('');
    out(
      `${s.clause}${clause?.title ? ` ${clause.title}` : ''} (${s.language}${clause?.blocking ? ', blocking' : ''})`,
    );
    out(`  ${(clause?.text ?? '').slice(0, 140)}`);
    const mapping = confirmed.get(s.clause);
    if (mapping) {
      out(`  confirmed by ${mapping.confirmedBy} on ${mapping.confirmedOn}:`);
      for (const ref of mapping.evidence) out(`    ${ref}  ${describe(byRef.get(ref), ref)}`);
    }
    if (s.best) {
      out(
        `  suggested: ${s.best.ref}  score ${s.best.score.toFixed(4)}  matched: ${s.best.matched.join(', ')}`,
      );
      out(`    ${describe(byRef.get(s.best.ref), s.best.ref)}`);
    } else {
      const near = s.candidates[0];
      out(
        `  suggested: no match${near ? ` (closest ${near.ref}, score ${near.score.toFixed(4)} < ${threshold})` : ''}`,
      );
    }
    const shown = s.best?.ref ?? s.candidates[0]?.ref;
    for (const c of s.candidates)
      if (c.ref !== shown)
        out(`  also: ${c.ref}  score ${c.score.toFixed(4)}  matched: ${c.matched.join(', ')}`);
    if (!mapping && s.best)
      out(
        `  confirm: settle clauses confirm --charter ${values.charter} --clause '${s.clause}' --evidence '${s.best.ref}' --by NAME`,
      );
  });
  out('');
  out(
    "Suggestions do not count until confirmed: only the charter's clauses.confirmed mappings enter the statement.",
  );
  return 0;
}

async function confirm(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      charter: { type: 'string' },
      clause: { type: 'string' },
      evidence: { type: 'string' },
      by: { type: 'string' },
      on: { type: 'string' },
      note: { type: 'string' },
    },
  });
  if (!values.charter || !values.clause || !values.evidence || !values.by)
    throw new UsageError('--charter, --clause, --evidence and --by are required');
  const on = values.on ?? new Date().toISOString().slice(0, 10);
  const refs = values.evidence
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const ref of refs) {
    const ok = EvidenceRef.safeParse(ref);
    if (!ok.success) throw new UsageError(`--evidence ${ref}: ${ok.error.issues[0]?.message}`);
  }
  const { raw, charter } = await loadCharter(values.charter);
  const known = charter.clauses?.items ?? [];
  if (known.length === 0)
    throw new InputError(
      `${values.charter}: the charter has no clauses inline; run settle clauses split --write first so the settlement sees them`,
    );
  if (!known.some((c) => c.id === values.clause))
    throw new InputError(
      `${values.charter}: no clause "${values.clause}" (clauses: ${known.map((c) => c.id).join(', ')})`,
    );
  const section = { ...((raw.clauses as Record<string, unknown> | undefined) ?? {}) };
  const mappings = ((section.confirmed as Record<string, unknown>[] | undefined) ?? []).filter(
    (m) => m.clause !== values.clause,
  );
  mappings.push({
    clause: values.clause,
    evidence: refs,
    confirmedBy: values.by,
    confirmedOn: on,
    ...(values.note ? { note: values.note } : {}),
  });
  section.confirmed = mappings;
  const next = { ...raw, clauses: section };
  const check = validateCharter(next);
  if (!check.ok) throw new InputError(check.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  await writeFile(values.charter, `${JSON.stringify(next, null, 2)}\n`);
  io.stdout.write(
    `Confirmed clause ${values.clause} ← ${refs.join(', ')} (by ${values.by} on ${on}) in ${values.charter}\n`,
  );
  return 0;
}

async function split(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      charter: { type: 'string' },
      contract: { type: 'string' },
      write: { type: 'boolean', default: false },
    },
  });
  if (!values.charter) throw new UsageError('--charter is required');
  const { raw, charter } = await loadCharter(values.charter);
  const file = values.contract ?? charter.clauses?.file;
  if (file === undefined) throw new UsageError('give --contract FILE or clauses.file in the charter');
  const clauses = await clausesOf(
    charter,
    values.charter,
    values.contract ?? resolve(dirname(values.charter), file),
  );
  const previous = new Map((charter.clauses?.items ?? []).map((c) => [c.id, c]));
  // Keep what a person set on a clause (blocking, due, milestone) when the text is split again.
  const items = clauses.map((c) => {
    const before = previous.get(c.id);
    return {
      ...c,
      blocking: before?.blocking ?? false,
      ...(before?.due ? { due: before.due } : {}),
      ...(before?.milestone ? { milestone: before.milestone } : {}),
    };
  });
  for (const c of items)
    io.stdout.write(`${c.id}\t${c.language}\t${c.title ?? ''}\t${c.text.slice(0, 100)}\n`);
  if (!values.write) {
    io.stdout.write(`${items.length} clauses (not written: add --write to put them in the charter)\n`);
    return 0;
  }
  const section = { ...((raw.clauses as Record<string, unknown> | undefined) ?? {}), file, items };
  const next = { ...raw, clauses: section };
  const check = validateCharter(next);
  if (!check.ok) throw new InputError(check.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  await writeFile(values.charter, `${JSON.stringify(next, null, 2)}\n`);
  io.stdout.write(`${items.length} clauses written to ${values.charter}\n`);
  return 0;
}

/**
 * `settle clauses`: contract clause coverage. `suggest` proposes, per clause, the evidence that
 * most likely fulfils it (issues, acceptance records, milestones, deliverables), with its score
 * and the words that matched, or "no match" under the threshold; `confirm` records a person's
 * mapping in the charter (only confirmed mappings count); `split` splits a contract text file by
 * its numbering into the charter's clauses.
 * Exit codes: 0 done; 1 invalid charter or input; 2 usage error.
 */
export async function runClauses(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'suggest':
        return await suggest(rest, io);
      case 'confirm':
        return await confirm(rest, io);
      case 'split':
        return await split(rest, io);
      default:
        io.stderr.write(CLAUSES_USAGE);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`settle clauses: ${(error as Error).message}\n${CLAUSES_USAGE}`);
      return 2;
    }
    if (error instanceof InputError || error instanceof SyntaxError) {
      io.stderr.write(`settle clauses: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

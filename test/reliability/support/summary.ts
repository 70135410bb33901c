import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The reliability suite's figures. Each test file records its cases here; at the end of a file the
 * figures of every file of the same vitest run (files run in separate forks: they share the parent
 * process id) are read back and printed, so the last file to finish prints the whole suite's
 * summary. `printSuiteSummary` (the chaos config's global teardown) prints it once more at the end.
 */

export type Category =
  | 'crash-and-rerun'
  | 'faults'
  | 'concurrency'
  | 'bad-input'
  | 'attacks'
  | 'archive'
  | 'exports'
  | 'supply-chain';

export const CATEGORIES: readonly Category[] = [
  'crash-and-rerun',
  'faults',
  'concurrency',
  'bad-input',
  'attacks',
  'archive',
  'exports',
  'supply-chain',
];

interface Entry {
  readonly file: string;
  readonly category: Category;
  readonly cases: number;
  readonly failures: number;
  readonly recordsLost: number;
  readonly doubleCounts: number;
  readonly ms: number;
}

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const DIR = join(ROOT, '.local', 'reliability');

function runFile(runId: string): string {
  return join(DIR, `summary-${runId}.jsonl`);
}

/** The id shared by the forks of one vitest run (their parent), or RELIABILITY_RUN_ID when set. */
export function currentRunId(): string {
  return process.env.RELIABILITY_RUN_ID ?? String(process.ppid);
}

/** One file's tally; `check` counts a case and records it as a failure when `ok` is false. */
export class Tally {
  private readonly totals = new Map<Category, Omit<Entry, 'file' | 'category' | 'ms'>>();
  private readonly started = performance.now();
  readonly failures: string[] = [];

  private readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  private bucket(category: Category) {
    let b = this.totals.get(category);
    if (!b) {
      b = { cases: 0, failures: 0, recordsLost: 0, doubleCounts: 0 };
      this.totals.set(category, b);
    }
    return b as { cases: number; failures: number; recordsLost: number; doubleCounts: number };
  }

  /** Counts `n` cases of a category. */
  cases(category: Category, n = 1): void {
    this.bucket(category).cases += n;
  }

  /** Counts one case; a false `ok` is a failure (the test asserts as well). */
  check(category: Category, ok: boolean, what: string): boolean {
    const b = this.bucket(category);
    b.cases += 1;
    if (!ok) {
      b.failures += 1;
      this.failures.push(`${category}: ${what}`);
    }
    return ok;
  }

  lost(category: Category, n: number): void {
    this.bucket(category).recordsLost += Math.max(0, n);
  }

  doubled(category: Category, n: number): void {
    this.bucket(category).doubleCounts += Math.max(0, n);
  }

  /** Appends this file's figures to the run's file and prints the run's summary so far. */
  flush(): string {
    mkdirSync(DIR, { recursive: true });
    const ms = Math.round(performance.now() - this.started);
    for (const [category, b] of this.totals) {
      const entry: Entry = { file: this.file, category, ...b, ms };
      appendFileSync(runFile(currentRunId()), `${JSON.stringify(entry)}\n`);
    }
    const text = formatSummary(readEntries(currentRunId()));
    console.log(text);
    return text;
  }
}

function readEntries(runId: string): Entry[] {
  try {
    return readFileSync(runFile(runId), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Entry);
  } catch {
    return [];
  }
}

export function formatSummary(entries: readonly Entry[]): string {
  const files = new Set(entries.map((e) => e.file));
  const lines = [
    `Reliability and security suite — ${files.size} file(s): ${[...files].sort().join(', ')}`,
    `${'category'.padEnd(16)} ${'cases'.padStart(7)} ${'failures'.padStart(9)} ${'lost'.padStart(6)} ${'doubled'.padStart(8)}`,
  ];
  const total = { cases: 0, failures: 0, recordsLost: 0, doubleCounts: 0 };
  for (const category of CATEGORIES) {
    const of = entries.filter((e) => e.category === category);
    const sum = (k: keyof typeof total) => of.reduce((n, e) => n + e[k], 0);
    const row = {
      cases: sum('cases'),
      failures: sum('failures'),
      recordsLost: sum('recordsLost'),
      doubleCounts: sum('doubleCounts'),
    };
    for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += row[k];
    lines.push(
      `${category.padEnd(16)} ${String(row.cases).padStart(7)} ${String(row.failures).padStart(9)} ${String(row.recordsLost).padStart(6)} ${String(row.doubleCounts).padStart(8)}`,
    );
  }
  lines.push(
    `${'total'.padEnd(16)} ${String(total.cases).padStart(7)} ${String(total.failures).padStart(9)} ${String(total.recordsLost).padStart(6)} ${String(total.doubleCounts).padStart(8)}`,
    `records lost: ${total.recordsLost} (must be 0) · double counts: ${total.doubleCounts} (must be 0)`,
    'Tenant isolation in IAM: test/infra/cdk/iam.test.ts and test/infra/cdk/tenants.test.ts (each function is granted only its own tenant table and bucket).',
  );
  return lines.join('\n');
}

/** Prints the summary of a run (the chaos config's global teardown calls this). */
export function printSuiteSummary(runId = currentRunId()): string {
  const text = formatSummary(readEntries(runId));
  console.log(`\n${text}\n`);
  return text;
}

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

/** Shared helpers for the benchmark scripts: the machine, medians, child processes, tables. */

export const ROOT = resolve(import.meta.dirname, '..');
export const BENCH_DIR = join(ROOT, 'bench');
/** The project's Node (24, type stripping), whatever node started us. */
export const NODE = existsSync(join(ROOT, 'node_modules', '.bin', 'node'))
  ? join(ROOT, 'node_modules', '.bin', 'node')
  : process.execPath;
const TIME = '/usr/bin/time';
const TASKSET = '/usr/bin/taskset';
/** Whether children can be pinned to CPUs (runNode's `cpus`). */
export const CAN_PIN_CPUS = existsSync(TASKSET);

export interface Machine {
  readonly cores: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
  readonly memoryMb: number;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memoryMb: Math.round(totalmem() / 2 ** 20),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface ChildResult {
  readonly code: number;
  readonly wallMs: number;
  /** Peak resident set size of the child in MB (`/usr/bin/time -v`, else what the child reports). */
  readonly maxRssMb: number | undefined;
  /** User + system CPU time of the child (`/usr/bin/time -v`): steadier than wall time on a busy machine. */
  readonly cpuMs: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node args…` in a fresh process and measures its wall time and peak RSS. With
 * `/usr/bin/time -v` the kernel's figure for the child is used; otherwise the child's own
 * `process.resourceUsage().maxRSS` when it prints a `BENCH_MAXRSS_KB=` line to stderr.
 */
export function runNode(
  args: readonly string[],
  options: { stdoutFile?: string; env?: Record<string, string>; cwd?: string; cpus?: string } = {},
): Promise<ChildResult> {
  const useTime = existsSync(TIME);
  // `cpus` pins the child to those CPUs (taskset), e.g. '0' for one vCPU as a small Lambda has.
  const node = options.cpus !== undefined ? [TASKSET, '-c', options.cpus, NODE] : [NODE];
  if (options.cpus !== undefined && !existsSync(TASKSET)) throw new Error(`${TASKSET} is needed to pin CPUs`);
  const command = useTime ? TIME : (node[0] as string);
  const argv = useTime ? ['-v', ...node, ...args] : [...node.slice(1), ...args];
  return new Promise((resolvePromise, reject) => {
    const stdoutFd = options.stdoutFile ? openSync(options.stdoutFile, 'w') : undefined;
    const started = performance.now();
    const child = spawn(command, argv, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      // A file, not a pipe, for big outputs: a child that calls process.exit() right after writing
      // to a pipe loses what was not flushed yet; writes to a file are synchronous.
      stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const stderr = Buffer.concat(err).toString('utf8');
      const timed = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const reported = /BENCH_MAXRSS_KB=(\d+)/.exec(stderr);
      const kb = timed ? Number(timed[1]) : reported ? Number(reported[1]) : undefined;
      const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
      const system = /System time \(seconds\): ([\d.]+)/.exec(stderr);
      const cpuMs = user && system ? (Number(user[1]) + Number(system[1])) * 1000 : undefined;
      if (stdoutFd !== undefined) closeSync(stdoutFd);
      resolvePromise({
        code: code ?? 1,
        wallMs,
        maxRssMb: kb === undefined ? undefined : kb / 1024,
        cpuMs,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: useTime ? stderr.replace(/\n?\tCommand being timed:[\s\S]*$/, '') : stderr,
      });
    });
  });
}

/** Runs a bench child script that prints one JSON document on its last stdout line. */
export async function runJsonChild<T>(
  script: string,
  args: readonly string[] = [],
): Promise<T & { maxRssMb?: number; wallMs: number }> {
  const result = await runNode([join(BENCH_DIR, script), ...args]);
  if (result.code !== 0) {
    throw new Error(`${script} exited ${result.code}:\n${result.stderr.slice(-3000)}`);
  }
  const last = result.stdout.trim().split('\n').pop() ?? '{}';
  return { ...(JSON.parse(last) as T), maxRssMb: result.maxRssMb, wallMs: result.wallMs };
}

/** Prints a plain-text table with right-aligned numeric columns. */
export function table(
  headers: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
): string {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) =>
    rows.every((r) => /^[-+]?[\d.,]+( ?[a-zA-Z%×$]+)?$|^–$/.test(String(r[i] ?? ''))),
  );
  const line = (r: string[]) =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ');
  return [
    line(cells[0] ?? []),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
}

export const fmt = {
  ms: (v: number | undefined) =>
    v === undefined || Number.isNaN(v) ? '–' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`,
  s: (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : `${(v / 1000).toFixed(2)} s`),
  mb: (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : `${Math.round(v)} MB`),
  kb: (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`,
  usd: (v: number) => `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`,
};

import type { Locale } from '#domain/charter.ts';
import type { Statement } from '#domain/statement.ts';
import { statementSummaryLines } from '../local/summary.ts';

/**
 * The lines a settlement run prints, wherever it runs: `settle run` on this machine (events of the
 * local Step Functions service) and `settle run --stack` (a deployed execution's history) print the
 * same progress, failure and summary lines from here.
 */

/** The next thing to do for a failed step, by the error name its handler threw. */
export const REMEDIES: Record<string, string> = {
  InvalidCharterError: 'fix the charter (`settle charter validate FILE` lists every problem) and run again',
  InvalidPeriodError: 'check --period against the charter (YYYY-MM, milestone:<id> or final) and run again',
  PeriodLockedError: 'the period is settled: correct it with --revision N --reason TEXT',
  SourceConfigError:
    "fix the source's binding in the charter (`sources[].options`, see the connector options in the README)",
  SourcePayloadError:
    'the source file or response cannot be read: check the file in --files against its connector',
  SourceAuthError: 'renew the credential in the secret the charter names',
  SourceUnavailableError: 'the source did not answer after retries: run again later',
  SourceRateLimitedError: "the source's quota is used up: run again later",
  MissingExchangeRateError: "add the missing rate to the charter's fxRates and run again",
  CurrencyMismatchError: 'give the amount in the charter currency or add an exchange rate',
  SettlementInProgressError:
    'another execution is settling this period: wait for it (settle status) and run again',
};

/** Where a step failed: its state name and, for a Collect item, the source. */
export interface FailureSite {
  readonly state: string;
  readonly error: string;
  readonly cause: string;
}

/** The message inside a Lambda error cause (`{"errorMessage": …}`) or the cause itself. */
export function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown; message?: unknown };
    const message = parsed.errorMessage ?? parsed.message;
    if (typeof message === 'string') return message;
  } catch {
    // a plain message
  }
  return cause;
}

export function oneLine(text: string, max = 160): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** The state's label in progress lines: a Collect item names its source. */
export function stateLabel(state: string, input: unknown): string {
  const source = (input as { source?: { id?: unknown; connector?: unknown } } | undefined)?.source;
  if (state === 'CollectSource' && typeof source?.id === 'string') {
    return `Collect ${source.id}${typeof source.connector === 'string' && source.connector !== source.id ? ` (${source.connector})` : ''}`;
  }
  return state;
}

/** What to do after an outcome that is not a settlement. */
export const NEXT_STEP: Partial<Record<string, string>> = {
  'needs-attention':
    'a blocking check failed — fix the data or waive the check in the charter (waivers), then run again',
  rejected: 'the approver rejected it — read their comment in the outbox, correct, and run again',
  expired: 'no approver decided in time — run again to send new links',
  waiting:
    'the period is not ready under the charter’s readiness rule — import or finalise what is missing (listed above), then run again; the nightly run tries every night',
};

/** The statement's totals, variance, earned value, checks and quarantine, as a run ends, in `locale`. */
export function printSummary(statement: Statement, out: (line: string) => void, locale: Locale = 'en') {
  for (const line of statementSummaryLines(statement, locale)) out(line);
}

/** Progress lines from state events: ✓ a state done (with its time), ✗ a failed attempt, ↻ a retry. */
export class Progress {
  private readonly entered = new Map<string, number>();
  /** Every failed attempt, in order. */
  readonly failures: FailureSite[] = [];
  private readonly out: (line: string) => void;

  constructor(out: (line: string) => void) {
    this.out = out;
  }

  enter(label: string, at: number): void {
    this.entered.set(label, at);
  }

  exit(label: string, at: number): void {
    const ms = at - (this.entered.get(label) ?? at);
    this.out(`  ✓ ${label.padEnd(34)} ${String(ms).padStart(6)} ms`);
  }

  fail(label: string, error: string, cause: string | undefined): void {
    const message = causeMessage(cause);
    this.failures.push({ state: label, error, cause: message });
    this.out(`  ✗ ${label.padEnd(34)} ${error}: ${oneLine(message, 120)}`);
  }

  retry(label: string): void {
    this.out(`  ↻ ${label} retried`);
  }

  /** The last line of a failed run: what failed, where, and what to do (`where` adds e.g. the log). */
  failedLine(execution: { error?: string; cause?: string }, where: string): string {
    const site = this.failures.find((f) => f.state !== 'RecordFailure') ?? this.failures[0];
    const error = site?.error ?? execution.error ?? 'Error';
    const cause = site?.cause ?? causeMessage(execution.cause);
    return (
      `✗ Failed in ${site?.state ?? 'the workflow'}: ${error}: ${oneLine(cause, 300)} — what to do: ` +
      `${REMEDIES[error] ?? 'read the handler log (or run again with --verbose) and fix the cause'} (${where})`
    );
  }
}

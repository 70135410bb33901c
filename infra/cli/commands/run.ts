import { readdir, readFile, stat } from 'node:fs/promises';
import { type Charter, validateCharter } from '#domain/charter.ts';
import { SettlementDomainError } from '#domain/errors.ts';
import { defaultAsOf, periodWindow, resolvePeriod } from '#domain/periods.ts';
import { Tenant } from '../../cdk/tenants.ts';

/**
 * What `settle run` checks before anything starts: no emulator, no stored charter, no settlement
 * and no email come from a typo. Every problem is listed, each naming the flag or the file.
 */

export interface RunRequest {
  readonly tenant: string;
  readonly charterPath: string;
  readonly filesDir: string;
  /** Omitted by `settle import`, which settles nothing: no period checks then. */
  readonly period?: string;
  readonly asOf?: string;
  readonly revision?: string;
  readonly reason?: string;
}

export type Preflight =
  | { readonly ok: true; readonly charter: Charter; readonly asOf: string; readonly revision: number }
  | { readonly ok: false; readonly problems: readonly string[] };

/** True for a real calendar date written YYYY-MM-DD (`2026-02-30` is not one). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Why a tenant id is not valid, or undefined when it is (the id names the tenant's AWS resources). */
export function tenantIdProblem(tenant: string): string | undefined {
  const result = Tenant.shape.id.safeParse(tenant);
  return result.success
    ? undefined
    : `--tenant '${tenant}': ${result.error.issues[0]?.message ?? 'invalid'} (3–32 characters, starting with a letter)`;
}

const addDay = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * The as-of date when none is given: the period's last day once it has ended (so the same inputs
 * give the same statement whatever day they run), today while it is still running.
 */
export function asOfFor(charter: Charter, period: string, today: string): string {
  const parsed = resolvePeriod(charter, period);
  let end: string;
  try {
    end = defaultAsOf(charter, parsed);
  } catch {
    return today;
  }
  return end < today ? end : today;
}

/** Checks a run request against the files it names and the charter; `today` is YYYY-MM-DD. */
export async function preflightRun(request: RunRequest, today: string): Promise<Preflight> {
  const problems: string[] = [];
  const tenantProblem = tenantIdProblem(request.tenant);
  if (tenantProblem) problems.push(tenantProblem);

  const revision = request.revision === undefined ? 0 : Number(request.revision);
  if (!/^\d+$/.test(request.revision ?? '0') || !Number.isSafeInteger(revision)) {
    problems.push(`--revision '${request.revision}': a whole number, 0 for the first settlement of a period`);
  } else if (revision > 0 && !request.reason?.trim()) {
    problems.push(`--revision ${revision} re-opens a settled period: give --reason TEXT`);
  }
  if (request.asOf !== undefined && !isCalendarDate(request.asOf)) {
    problems.push(`--as-of '${request.asOf}': a date YYYY-MM-DD`);
  }

  let charter: Charter | undefined;
  let text: string | undefined;
  try {
    text = await readFile(request.charterPath, 'utf8');
  } catch (error) {
    problems.push(
      `--charter ${request.charterPath}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (text !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      problems.push(`--charter ${request.charterPath}: not JSON (${(error as Error).message})`);
    }
    if (json !== undefined) {
      const validation = validateCharter(json);
      if (validation.ok) charter = validation.charter;
      else
        for (const p of validation.problems)
          problems.push(`--charter ${request.charterPath} ${p.path}: ${p.message}`);
    }
  }

  let files: Set<string> | undefined;
  try {
    if (!(await stat(request.filesDir)).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    files = new Set(await readdir(request.filesDir));
  } catch (error) {
    problems.push(
      `--files ${request.filesDir}: not a readable directory (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }

  let asOf = request.asOf;
  if (charter) {
    if (files) {
      for (const source of charter.sources) {
        if (source.mode === 'file' && source.path && !files.has(source.path)) {
          problems.push(
            `--files ${request.filesDir}: source '${source.id}' needs ${source.path}, which is not there`,
          );
        }
      }
    }
    const period = request.period;
    const periodProblem = period === undefined ? undefined : checkPeriod(charter, period, today);
    if (periodProblem) problems.push(periodProblem);
    else if (period !== undefined) {
      asOf ??= asOfFor(charter, period, today);
      const window = periodWindow(charter, resolvePeriod(charter, period));
      if (isCalendarDate(asOf) && asOf < window.from)
        problems.push(`--as-of ${asOf} is before the period starts (${window.from})`);
    }
  }
  if (problems.length || !charter) return { ok: false, problems };
  return { ok: true, charter, asOf: asOf ?? today, revision };
}

/** Format, charter mode and range: a month must have begun and overlap the charter's schedule. */
function checkPeriod(charter: Charter, period: string, today: string): string | undefined {
  try {
    const parsed = resolvePeriod(charter, period);
    if (parsed.kind !== 'month') return undefined;
    const window = periodWindow(charter, parsed);
    if (window.from > today) return `--period ${period} has not begun yet (today is ${today})`;
    const schedule = charter.schedule;
    if (schedule && (window.to <= schedule.start || window.from > schedule.end)) {
      return `--period ${period} is outside the project's schedule (${schedule.start} to ${schedule.end})`;
    }
    return undefined;
  } catch (error) {
    if (error instanceof SettlementDomainError) {
      const months = charter.settlement.mode === 'periodic' ? ` such as ${suggestMonth(charter, today)}` : '';
      return `--period '${period}': ${error.message}${months}`;
    }
    throw error;
  }
}

/** A month to show in a message: the schedule's first month, or the last month that has ended. */
function suggestMonth(charter: Charter, today: string): string {
  return charter.schedule?.start.slice(0, 7) ?? addDay(`${today.slice(0, 7)}-01`, -1).slice(0, 7);
}

import { readdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { objectKeys, putObject } from '#adapters/objects.ts';
import { getPeriodLock, getSettlement, proposeCharter } from '#adapters/settlement-store.ts';
import type { Charter } from '#domain/charter.ts';
import { parseCharter } from '#domain/charters.ts';
import { loadTenants } from '../cdk/tenants.ts';

const CONTENT_TYPES: Record<string, string> = {
  csv: 'text/csv',
  json: 'application/json',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ndjson: 'application/x-ndjson',
};

/** Who writes charters from this machine: `SETTLE_USER`, else the operating-system user. */
export function defaultAuthor(): string {
  return process.env.SETTLE_USER?.trim() || userInfo().username;
}

/** The time zone a tenant is configured with in infra/tenants.json (undefined for a tenant not there). */
export function tenantTimeZoneOf(tenantId: string): string | undefined {
  const file = resolve(import.meta.dirname, '..', 'tenants.json');
  try {
    return loadTenants(file).find((t) => t.id === tenantId)?.timeZone;
  } catch {
    return undefined;
  }
}

/**
 * What to tell the person importing a charter that sets no `timeZone` for a tenant that lives in
 * another zone: its time entries count on their UTC day, so in Berlin an entry started at 00:30 on
 * the 1st belongs to the month before. Undefined when the charter sets its zone or the tenant's is UTC.
 */
export function timeZoneNotice(
  charter: Pick<Charter, 'projectId' | 'timeZone'>,
  tenantId: string,
  tenantTimeZone: string | undefined,
): string | undefined {
  if (charter.timeZone || !tenantTimeZone || ['UTC', 'Etc/UTC', 'Etc/GMT'].includes(tenantTimeZone))
    return undefined;
  return `charter ${charter.projectId} sets no timeZone: its time entries count on their UTC day, while tenant ${tenantId} is in ${tenantTimeZone}; add "timeZone": "${tenantTimeZone}" to the charter to count local days`;
}

/**
 * `settle import`: validates a charter and stores it as the project's next version (pending when
 * it changes approvers, thresholds, rates or budget: another person approves it), then uploads
 * the files its file-mode sources name to the project's inbox. Every missing file is reported.
 */
export async function importProject(
  charterPath: string,
  filesDir: string,
  options: { author?: string | undefined; tenantId?: string } = {},
) {
  const charter = parseCharter(JSON.parse(await readFile(charterPath, 'utf8')), charterPath);
  const notice =
    options.tenantId === undefined
      ? undefined
      : timeZoneNotice(charter, options.tenantId, tenantTimeZoneOf(options.tenantId));
  const proposed = await proposeCharter(
    charter.projectId,
    charter,
    options.author ?? defaultAuthor(),
    new Date().toISOString(),
  );
  const { version } = proposed;
  const available = new Set(await readdir(filesDir));
  const uploaded: string[] = [];
  const missing: string[] = [];
  for (const source of charter.sources) {
    if (source.mode !== 'file' || !source.path) continue;
    if (!available.has(source.path)) {
      missing.push(`${source.id}: ${source.path}`);
      continue;
    }
    const body = await readFile(join(filesDir, source.path));
    const ext = source.path.split('.').pop() ?? '';
    await putObject(
      objectKeys.inbox(charter.projectId, source.path),
      body,
      CONTENT_TYPES[ext] ?? 'application/octet-stream',
    );
    uploaded.push(source.path);
  }
  return {
    charter,
    version,
    status: proposed.status,
    changes: proposed.changes,
    uploaded,
    missing,
    notices: notice ? [notice] : [],
  };
}

/** A run refused before it started: `message` says what is wrong, `remedy` what to do. */
export class RunRefusedError extends Error {
  override readonly name = 'RunRefusedError';
  readonly remedy: string;
  constructor(message: string, remedy: string) {
    super(message);
    this.remedy = remedy;
  }
}

/** A run whose charter change waits for another person's approval (segregation of duties). */
export class CharterPendingError extends Error {
  override readonly name = 'CharterPendingError';
  readonly remedy: string;
  constructor(message: string, remedy: string) {
    super(message);
    this.remedy = remedy;
  }
}

/**
 * What a run does before it starts an execution, the same locally and on a stack: a revision of a
 * period that was never settled is refused before anything is stored; the charter and files are
 * imported (a missing file refuses the run); a charter change that waits for approval settles
 * nothing. `where` names the store in messages ("here", "in Settlement-acme"), `statusHint` the
 * command that shows its settlements, `approve` what to do about a pending charter.
 */
export async function importForRun(
  request: {
    readonly charterPath: string;
    readonly filesDir: string;
    readonly period: string;
    readonly revision: number;
    /** The tenant the run is for: a charter without a time zone in a tenant outside UTC gets a notice. */
    readonly tenantId?: string;
  },
  context: {
    readonly where: string;
    readonly statusHint: string;
    /** What to do about a pending charter version. */
    readonly approve: (projectId: string, version: number) => string;
  },
) {
  if (request.revision > 0) {
    const charter = parseCharter(
      JSON.parse(await readFile(request.charterPath, 'utf8')),
      request.charterPath,
    );
    const earlier =
      (await getPeriodLock(charter.projectId, request.period)) ??
      (await getSettlement(charter.projectId, request.period, request.revision - 1));
    if (!earlier) {
      throw new RunRefusedError(
        `revision ${request.revision} of ${charter.projectId} ${request.period} corrects a settled period, but ${request.period} was never settled ${context.where}`,
        `settle revision 0 first (without --revision), or check ${context.statusHint}`,
      );
    }
  }
  const imported = await importProject(
    request.charterPath,
    request.filesDir,
    request.tenantId === undefined ? {} : { tenantId: request.tenantId },
  );
  if (imported.missing.length)
    throw new RunRefusedError(
      `source files missing in ${request.filesDir}: ${imported.missing.join(', ')}`,
      'put each file the charter names (sources[].path) in --files DIR',
    );
  if (imported.status === 'pending')
    throw new CharterPendingError(
      `charter ${imported.charter.projectId} v${imported.version} changes ${imported.changes.map((c) => c.field).join(', ')}: it takes effect once someone other than its author approves it; nothing was settled`,
      context.approve(imported.charter.projectId, imported.version),
    );
  return imported;
}

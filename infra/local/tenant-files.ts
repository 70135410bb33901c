import { readdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { objectKeys, putObject } from '#adapters/objects.ts';
import { proposeCharter } from '#adapters/settlement-store.ts';
import { parseCharter } from '#domain/charters.ts';

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

/**
 * `settle import`: validates a charter and stores it as the project's next version (pending when
 * it changes approvers, thresholds, rates or budget: another person approves it), then uploads
 * the files its file-mode sources name to the project's inbox. Every missing file is reported.
 */
export async function importProject(
  charterPath: string,
  filesDir: string,
  options: { author?: string | undefined } = {},
) {
  const charter = parseCharter(JSON.parse(await readFile(charterPath, 'utf8')), charterPath);
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
  return { charter, version, status: proposed.status, changes: proposed.changes, uploaded, missing };
}

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { objectKeys, putObject } from '#adapters/objects.ts';
import { putCharter } from '#adapters/settlement-store.ts';
import { parseCharter } from '#domain/charters.ts';

const CONTENT_TYPES: Record<string, string> = {
  csv: 'text/csv',
  json: 'application/json',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ndjson: 'application/x-ndjson',
};

/**
 * `settle import`: validates a charter and stores it as the project's next version, then uploads
 * the files its file-mode sources name to the project's inbox. Every missing file is reported.
 */
export async function importProject(charterPath: string, filesDir: string) {
  const charter = parseCharter(JSON.parse(await readFile(charterPath, 'utf8')), charterPath);
  const version = await putCharter(charter.projectId, charter);
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
  return { charter, version, uploaded, missing };
}

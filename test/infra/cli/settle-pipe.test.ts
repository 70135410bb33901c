import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCharter, writeRecords } from '../../../bench/b2-data.ts';

describe('settle on a pipe', () => {
  it('writes the whole statement to a pipe before it exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'settle-pipe-'));
    const charter = join(dir, 'charter.json');
    const records = join(dir, 'records.ndjson');
    await writeCharter(charter);
    await writeRecords(records, 4000, 20);
    const child = spawn(
      process.execPath,
      ['infra/cli/settle.ts', 'compute', '--charter', charter, '--records', records, '--period', '2026-10'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const out = Buffer.concat(chunks).toString('utf8');
    // 3: printed, but needs attention — the synthetic records carry no acceptance for the demo
    // charter's Discovery milestone (a blocking check); the statement is written all the same.
    expect(code).toBe(3);
    expect(out.length).toBeGreaterThan(128 * 1024);
    expect(JSON.parse(out).projectId).toBe(JSON.parse(readFileSync(charter, 'utf8')).projectId);
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../infra/cli/settle.ts';
import { tenantTimeZoneOf, timeZoneNotice } from '../../../infra/local/tenant-files.ts';
import { capture } from '../../support/cli-io.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

describe('a charter without a time zone, in a tenant outside UTC', () => {
  it('is told that its entries count on their UTC day, and what to add', () => {
    expect(tenantTimeZoneOf('acme')).toBe('Europe/Berlin');
    expect(tenantTimeZoneOf('no-such-tenant')).toBeUndefined();
    expect(timeZoneNotice({ projectId: 'p' }, 'acme', 'Europe/Berlin')).toBe(
      'charter p sets no timeZone: its time entries count on their UTC day, while tenant acme is in Europe/Berlin; add "timeZone": "Europe/Berlin" to the charter to count local days',
    );
    expect(
      timeZoneNotice({ projectId: 'p', timeZone: 'Europe/Berlin' }, 'acme', 'Europe/Berlin'),
    ).toBeUndefined();
    expect(timeZoneNotice({ projectId: 'p', timeZone: 'UTC' }, 'acme', 'Europe/Berlin')).toBeUndefined();
    expect(timeZoneNotice({ projectId: 'p' }, 'acme', 'UTC')).toBeUndefined();
    expect(timeZoneNotice({ projectId: 'p' }, 'newco', undefined)).toBeUndefined();
  });

  it('gets the notice from settle import; the demo charter, which sets its zone, does not', async () => {
    const charter = JSON.parse(readFileSync(join(ROOT, 'demo', 'acme', 'charter.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(charter.timeZone).toBe('Europe/Berlin');
    const { timeZone: _, ...withoutZone } = charter;
    const path = join(mkdtempSync(join(tmpdir(), 'tz-notice-')), 'charter.json');
    writeFileSync(path, JSON.stringify(withoutZone));
    const run = async (charterPath: string) => {
      const out = capture();
      const err = capture();
      const code = await main(
        [
          'import',
          '--tenant',
          'acme',
          '--charter',
          charterPath,
          '--files',
          join(ROOT, 'demo', 'acme'),
          '--data-dir',
          mkdtempSync(join(tmpdir(), 'tz-notice-data-')),
        ],
        { stdout: out.stream, stderr: err.stream },
      );
      return { code, stdout: out.text(), stderr: err.text() };
    };
    const without = await run(path);
    expect(without.code, without.stderr).toBe(0);
    expect(without.stdout).toContain(
      'Note: charter atlas-portal sets no timeZone: its time entries count on their UTC day, while tenant acme is in Europe/Berlin',
    );
    const demo = await run(join(ROOT, 'demo', 'acme', 'charter.json'));
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).not.toContain('Note:');
  }, 120_000);
});

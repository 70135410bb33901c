import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import { parseCharter } from '#domain/charters.ts';
import { computeStatement } from '#domain/compute.ts';
import type { SettlementRecord } from '#domain/records.ts';
import { serializeStatement } from '#domain/statement.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const DEMO = join(ROOT, 'demo', 'acme');
const GOLDEN = join(ROOT, 'test', 'fixtures', 'statement', 'golden', 'demo-acme-2026-10.statement.json');

// Set UPDATE_GOLDEN=1 to rewrite after an intended change, then review the diff.
describe('the demo tenant statement', () => {
  it('is computed from the demo files byte for byte as the golden JSON', async () => {
    const charter = parseCharter(
      JSON.parse(readFileSync(join(DEMO, 'charter.json'), 'utf8')),
      'demo charter',
    );
    const records: SettlementRecord[] = [];
    const quarantine = new Map<string, number>();
    for (const source of charter.sources) {
      const bytes = readFileSync(join(DEMO, source.path ?? ''));
      const result = await normalizeFile(source.connector, bytes, {
        ...source.options,
        projectRef: charter.projectRef,
      });
      records.push(...result.records);
      for (const q of result.quarantined)
        quarantine.set(`${q.source}|${q.reason}`, (quarantine.get(`${q.source}|${q.reason}`) ?? 0) + 1);
    }
    const statement = computeStatement({
      charter,
      records,
      period: '2026-10',
      asOf: '2026-11-05',
      revision: 0,
      quarantine: [...quarantine].map(([key, count]) => {
        const [source = '', reason = ''] = key.split('|');
        return { source, reason, count };
      }),
    });
    const json = serializeStatement(statement);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, json);
    expect(json).toBe(readFileSync(GOLDEN, 'utf8'));
    expect(statement.totals.cost).toEqual({ amount: '53278.15', currency: 'EUR' });
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCharter } from '#domain/charter.ts';
import { createStatementBuilder } from '#domain/compute.ts';
import { createRecordLineScanner, type RecordLineSink } from '#domain/record-lines.ts';
import { serializeStatement } from '#domain/statement.ts';
import { addRecordsFile } from '../../../infra/cli/compute-records.ts';
import { scanRecordFile } from '../../../infra/cli/records-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'compute-records-'));
const validation = validateCharter(JSON.parse(readFileSync('demo/acme/charter.json', 'utf8')));
if (!validation.ok) throw new Error('demo charter invalid');
const charter = validation.charter;
const people = charter.people.map((p) => p.id);

function recordLines(n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const day = String(1 + (i % 31)).padStart(2, '0');
    if (i % 97 === 0) lines.push('{broken');
    else if (i % 89 === 0) lines.push('');
    else if (i % 13 === 0)
      lines.push(
        JSON.stringify({
          kind: 'cost',
          source: 'quickbooks',
          sourceId: `c${i}`,
          projectRef: 'atlas',
          category: i % 2 ? 'materials' : 'outsourcing',
          amount: `${i % 7 === 0 ? '-' : ''}${i}.${String(i % 10000).padStart(4, '0')}`,
          currency: i % 5 === 0 ? 'USD' : 'EUR',
          date: `2026-10-${day}`,
          vendor: `Vendor ${i % 4}`,
          ...(i % 3 === 0 ? { commitment: true } : {}),
        }),
      );
    else
      lines.push(
        JSON.stringify({
          kind: 'time',
          source: 'toggl',
          sourceId: `t${i}`,
          projectRef: i % 50 === 0 ? 'other' : 'atlas',
          person: people[i % people.length],
          start: `2026-${i % 11 === 0 ? '09' : '10'}-${day}T09:00:00+02:00`,
          seconds: 600 + i,
          billable: i % 4 !== 0,
          billableSeconds: i % 4 !== 0 ? 600 + i : 0,
          description: i % 17 === 0 ? 'naïve "quoted" work' : 'work',
        }),
      );
  }
  return lines;
}

const file = join(dir, 'records.ndjson');
const lines = recordLines(3000);
writeFileSync(file, `${lines.join('\r\n')}\r\n`);
const options = { period: '2026-10', asOf: '2026-10-31', revision: 0 };

async function statementWith(threads: number, bytesPerThread: number) {
  const builder = createStatementBuilder(charter, options);
  const read = await addRecordsFile(builder, charter, options, file, threads, bytesPerThread);
  const statement = builder.finish({
    quarantine: [...read.quarantine.values()],
    inputsHash: { records: read.sha256 },
  });
  return { text: serializeStatement(statement), read };
}

describe('reading a records file', () => {
  it('sees every line exactly once however the file is cut into ranges', () => {
    const size = readFileSync(file).length;
    const seen = (start: number, end: number) => {
      const sources: string[] = [];
      const sink: RecordLineSink = {
        time: (r) => sources.push(`${r.person}${r.start}${r.seconds}`),
        cost: (r) => sources.push(`${r.vendor}${r.amount}`),
        record: (r) => sources.push(r.kind),
        quarantine: (source, reason) => sources.push(`${source}${reason}`),
      };
      const count = scanRecordFile(file, { start, end }, createRecordLineScanner(), sink).lines;
      return { sources, count };
    };
    const whole = seen(0, size);
    expect(whole.count).toBe(lines.filter((l) => l !== '').length);
    for (const cut of [1, 2, 37, 1000, Math.floor(size / 2), size - 3, size - 1]) {
      const a = seen(0, cut);
      const b = seen(cut, size);
      expect([...a.sources, ...b.sources]).toEqual(whole.sources);
      expect(a.count + b.count).toBe(whole.count);
    }
  });

  it('gives the same statement bytes on one thread and on several', async () => {
    const one = await statementWith(1, 1 << 30);
    const three = await statementWith(3, 4096);
    expect(one.read.threads).toBe(1);
    expect(three.read.threads).toBe(3);
    expect(three.text).toBe(one.text);
    expect(three.read.lines).toBe(one.read.lines);
    // Broken JSON, and time entries dated 2026-09-31 (no such day).
    expect(JSON.parse(one.text).quarantine).toEqual([
      { count: 8, reason: 'invalid-record', source: 'toggl' },
      { count: 31, reason: 'invalid-json', source: 'unknown' },
    ]);
    expect(JSON.parse(one.text).records.otherProject).toBeGreaterThan(0);
  });
});

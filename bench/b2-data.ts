import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './lib.ts';

/**
 * B2's synthetic data: a time-and-materials charter whose rate cards change mid-month (engineer
 * with an explicit `effectiveTo`, designer by a later entry that supersedes the first), and an
 * NDJSON file of N time entries plus M cost records for October 2026, from a fixed seed so every
 * run settles the same bytes. Cost amounts carry four decimals (as Cost Explorer's do), so
 * per-line rounding to cents is exercised, ties included.
 */

export const PERIOD = '2026-10';
const PROJECT_REF = 'bench';
const ROLES = ['engineer', 'designer', 'project-manager', 'qa'] as const;
const CATEGORIES = ['outsourcing', 'materials', 'equipment', 'cloud', 'other'] as const;
export const PEOPLE = 400;
export const VENDORS = 40;

export const RATE_CARDS = [
  {
    role: 'engineer',
    currency: 'EUR',
    costRate: '72.00',
    billRate: '120.00',
    effectiveFrom: '2026-01-01',
    effectiveTo: '2026-10-16',
  },
  { role: 'engineer', currency: 'EUR', costRate: '75.00', billRate: '125.00', effectiveFrom: '2026-10-16' },
  { role: 'designer', currency: 'EUR', costRate: '65.00', billRate: '110.00', effectiveFrom: '2026-01-01' },
  { role: 'designer', currency: 'EUR', costRate: '68.50', billRate: '112.00', effectiveFrom: '2026-10-20' },
  {
    role: 'project-manager',
    currency: 'EUR',
    costRate: '80.00',
    billRate: '130.00',
    effectiveFrom: '2026-01-01',
  },
  { role: 'qa', currency: 'EUR', costRate: '58.25', billRate: '95.00', effectiveFrom: '2026-01-01' },
] as const;

/** mulberry32: small, fast, deterministic. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const person = (i: number) => `person-${String(i).padStart(4, '0')}@bench.example`;
const roleOf = (i: number) => ROLES[i % ROLES.length] as string;

/** The bench charter: the demo charter with synthetic people, rates and no indirect pools. */
export async function writeCharter(path: string): Promise<void> {
  const demo = JSON.parse(await readFile(join(ROOT, 'demo', 'acme', 'charter.json'), 'utf8'));
  const charter = {
    ...demo,
    projectId: 'bench-throughput',
    projectRef: PROJECT_REF,
    name: 'Benchmark throughput project',
    contract: { ...demo.contract, amount: '900000000.00' },
    budget: {
      atCompletion: '500000000.00',
      lines: [{ id: 'labour', category: 'labour', amount: '400000000.00' }],
    },
    rateCards: RATE_CARDS,
    people: Array.from({ length: PEOPLE }, (_, i) => ({
      id: person(i),
      name: `Person ${i}`,
      role: roleOf(i),
    })),
    indirect: [],
    supplierContracts: [],
  };
  await writeFile(path, `${JSON.stringify(charter, null, 2)}\n`);
}

/** Writes `entries` time entries and `costs` cost records (interleaved) as NDJSON. */
export async function writeRecords(
  path: string,
  entries: number,
  costs: number,
  seed = 20261031,
): Promise<number> {
  const rnd = random(seed);
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const total = entries + costs;
  const costEvery = costs > 0 ? Math.floor(total / costs) : Number.POSITIVE_INFINITY;
  let written = 0;
  let t = 0;
  let c = 0;
  let buffer = '';
  for (let i = 0; i < total; i += 1) {
    const isCost = c < costs && (i % costEvery === costEvery - 1 || total - i <= costs - c);
    const day = 1 + Math.floor(rnd() * 31);
    const date = `2026-10-${String(day).padStart(2, '0')}`;
    let line: string;
    if (isCost) {
      const cents4 = Math.floor(rnd() * 5_000_000) - (rnd() < 0.05 ? 5_100_000 : 0);
      const sign = cents4 < 0 ? '-' : '';
      const abs = Math.abs(cents4);
      const amount = `${sign}${Math.floor(abs / 10000)}.${String(abs % 10000).padStart(4, '0')}`;
      line = JSON.stringify({
        kind: 'cost',
        source: 'quickbooks',
        sourceId: `c${c}`,
        projectRef: PROJECT_REF,
        category: CATEGORIES[Math.floor(rnd() * CATEGORIES.length)],
        amount,
        currency: 'EUR',
        date,
        vendor: `Vendor ${Math.floor(rnd() * VENDORS)}`,
        document: 'bill',
        ...(rnd() < 0.1 ? { commitment: true, document: 'purchase-order' } : {}),
      });
      c += 1;
    } else {
      const p = Math.floor(rnd() * PEOPLE);
      const hour = 7 + Math.floor(rnd() * 10);
      const offset = day >= 25 ? '+01:00' : '+02:00';
      const seconds = 300 + Math.floor(rnd() * 28_500);
      const billable = rnd() < 0.8;
      line = JSON.stringify({
        kind: 'time',
        source: 'toggl',
        sourceId: `t${t}`,
        projectRef: PROJECT_REF,
        person: person(p),
        start: `${date}T${String(hour).padStart(2, '0')}:${String(Math.floor(rnd() * 60)).padStart(2, '0')}:00${offset}`,
        seconds,
        billable,
        billableSeconds: billable ? seconds : 0,
        description: `Work on ATL-${1000 + Math.floor(rnd() * 9000)}`,
        taskKey: `ATL-${1000 + Math.floor(rnd() * 9000)}`,
      });
      t += 1;
    }
    buffer += `${line}\n`;
    written += 1;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return written;
}

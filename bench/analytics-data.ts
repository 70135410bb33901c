import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeFacts } from '#analytics/parquet.ts';
import { FACT_TABLES, type FactRow, type FactTableName, factObjectKey } from '#analytics/tables.ts';

/**
 * Synthetic settled facts for tests and the scale benchmark: `projects` × `months` monthly
 * settlements with consistent amounts (lines sum to the totals, margin = billing − cost), a share
 * of them revised once. Deterministic for a seed. Written as one Parquet file per table and month
 * partition (the layout after compaction; Finalise itself writes one file per settlement).
 */

export interface SyntheticOptions {
  readonly tenant: string;
  readonly projects: number;
  readonly months: number;
  /** First month, YYYY-MM. */
  readonly start: string;
  /** Time records per settlement. @default 20 */
  readonly timeRecords?: number;
  /** Share of settlements revised once (0–1). @default 0.02 */
  readonly revisedShare?: number;
  readonly seed?: number;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cents as a decimal string with two decimals (exact: integer arithmetic only). */
const money = (cents: bigint) => {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};

const CATEGORIES = ['labour', 'outsourcing', 'materials', 'equipment', 'cloud', 'indirect', 'other'] as const;

export interface MonthFacts {
  readonly partition: { tenant: string; year: number; month: number };
  readonly tables: Record<FactTableName, FactRow[]>;
}

/** Expected figures of the latest revisions, for assertions. */
export interface SyntheticTotals {
  settlements: number;
  revised: number;
  cost: bigint;
  billing: bigint;
}

/** Generates the facts month by month (one month's rows in memory at a time). */
export function* generateFacts(options: SyntheticOptions, totals?: SyntheticTotals): Generator<MonthFacts> {
  const random = prng(options.seed ?? 42);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const [startYear, startMonth] = options.start.split('-').map(Number) as [number, number];
  const timeRecords = options.timeRecords ?? 20;
  const revisedShare = options.revisedShare ?? 0.02;
  for (let m = 0; m < options.months; m += 1) {
    const monthIndex = startMonth - 1 + m;
    const year = startYear + Math.floor(monthIndex / 12);
    const month = (monthIndex % 12) + 1;
    const mm = String(month).padStart(2, '0');
    const period = `${year}-${mm}`;
    const from = `${period}-01`;
    const next = new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);
    const tables = Object.fromEntries(FACT_TABLES.map((t) => [t.name, [] as FactRow[]])) as Record<
      FactTableName,
      FactRow[]
    >;
    for (let p = 0; p < options.projects; p += 1) {
      const projectId = `p${String(p).padStart(5, '0')}`;
      const revisions = random() < revisedShare ? 2 : 1;
      for (let revision = 0; revision < revisions; revision += 1) {
        const settlementId = `${projectId}_${period}_r${revision}`;
        const key = { settlement_id: settlementId, project_id: projectId, period, revision };
        const byCategory = CATEGORIES.map(() => BigInt(int(0, 2_000_000)));
        const cost = byCategory.reduce((s, c) => s + c, 0n);
        const billing = (cost * BigInt(int(90, 140))) / 100n;
        const worked = int(100, 800) * 3600;
        if (revision === revisions - 1 && totals) {
          totals.settlements += 1;
          totals.revised += revisions - 1;
          totals.cost += cost;
          totals.billing += billing;
        }
        const opened = Date.parse(`${next}T06:00:00Z`) + int(0, 3) * 86_400_000;
        const approved = opened + int(1, 120) * 3_600_000;
        tables.settlements.push({
          ...key,
          project_ref: projectId,
          project_name: `Project ${p}`,
          counterparty_type: 'client',
          counterparty_name: `Client ${p % 97}`,
          contract_type: 'time-and-materials',
          period_kind: 'month',
          period_from: from,
          period_to: next,
          as_of: next,
          statement_number: `ST-${options.tenant.toUpperCase()}-${year}-${String(p + 1).padStart(6, '0')}`,
          revision_reason: revision > 0 ? 'Corrected time records' : null,
          currency: 'EUR',
          cost: money(cost),
          commitments: money(0n),
          billing: money(billing),
          margin: money(billing - cost),
          settlement_amount: money(billing),
          cost_to_date: money(cost * BigInt(m + 1)),
          labour: money(byCategory[0] ?? 0n),
          outsourcing: money(byCategory[1] ?? 0n),
          materials: money(byCategory[2] ?? 0n),
          equipment: money(byCategory[3] ?? 0n),
          cloud: money(byCategory[4] ?? 0n),
          indirect: money(byCategory[5] ?? 0n),
          other: money(byCategory[6] ?? 0n),
          worked_seconds: worked,
          billable_seconds: Math.floor(worked * 0.8),
          capacity_seconds: 4 * 21 * 8 * 3600,
          time_records: timeRecords,
          cost_records: 5,
          quarantined_records: int(0, 1),
          blocking_failures: 0,
          nps_promoters: int(0, 3),
          nps_passives: int(0, 2),
          nps_detractors: int(0, 1),
          data_ready_at: new Date(opened).toISOString(),
          approved_at: new Date(approved).toISOString(),
          finalised_at: new Date(approved + 60_000).toISOString(),
        });
        CATEGORIES.forEach((category, i) => {
          tables.statement_lines.push({
            ...key,
            line_type: 'cost',
            line_id: `${category}-1`,
            category,
            description: category,
            role: category === 'labour' ? 'engineer' : null,
            person: null,
            work_package: null,
            vendor: category === 'labour' ? null : `vendor-${int(1, 50)}`,
            seconds: category === 'labour' ? worked : null,
            records: int(1, 30),
            amount: money(byCategory[i] ?? 0n),
            currency: 'EUR',
          });
        });
        tables.statement_lines.push({
          ...key,
          line_type: 'billing',
          line_id: 'time-1',
          category: 'time',
          description: 'Time and materials',
          role: 'engineer',
          person: null,
          work_package: null,
          vendor: null,
          seconds: Math.floor(worked * 0.8),
          records: null,
          amount: money(billing),
          currency: 'EUR',
        });
        const bac = BigInt(int(200_000, 2_000_000)) * 100n;
        const ev = (bac * BigInt(Math.min(100, (m + 1) * 4))) / 100n;
        const ac = cost * BigInt(m + 1);
        const pv = (bac * BigInt(Math.min(100, (m + 1) * 4 + int(-3, 3)))) / 100n;
        const cpi = ac === 0n ? null : (Number((ev * 10000n) / ac) / 10000).toFixed(4);
        const spi = pv === 0n ? null : (Number((ev * 10000n) / pv) / 10000).toFixed(4);
        const eac =
          cpi === null || Number(cpi) === 0 ? null : (bac * 10000n) / BigInt(Math.round(Number(cpi) * 10000));
        tables.earned_value.push({
          ...key,
          as_of: next,
          currency: 'EUR',
          bac: money(bac),
          pv: money(pv),
          ev: money(ev),
          ac: money(ac),
          cv: money(ev - ac),
          sv: money(ev - pv),
          cpi,
          spi,
          eac: eac === null ? null : money(eac),
          etc: eac === null ? null : money(eac - ac),
          vac: eac === null ? null : money(bac - eac),
          tcpi: null,
          percent_complete: (Number((ev * 10000n) / bac) / 100).toFixed(2),
          forecast_overrun_percent:
            eac === null ? null : (Number(((eac - bac) * 10000n) / bac) / 100).toFixed(2),
          early_warning: eac !== null && eac > bac,
        });
        for (const [i, id] of ['completion', 'acceptance', 'milestones', 'rates'].entries()) {
          tables.checks.push({
            ...key,
            check_id: id,
            title: id,
            severity: i < 2 ? 'blocking' : 'warning',
            status: 'pass',
            detail: '',
          });
        }
        for (let step = 0; step < 2; step += 1) {
          const sent = opened + step * 3_600_000;
          const wait = int(60, 86_400);
          tables.approval_steps.push({
            ...key,
            step,
            request_id: `${settlementId}-${step}`,
            approver: step === 0 ? 'pm@example.com' : 'finance@example.com',
            decision: 'approved',
            comment: int(0, 4) === 0 ? 'Agreed with the client' : null,
            sent_at: new Date(sent).toISOString(),
            decided_at: new Date(sent + wait * 1000).toISOString(),
            wait_seconds: wait,
            reminders: int(0, 1),
            escalated: false,
          });
        }
        if (int(0, 9) === 0) {
          tables.quarantine.push({
            ...key,
            source: 'toggl',
            reason: 'negative-duration',
            records: int(1, 5),
          });
        }
        for (let r = 0; r < timeRecords; r += 1) {
          const day = String(int(1, 28)).padStart(2, '0');
          const seconds = int(1, 8) * 3600;
          tables.time_records.push({
            ...key,
            source: 'toggl',
            source_id: `${settlementId}-t${r}`,
            person: `person-${int(1, 40)}@example.com`,
            role: null,
            work_package: null,
            task_key: null,
            started_at: `${period}-${day}T08:00:00.000Z`,
            work_date: `${period}-${day}`,
            seconds,
            billable_seconds: seconds,
            billable: true,
          });
        }
        for (let r = 0; r < 5; r += 1) {
          tables.cost_records.push({
            ...key,
            source: 'quickbooks',
            source_id: `${settlementId}-c${r}`,
            category: CATEGORIES[r % CATEGORIES.length] ?? 'other',
            vendor: `vendor-${int(1, 50)}`,
            work_package: null,
            document: 'bill',
            cost_date: `${period}-${String(int(1, 28)).padStart(2, '0')}`,
            amount: `${int(1, 99_999)}.${String(int(0, 999_999)).padStart(6, '0')}`,
            currency: 'EUR',
            quantity: null,
            unit: null,
            commitment: false,
          });
        }
      }
    }
    yield { partition: { tenant: options.tenant, year, month }, tables };
  }
}

/** Writes the synthetic facts under `root` (one `.parquet` per table and month); returns the bytes written. */
export async function writeSyntheticFacts(
  root: string,
  options: SyntheticOptions,
  totals?: SyntheticTotals,
): Promise<{ bytes: number; files: number; rows: number }> {
  let bytes = 0;
  let files = 0;
  let rows = 0;
  for (const month of generateFacts(options, totals)) {
    for (const table of FACT_TABLES) {
      const tableRows = month.tables[table.name];
      if (tableRows.length === 0) continue;
      const key = factObjectKey(
        table.name,
        month.partition,
        `part-${month.partition.year}-${month.partition.month}`,
      );
      const path = join(root, key.replace(/^facts\//, ''));
      await mkdir(dirname(path), { recursive: true });
      const body = encodeFacts(table, tableRows);
      await writeFile(path, body);
      bytes += body.byteLength;
      files += 1;
      rows += tableRows.length;
    }
  }
  return { bytes, files, rows };
}

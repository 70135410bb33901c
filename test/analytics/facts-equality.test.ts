import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, listKeys } from '#adapters/objects.ts';
import { approveCharter } from '#adapters/settlement-store.ts';
import { type FactsDatabase, localFactsLocation, openFacts } from '#analytics/duckdb.ts';
import { loadPortfolioReviews } from '#analytics/portfolio.ts';
import { loadQuery } from '#analytics/queries.ts';
import type { Statement } from '#domain/statement.ts';
import type { SettlementState } from '#domain/workflow.ts';
import { approveByLink } from '#local/demo.ts';
import { approvalLinks } from '#local/outbox.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { importProject } from '#local/tenant-files.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DEMO = join(ROOT, 'demo', 'acme');

let runtime: LocalRuntime;
let dataDir: string;
let scratch: string;
const links: string[] = [];
/** The final statements of the runs that ended settled, by settlement id. */
const statements = new Map<string, Statement>();

async function settle(input: Record<string, unknown>): Promise<SettlementState> {
  const execution = runtime.sfn.startExecution(
    runtime.settlementArn,
    { tenantId: 'acme', ...input },
    `${input.projectId}-${input.period}-r${input.revision}`,
  );
  // Decide as each approver of the chain would, until the execution ends.
  while (execution.status === 'RUNNING') {
    const link = links.shift();
    if (link) await approveByLink(link, 'approve', `ok ${input.projectId} ${input.period}`);
    else await new Promise((r) => setTimeout(r, 25));
  }
  await execution.done;
  expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
  const state = execution.output as SettlementState;
  expect(state.outcome, JSON.stringify(state.error)).toBe('settled');
  const id = state.settlement.settlementId;
  statements.set(id, await getJson<Statement>(`final/${id}/statement.json`));
  return state;
}

/** A charter file derived from the demo's: another project, or other rates for a revision. */
async function charterVariant(name: string, change: (charter: Record<string, unknown>) => void) {
  const charter = JSON.parse(await readFile(join(DEMO, 'charter.json'), 'utf8')) as Record<string, unknown>;
  change(charter);
  const path = join(scratch, `${name}.json`);
  await writeFile(path, JSON.stringify(charter));
  return path;
}

let db: FactsDatabase;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'facts-equality-'));
  dataDir = join(scratch, 'tenant');
  runtime = await startLocalRuntime({
    tenantId: 'acme',
    tenantName: 'ACME Software GmbH',
    dataDir,
    retryIntervalMs: 0,
    onEmail: (email) => links.push(...approvalLinks(email.mime)),
  });
  // Two projects on the demo's sources: Atlas as the demo has it, Beacon without supplier invoices.
  await importProject(join(DEMO, 'charter.json'), DEMO);
  const beacon = await charterVariant('beacon', (c) => {
    c.projectId = 'beacon-portal';
    c.name = 'Beacon customer portal';
    c.sources = (c.sources as Array<{ id: string }>).filter((s) => s.id !== 'invoices');
    // Atlas's contract clauses are not Beacon's: at its final settlement every clause is due, and
    // Atlas's undelivered ones would (rightly) stop it at Verify.
    delete c.clauses;
  });
  await importProject(beacon, DEMO);

  await settle({ projectId: 'atlas-portal', period: '2026-10', revision: 0, asOf: '2026-11-05' });
  await settle({ projectId: 'beacon-portal', period: '2026-10', revision: 0, asOf: '2026-11-05' });
  // The same project's final settlement, over every period.
  await settle({ projectId: 'beacon-portal', period: 'final', revision: 0, asOf: '2026-11-05' });
  // A revision of Atlas October at corrected engineer rates: it must supersede revision 0.
  const corrected = await charterVariant('atlas-corrected', (c) => {
    for (const card of c.rateCards as Array<{ role: string; costRate: string }>) {
      if (card.role === 'engineer') card.costRate = new Decimal(card.costRate).plus('1.50').toFixed(2);
    }
  });
  // Rates are a controlled field: the change takes effect once someone other than its author approves it.
  const proposed = await importProject(corrected, DEMO, { author: 'pm@acme.example' });
  await approveCharter('atlas-portal', proposed.version, 'controller@acme.example', '2026-11-05T09:00:00Z');
  await settle({
    projectId: 'atlas-portal',
    period: '2026-10',
    revision: 1,
    asOf: '2026-11-05',
    reason: 'Engineer cost rates corrected',
  });
  db = await openFacts(localFactsLocation(dataDir, runtime.bucketName));
}, 900_000);

afterAll(async () => {
  db?.close();
  await runtime?.stop();
});

/** The statement of the latest revision of each (project, period). */
function latestStatements(): Statement[] {
  const latest = new Map<string, Statement>();
  for (const s of statements.values()) {
    const key = `${s.projectId}|${s.period.selector}`;
    const seen = latest.get(key);
    if (!seen || seen.revision < s.revision) latest.set(key, s);
  }
  return [...latest.values()];
}

const dec = (value: unknown) => new Decimal(String(value));

describe('settled facts queried through DuckDB', { timeout: 120_000 }, () => {
  it('writes one Parquet object per table and settlement revision under facts/, partitioned by tenant, year and month', async () => {
    const keys = await listKeys('facts/settlements/');
    expect(keys.sort()).toEqual([
      'facts/settlements/tenant=acme/year=2026/month=10/atlas-portal_2026-10_r0.parquet',
      'facts/settlements/tenant=acme/year=2026/month=10/atlas-portal_2026-10_r1.parquet',
      'facts/settlements/tenant=acme/year=2026/month=10/beacon-portal_2026-10_r0.parquet',
      // The final settlement's window is open-ended: it is filed under its as-of month.
      'facts/settlements/tenant=acme/year=2026/month=11/beacon-portal_final_r0.parquet',
    ]);
    expect(await listKeys('facts/statement_lines/')).toHaveLength(4);
    expect(await listKeys('facts/time_records/')).toHaveLength(4);
  });

  it('keeps every amount as an exact DECIMAL, never a float', async () => {
    const types = await db.query(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'statement_lines' AND column_name = 'amount'",
    );
    expect(types.rows).toEqual([{ column_name: 'amount', data_type: 'DECIMAL(18,4)' }]);
  });

  it('equals the engine statements to the cent: totals, categories and the sum of lines of every revision', async () => {
    const rows = await db.query(
      `SELECT s.settlement_id, s.cost, s.billing, s.margin, s.labour, s.cloud, s.indirect, s.currency,
              (SELECT sum(l.amount) FROM statement_lines l WHERE l.settlement_id = s.settlement_id AND l.line_type = 'cost') AS line_cost,
              (SELECT sum(l.amount) FROM statement_lines l WHERE l.settlement_id = s.settlement_id AND l.line_type = 'billing') AS line_billing
       FROM settlements s ORDER BY s.settlement_id`,
    );
    expect(rows.rows.map((r) => r.settlement_id)).toEqual([...statements.keys()].sort());
    for (const row of rows.rows) {
      const statement = statements.get(String(row.settlement_id));
      if (!statement) throw new Error(`no statement for ${row.settlement_id}`);
      const t = statement.totals;
      expect(row.currency).toBe(t.cost.currency);
      expect(dec(row.cost).eq(t.cost.amount), `cost of ${row.settlement_id}`).toBe(true);
      expect(dec(row.billing).eq(t.billing.amount)).toBe(true);
      expect(dec(row.margin).eq(t.margin.amount)).toBe(true);
      expect(dec(row.labour).eq(t.byCategory.labour.amount)).toBe(true);
      expect(dec(row.cloud).eq(t.byCategory.cloud.amount)).toBe(true);
      expect(dec(row.indirect).eq(t.byCategory.indirect.amount)).toBe(true);
      expect(dec(row.line_cost ?? 0).eq(t.cost.amount)).toBe(true);
      expect(dec(row.line_billing ?? 0).eq(statement.billing.net.amount)).toBe(true);
    }
  });

  it('answers the margin query from the latest revision only: a revision supersedes, it does not double', async () => {
    const revisions = [...statements.values()].filter((s) => s.projectId === 'atlas-portal');
    expect(revisions.map((s) => s.revision).sort()).toEqual([0, 1]);
    // The corrected rates changed the cost, so adding both revisions would show.
    expect(revisions[0]?.totals.cost.amount).not.toBe(revisions[1]?.totals.cost.amount);

    const margin = await db.query((await loadQuery('margin')).sql);
    const latest = latestStatements();
    expect(margin.rows).toHaveLength(latest.length);
    const atlas = margin.rows.filter((r) => r.project_id === 'atlas-portal');
    expect(atlas).toHaveLength(1);
    expect(atlas[0]?.revision).toBe(1);
    const sum = (values: unknown[]) => values.reduce<Decimal>((s, v) => s.plus(String(v)), new Decimal(0));
    expect(sum(margin.rows.map((r) => r.margin)).toFixed(2)).toBe(
      sum(latest.map((s) => s.totals.margin.amount)).toFixed(2),
    );
    expect(sum(margin.rows.map((r) => r.cost)).toFixed(2)).toBe(
      sum(latest.map((s) => s.totals.cost.amount)).toFixed(2),
    );
  });

  it('records the approval steps with their timings and the cycle time from data ready to approval', async () => {
    const steps = await db.query(
      "SELECT approver, decision, comment, wait_seconds FROM approval_steps WHERE settlement_id = 'atlas-portal_2026-10_r1' ORDER BY step",
    );
    expect(steps.rows.length).toBeGreaterThan(0);
    for (const step of steps.rows) {
      expect(step.decision).toBe('approved');
      expect(step.comment).toBe('ok atlas-portal 2026-10');
      expect(Number(step.wait_seconds)).toBeGreaterThanOrEqual(0);
    }
    const cycle = await db.query((await loadQuery('cycle-time')).sql);
    expect(cycle.rows.reduce((n, r) => n + Number(r.settlements), 0)).toBe(latestStatements().length);
  });

  it('holds the normalised records of the period: worked seconds equal the statement hours', async () => {
    const hours = await db.query(
      'SELECT settlement_id, sum(seconds) AS seconds FROM time_records GROUP BY settlement_id ORDER BY settlement_id',
    );
    for (const row of hours.rows) {
      const statement = statements.get(String(row.settlement_id));
      expect(Number(row.seconds), String(row.settlement_id)).toBe(statement?.hours.workedSeconds);
    }
  });

  it('builds the portfolio review from the facts with the statements’ revenue and cost', async () => {
    const reviews = await loadPortfolioReviews(db, '2026-10-01', '2026-10-31');
    const latest = latestStatements();
    expect(reviews).toHaveLength(latest.length);
    for (const review of reviews) {
      const s = latest.find(
        (x) => x.projectId === review.projectId && x.period.selector === review.period.label,
      );
      expect(s, `${review.projectId} ${review.period.label}`).toBeDefined();
      expect(dec(review.revenue).eq(s?.totals.billing.amount ?? 'NaN')).toBe(true);
      expect(dec(review.cost).eq(s?.totals.cost.amount ?? 'NaN')).toBe(true);
    }
  });
});

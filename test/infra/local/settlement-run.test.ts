import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, getObject, listKeys } from '#adapters/objects.ts';
import { approveCharter, getPeriodLock, getSettlement, readRecords } from '#adapters/settlement-store.ts';
import { parseCharter } from '#domain/charters.ts';
import { countQuarantine, inputsHashOf } from '#domain/collected.ts';
import { computeStatement } from '#domain/compute.ts';
import type { Statement } from '#domain/statement.ts';
import { serializeStatement } from '#domain/statement.ts';
import type { SettlementState } from '#domain/workflow.ts';
import { approveByLink } from '#local/demo.ts';
import { approvalLinks, mimeHeader } from '#local/outbox.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { importProject } from '#local/tenant-files.ts';
import { verifyLocalArchive } from '#local/verify.ts';
import type { JournalLine } from '#statement/view.ts';
import { approveInBrowser } from '../../support/approval-browser.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const DEMO = join(ROOT, 'demo', 'acme');

let runtime: LocalRuntime;
const emails: Array<{ link: string; path: string }> = [];
const sent: Array<{ to: string[]; subject: string; settlementId: string }> = [];

async function nextEmail(): Promise<{ link: string; path: string }> {
  // Generous: the whole suite runs in parallel on 2 cores.
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const email = emails.shift();
    if (email) return email;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no approval email arrived');
}
const nextLink = async () => (await nextEmail()).link;

/** Approves every approval email of a running execution until it ends (no poller outlives it). */
async function approveUntilDone(execution: { status: string }): Promise<void> {
  while (execution.status === 'RUNNING') {
    const email = emails.shift();
    if (email) await approveByLink(email.link);
    else await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  runtime = await startLocalRuntime({
    tenantId: 'acme',
    tenantName: 'ACME Software GmbH',
    retryIntervalMs: 0,
    onEmail: (email) => {
      sent.push({
        to: email.to,
        subject: mimeHeader(email.mime, 'Subject') ?? '',
        settlementId: mimeHeader(email.mime, 'X-Settlement-Id') ?? '',
      });
      for (const link of approvalLinks(email.mime)) emails.push({ link, path: email.path });
    },
  });
  await importProject(join(DEMO, 'charter.json'), DEMO);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the settlement state machine, run locally from its ASL file', { timeout: 180_000 }, () => {
  it('ends as rejected when the approver rejects, with nothing finalised or locked', async () => {
    const input = {
      tenantId: 'acme',
      projectId: 'atlas-portal',
      period: '2026-10',
      revision: 0,
      asOf: '2026-11-05',
    };
    const execution = runtime.sfn.startExecution(runtime.settlementArn, input, 'atlas-2026-10-r0');
    await approveByLink(await nextLink(), 'reject', 'Design hours are not agreed with the client');
    await execution.done;
    expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
    const state = execution.output as SettlementState;
    expect(state.outcome).toBe('rejected');
    expect((await getSettlement('atlas-portal', '2026-10', 0))?.status).toBe('rejected');
    expect(await getPeriodLock('atlas-portal', '2026-10')).toBeUndefined();
    expect(await listKeys(`final/${state.settlement.settlementId}/`)).toEqual([]);
    expect(await listKeys('archive/')).toEqual([]);
  });

  it('settles a revision through approval, numbers it, locks the period and archives it', async () => {
    const input = {
      tenantId: 'acme',
      projectId: 'atlas-portal',
      period: '2026-10',
      revision: 1,
      asOf: '2026-11-05',
      reason: 'Design hours agreed with the client on 2026-11-06',
    };
    const execution = runtime.sfn.startExecution(runtime.settlementArn, input, 'atlas-2026-10-r1');
    // The project manager approves in a real browser, from the emailed .eml.
    const first = await nextEmail();
    const seen = await approveInBrowser(first.path, ['Atlas customer portal', '53,278.15']);
    expect(seen.status).toBe(200);
    await approveUntilDone(execution);
    expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
    const state = execution.output as SettlementState;
    expect(state.outcome).toBe('settled');
    expect(state.final?.statementNumber).toBe('ST-ACME-2026-000001');
    expect((await getSettlement('atlas-portal', '2026-10', 1))?.status).toBe('settled');
    expect((await getPeriodLock('atlas-portal', '2026-10'))?.settlementId).toBe(
      state.settlement.settlementId,
    );
    let records = 0;
    for await (const _ of readRecords('atlas-portal')) records += 1;
    expect(records).toBeGreaterThan(150);
    const statement = await getJson<Statement>(`final/${state.settlement.settlementId}/statement.json`);
    expect(statement.totals.cost.currency).toBe('EUR');
    expect(statement.revision).toBe(1);
    // Collected again for the revision: every record was already stored, none stored twice.
    const collected = (state.collected ?? []) as Array<{ inserted: number; unchanged: number }>;
    expect(collected.reduce((n, c) => n + c.inserted, 0)).toBe(0);
    expect(collected.reduce((n, c) => n + c.unchanged, 0)).toBe(records);
    const html = new TextDecoder().decode(
      await getObject(`final/${state.settlement.settlementId}/statement.html`),
    );
    // Issued by the tenant, to the counterparty, with the number.
    expect(html).toContain('ACME Software GmbH');
    expect(html).toContain('ST-ACME-2026-000001');
    const archived = await listKeys(`archive/${state.settlement.settlementId}/`);
    expect(archived).toContain(`archive/${state.settlement.settlementId}/manifest.json`);
    // Who wrote and approved each charter version the settlement rests on.
    expect(archived).toContain(`archive/${state.settlement.settlementId}/inputs/charter-changes.json`);
    expect(archived.some((k) => k.endsWith('statement.pdf'))).toBe(true);
    expect(archived.some((k) => k.includes('/raw/'))).toBe(true);
  });

  it('reproduces the archived statement byte for byte from the archived inputs', async () => {
    const id = 'atlas-portal_2026-10_r1';
    const text = async (key: string) => new TextDecoder().decode(await getObject(`archive/${id}/${key}`));
    const charter = parseCharter(JSON.parse(await text('inputs/charter.json')), 'archived charter');
    const records = (await text('inputs/records.ndjson'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const quarantine = (await text('inputs/quarantine.ndjson'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const settlement = JSON.parse(await text('inputs/settlement.json'));
    const recomputed = computeStatement({
      charter,
      records,
      period: settlement.period,
      asOf: settlement.asOf,
      revision: settlement.revision,
      quarantine: countQuarantine(quarantine),
      inputsHash: inputsHashOf(settlement.collected),
    });
    // The manifest lists the final statement where Finalise wrote it, in the same locked bucket.
    const manifest = JSON.parse(await text('manifest.json')) as {
      files: Array<{ key: string; sha256: string }>;
    };
    const finalKey = `final/${id}/statement.json`;
    const listed = manifest.files.find((f) => f.key === finalKey);
    const archived = (await getObject(finalKey)) ?? new Uint8Array();
    expect(listed?.sha256).toBe(createHash('sha256').update(archived).digest('hex'));
    expect(serializeStatement(recomputed)).toBe(new TextDecoder().decode(archived));
  });

  it('issues a credit note that names the corrected statement when a revision lowers the billing', async () => {
    const charter = JSON.parse(await readFile(join(DEMO, 'charter.json'), 'utf8'));
    charter.contract.adjustments = [
      {
        id: 'goodwill-oct',
        kind: 'write-off',
        amount: '500.00',
        reason: 'Goodwill for the late design review',
        period: '2026-10',
      },
    ];
    const dir = await mkdtemp(join(tmpdir(), 'charter-'));
    await writeFile(join(dir, 'charter.json'), JSON.stringify(charter));
    // A write-off changes the contract terms: it waits for someone other than its author.
    const imported = await importProject(join(dir, 'charter.json'), DEMO, { author: 'pm@acme.example' });
    expect(imported.status).toBe('pending');
    expect(imported.changes.map((c) => c.field)).toEqual(['contract']);
    await approveCharter('atlas-portal', imported.version, 'controller@acme.example', '2026-11-19T09:00:00Z');
    const input = {
      tenantId: 'acme',
      projectId: 'atlas-portal',
      period: '2026-10',
      revision: 2,
      asOf: '2026-11-20',
      reason: 'Goodwill write-off agreed',
    };
    const execution = runtime.sfn.startExecution(runtime.settlementArn, input, 'atlas-2026-10-r2');
    await approveUntilDone(execution);
    expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
    const state = execution.output as SettlementState;
    expect(state.final?.statementNumber).toBe('ST-ACME-2026-000002');
    const note = await getJson<{ kind: string; billingDifference: { amount: string } }>(
      `final/${state.settlement.settlementId}/credit-note.json`,
    );
    expect(note.kind).toBe('credit-note');
    expect(note.billingDifference.amount).toBe('-500.00');
    const html = new TextDecoder().decode(
      await getObject(`final/${state.settlement.settlementId}/credit-note.html`),
    );
    expect(html).toContain('ST-ACME-2026-000001');
    // The revision's journal first reverses every line of the journal it replaces, so a ledger that
    // imported revision 1 holds revision 2's figures once after importing this one.
    type Journal = { number: string; lines: JournalLine[] };
    const replaced = await getJson<Journal>('final/atlas-portal_2026-10_r1/journal.json');
    const journal = await getJson<Journal>(`final/${state.settlement.settlementId}/journal.json`);
    expect(replaced.number).toBe('ST-ACME-2026-000001');
    expect(journal.number).toBe('ST-ACME-2026-000002');
    const reversals = journal.lines.filter((l) => l.entry?.startsWith('R'));
    expect(reversals.map((l) => [l.account, l.debit, l.credit])).toEqual(
      replaced.lines.map((l) => [l.account, l.credit, l.debit]),
    );
    // Subcontractor bills come from QuickBooks (accounts payable booked them): moved to the
    // project, never a new payable on the accrual account.
    const own = journal.lines.filter((l) => !l.entry?.startsWith('R'));
    const subcontractors = own.filter((l) => l.account === '5400');
    expect(subcontractors.map((l) => l.project ?? '')).toEqual(['ATLAS', '']);
    expect(own.some((l) => l.account === '1600' && l.memo.startsWith('outsourcing'))).toBe(false);
    const quickbooks = new TextDecoder().decode(
      await getObject(`final/${state.settlement.settlementId}/journal.quickbooks.csv`),
    );
    expect(quickbooks.split('\r\n')[0]).toBe(
      'JournalNo,JournalDate,AccountName,Debits,Credits,Description,Name,Class',
    );
    expect(quickbooks).toContain('2026000002-R1,');
    const sap = new TextDecoder().decode(
      await getObject(`final/${state.settlement.settlementId}/journal.sap.xml`),
    );
    expect(sap).toContain('<CompanyCode>1010</CompanyCode>');
    expect((await getPeriodLock('atlas-portal', '2026-10'))?.revision).toBe(2);
    const verification = await verifyLocalArchive('acme');
    expect(verification.status).toBe('ok');
    expect(verification.settlements.map((s) => s.settlementId)).toEqual([
      'atlas-portal_2026-10_r1',
      'atlas-portal_2026-10_r2',
    ]);
  });

  it('ends an identical re-run as already settled, archiving nothing twice', async () => {
    const before = await listKeys('archive/');
    const input = {
      tenantId: 'acme',
      projectId: 'atlas-portal',
      period: '2026-10',
      revision: 2,
      asOf: '2026-11-20',
      reason: 'Goodwill write-off agreed',
    };
    const execution = await runtime.runSettlement(input, 'atlas-2026-10-r2-again');
    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as SettlementState).outcome).toBe('already-settled');
    expect(await listKeys('archive/')).toEqual(before);
  });

  it('refuses to settle an older revision of a locked period, recording the failure', async () => {
    const input = {
      tenantId: 'acme',
      projectId: 'atlas-portal',
      period: '2026-10',
      revision: 1,
      asOf: '2026-11-05',
      reason: 'late retry',
    };
    const execution = await runtime.runSettlement(input, 'atlas-2026-10-r1-late');
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('SettlementFailed');
    const failed = execution.history.find((e) => e.type === 'StateFailed' && e.state === 'Open');
    expect(failed?.error).toBe('PeriodLockedError');
    expect((await getPeriodLock('atlas-portal', '2026-10'))?.revision).toBe(2);
  });
});

describe('two executions of the same settlement at once', { timeout: 180_000 }, () => {
  it('lets the first proceed and stops the second cleanly, leaving the first untouched', async () => {
    const input = {
      tenantId: 'acme',
      projectId: 'atlas-portal',
      period: '2026-10',
      revision: 3,
      asOf: '2026-11-25',
      reason: 'Concurrent re-run check',
    };
    const first = runtime.sfn.startExecution(runtime.settlementArn, input, 'atlas-2026-10-r3-a');
    // The first waits for approval; the second arrives meanwhile.
    const email = await nextEmail();
    const second = await runtime.runSettlement(input, 'atlas-2026-10-r3-b');
    expect(second.status).toBe('FAILED');
    expect(second.history.find((e) => e.type === 'StateFailed' && e.state === 'Open')?.error).toBe(
      'SettlementInProgressError',
    );
    expect((await getSettlement('atlas-portal', '2026-10', 3))?.status).toBe('awaiting-approval');
    await approveByLink(email.link);
    await approveUntilDone(first);
    expect(first.status, `${first.error}: ${first.cause}`).toBe('SUCCEEDED');
    expect((first.output as SettlementState).outcome).toBe('settled');
  });
});

describe('an approval nobody answers', { timeout: 180_000 }, () => {
  it('reminds the approver, escalates to the backup, then ends as expired — through the state machine', async () => {
    const charter = JSON.parse(await readFile(join(DEMO, 'charter.json'), 'utf8'));
    charter.projectId = 'atlas-silent';
    // Seconds instead of days: reminder after 1 s, escalation after 2 s, expiry after 3 s.
    charter.approval = {
      timeoutDays: 3 / 86_400,
      reminderAfterHours: 1 / 3600,
      escalateAfterHours: 2 / 3600,
    };
    const dir = await mkdtemp(join(tmpdir(), 'charter-'));
    await writeFile(join(dir, 'charter.json'), JSON.stringify(charter));
    await importProject(join(dir, 'charter.json'), DEMO);
    const input = {
      tenantId: 'acme',
      projectId: 'atlas-silent',
      period: '2026-10',
      revision: 0,
      asOf: '2026-11-05',
    };
    const execution = await runtime.runSettlement(input, 'atlas-silent-2026-10-r0');
    emails.length = 0;
    expect(execution.status, `${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
    expect((execution.output as SettlementState).outcome).toBe('expired');
    const visited = execution.history.filter((e) => e.type === 'StateEntered').map((e) => e.state);
    expect(visited.filter((s) => s === 'ApprovalTimedOut')).toHaveLength(3);
    const mine = sent.filter((e) => e.settlementId === 'atlas-silent_2026-10_r0');
    expect(mine.map((e) => e.to.join(','))).toEqual([
      'pm@acme.example',
      'pm@acme.example',
      'deputy-pm@acme.example',
      'pm@acme.example',
    ]);
    expect((await getSettlement('atlas-silent', '2026-10', 0))?.status).toBe('expired');
    expect(await getPeriodLock('atlas-silent', '2026-10')).toBeUndefined();
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { approvalSummaryOf } from '#approval/from-charter.ts';
import { parseCharter } from '#domain/charters.ts';
import { Statement } from '#domain/statement.ts';
import { toStatementView } from '#statement/view-of.ts';

// The demo tenant's October statement (golden) and charter: eight clauses, six confirmed.
const statement = Statement.parse(
  JSON.parse(readFileSync('test/fixtures/statement/golden/demo-acme-2026-10.statement.json', 'utf8')),
);
const charter = parseCharter(JSON.parse(readFileSync('demo/acme/charter.json', 'utf8')), 'demo charter');

describe('clause coverage in the documents people receive', () => {
  it('maps every clause of the statement into the statement view with its evidence and state', () => {
    const view = toStatementView(statement, charter, {
      number: 'DRAFT',
      issuer: { id: 'acme', name: 'ACME' },
    });
    expect(view.clauses?.map((c) => [c.id, c.status, c.due, c.blocking])).toEqual([
      ['2.1', 'fulfilled', true, true],
      ['2.2', 'fulfilled', true, true],
      ['2.3', 'fulfilled', true, true],
      ['3.1', 'fulfilled', false, true],
      ['3.2', 'unfulfilled', false, true],
      ['4.1', 'unconfirmed', false, true],
      ['5.1', 'fulfilled', true, false],
      ['5.2', 'unconfirmed', true, false],
    ]);
    expect(view.clauses?.[3]?.evidence).toEqual(['ATL-21 Checkout API (2026-10-28)']);
    expect(view.clauses?.[4]?.evidence).toEqual(['ATL-23 Login via Azure AD B2C (SSO) (In Progress)']);
  });

  it('gives the approval page each clause as passed, warning, failed or pending', () => {
    const summary = approvalSummaryOf(statement, charter, {
      settlementId: 's',
      jsonKey: 'a',
      htmlKey: 'b',
      pdfKey: 'c',
    });
    expect(summary.clauses?.map((c) => [c.id, c.status])).toEqual([
      ['2.1', 'passed'],
      ['2.2', 'passed'],
      ['2.3', 'passed'],
      ['3.1', 'passed'],
      ['3.2', 'pending'],
      ['4.1', 'pending'],
      ['5.1', 'passed'],
      ['5.2', 'warning'],
    ]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ApprovalEvent } from '#approval/model.ts';
import { parseCharter } from '#domain/charters.ts';
import type { Statement } from '#domain/statement.ts';
import { approvalTrailOf, toStatementView } from '#statement/view-of.ts';

const charter = parseCharter(
  JSON.parse(readFileSync(new URL('../../../demo/acme/charter.json', import.meta.url), 'utf8')),
  'demo charter',
);
const statement = JSON.parse(
  readFileSync(
    new URL('../../fixtures/statement/golden/demo-acme-2026-10.statement.json', import.meta.url),
    'utf8',
  ),
) as Statement;

const event = (e: Partial<ApprovalEvent> & Pick<ApprovalEvent, 'type' | 'at' | 'actor' | 'step'>) =>
  ({ settlementId: 's', requestId: `r${e.step}`, ...e }) as ApprovalEvent;

describe('approvalTrailOf', () => {
  it('lists every step by name with its decision, comment and own decision time', () => {
    const trail = approvalTrailOf(
      [
        event({ type: 'sent', step: 0, at: '2026-11-05T08:00:00.000Z', actor: 'system' }),
        event({
          type: 'decided',
          step: 0,
          at: '2026-11-05T09:12:00.000Z',
          actor: 'pm@acme.example',
          detail: { decision: 'approved', comment: 'Hours match the plan' },
        }),
        event({
          type: 'escalated',
          step: 1,
          at: '2026-11-09T08:00:00.000Z',
          actor: 'system',
          detail: { to: 'controller@acme.example', kind: 'backup' },
        }),
        event({
          type: 'decided',
          step: 1,
          at: '2026-11-09T10:30:00.000Z',
          actor: 'controller@acme.example',
          detail: { decision: 'approved' },
        }),
      ],
      charter,
    );
    expect(trail).toEqual([
      {
        step: 1,
        role: 'project-manager',
        who: 'David Fischer',
        decision: 'approved',
        at: '2026-11-05T09:12:00.000Z',
        comment: 'Hours match the plan',
      },
      {
        step: 2,
        role: 'finance',
        who: 'Frank Hoffmann',
        onBehalfOf: 'Finance team',
        decision: 'escalated',
        at: '2026-11-09T08:00:00.000Z',
      },
      {
        step: 2,
        role: 'finance',
        who: 'Frank Hoffmann',
        decision: 'approved',
        at: '2026-11-09T10:30:00.000Z',
      },
    ]);
  });

  it('shows a delegation and the delegate deciding for the approver', () => {
    const trail = approvalTrailOf(
      [
        event({
          type: 'delegated',
          step: 0,
          at: '2026-11-05T08:00:00.000Z',
          actor: 'pm@acme.example',
          detail: { to: 'deputy-pm@acme.example', reason: 'on leave' },
        }),
        event({
          type: 'decided',
          step: 0,
          at: '2026-11-05T11:00:00.000Z',
          actor: 'deputy-pm@acme.example for pm@acme.example',
          detail: { decision: 'rejected', comment: 'Design hours not agreed', onBehalfOf: 'pm@acme.example' },
        }),
      ],
      charter,
    );
    expect(trail.map((e) => [e.who, e.onBehalfOf, e.decision, e.at])).toEqual([
      ['Eva Braun', 'David Fischer', 'delegated', '2026-11-05T08:00:00.000Z'],
      ['Eva Braun', 'David Fischer', 'rejected', '2026-11-05T11:00:00.000Z'],
    ]);
  });
});

describe('toStatementView', () => {
  const view = toStatementView(statement, charter, { number: 'ST-1', issuer: { id: 'acme', name: 'ACME' } });

  it('names people by name in billing and cost lines, never by address', () => {
    const text = JSON.stringify([view.billing, view.lines]);
    expect(text).toContain('Chloe Martin');
    expect(text).not.toMatch(/@acme\.example/);
  });

  it('raises the forecast warning when the overrun passes the charter threshold', () => {
    expect(view.forecastWarning).toEqual({
      eac: '355187.67',
      budgetAtCompletion: '300000.00',
      percent: '18.40',
      thresholdPercent: 10,
    });
  });

  it('takes the charter locale over the tenant locale', () => {
    const zh = toStatementView(
      statement,
      { ...charter, locale: 'zh-CN' },
      {
        number: 'ST-1',
        issuer: { id: 'acme', name: 'ACME' },
        locale: 'en',
      },
    );
    expect(zh.locale).toBe('zh-CN');
  });
});

import { describe, expect, it } from 'vitest';
import { costOf, type NightlyCounts, PRICES, type SettlementCounts } from '../../bench/cost-model.ts';

const settlement: SettlementCounts = {
  stateTransitions: 20,
  approvals: 2,
  lambdaInvocations: { ComputeSettlement: 1 },
  lambdaMillis: { ComputeSettlement: 100 },
  emails: 3,
  emailRecipients: 5,
  requests: {
    dynamodb: { GetItem: 10 },
    s3: { PutObject: 10, GetObject: 10 },
    readUnits: 10,
    writeUnits: 10,
  },
};
const nightly: NightlyCounts = {
  projects: 10,
  perNight: {
    standardTransitions: 10,
    lambdaMillis: {},
    lambdaInvocations: {},
    requests: { readUnits: 0, writeUnits: 0, s3: {} },
  },
};
const stack = { alarms: 2, dashboards: 1, kmsKeys: 1, secrets: 0, glueTables: 0, athenaWorkgroups: 0 };

describe('the cost model', () => {
  it('charges Cost Explorer per settlement only when each settlement queries alone', () => {
    const current = costOf(settlement, nightly, 1000, 'current', stack);
    const shared = costOf(settlement, nightly, 1000, 'shared', stack);
    expect(current.variable['Cost Explorer']).toBe(PRICES.costExplorerRequest);
    expect(shared.variable['Cost Explorer']).toBe(0);
    expect(shared.fixed['Cost Explorer (one query a night)']).toBeCloseTo(
      30 * PRICES.costExplorerRequest,
      10,
    );
    expect(current.variablePerSettlement - shared.variablePerSettlement).toBeCloseTo(
      PRICES.costExplorerRequest,
      10,
    );
  });

  it('bills SES per recipient, not per message', () => {
    expect(costOf(settlement, nightly, 1000, 'shared', stack).variable.SES).toBeCloseTo(
      5 * PRICES.sesEmail,
      12,
    );
    const { emailRecipients: _, ...older } = settlement;
    expect(costOf(older, nightly, 1000, 'shared', stack).variable.SES).toBeCloseTo(3 * PRICES.sesEmail, 12);
  });
});

import { StatementView } from './view.ts';

/**
 * The client statement (invoice backup) drawn from the internal view: what is billed (billing
 * lines with hours × bill rate or milestone amounts), milestones and their acceptance, retention and
 * the net amount due. Nothing of internal cost, cost rates, budget, variance, earned value, margin,
 * overhead allocation, supplier contract prices, the journal, quarantine, the contract-clause coverage (its evidence names
 * internal issues) or the internal approval trail is kept: those fields are emptied here, once, so
 * no renderer can show them by mistake.
 */
export function clientViewOf(view: StatementView): StatementView {
  const zero = '0';
  const { forecastWarning: _internal, clauses: _clauses, contractPrices: _prices, ...rest } = view;
  return StatementView.parse({
    ...rest,
    audience: 'client',
    counterparty: { ...view.counterparty },
    totals: {
      costByCategory: [],
      labourByRole: [],
      totalBudget: zero,
      totalCost: zero,
      billing: view.totals.billing,
      retention: view.totals.retention,
      netDue: view.totals.netDue,
    },
    lines: [],
    variance: [],
    evm: {
      pv: zero,
      ev: zero,
      ac: zero,
      cv: zero,
      sv: zero,
      cpi: null,
      spi: null,
      eac: zero,
      etc: zero,
      vac: zero,
      tcpi: null,
    },
    checklist: [],
    quarantine: [],
    lateEdits: undefined,
    journal: [],
    approvals: [],
  });
}

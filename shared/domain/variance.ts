import type { BudgetLine, Thresholds } from './charter.ts';
import { Dec, formatMinor, moneyFromMinor, roundToMinor } from './money.ts';
import type { CostLine, Variance, VarianceCause, VarianceRow } from './statement.ts';
import { compareStrings, sortBy } from './statement.ts';

/**
 * Variance: budget against actual per role, category, work package/site and
 * supplier, and any combination a budget line names (e.g. materials of site 7).
 *
 * A budget line matches the cost lines that agree on every key it names: `role` matches labour
 * lines of that role, `supplier` matches the vendor, `category` and `workPackage` match as
 * written. Actual groups that have no budget line of the same shape appear as unbudgeted rows.
 * variance = actual − budget (positive = overrun); percent = variance / budget × 100 (two
 * decimals, half-even). A row is `critical` at or above the critical percent, `warning` at or above
 * the warning percent; an unbudgeted actual is a `warning`. Causes are the flagged rows, the
 * largest overrun first, each naming its largest contributors.
 */

type Key = 'role' | 'category' | 'workPackage' | 'supplier';
const KEYS: readonly Key[] = ['role', 'category', 'workPackage', 'supplier'];

function lineValue(line: CostLine, key: Key): string | undefined {
  switch (key) {
    case 'role':
      return line.category === 'labour' ? line.role : undefined;
    case 'category':
      return line.category;
    case 'workPackage':
      return line.workPackage;
    case 'supplier':
      return line.vendor;
  }
}

function shapeOf(keys: Partial<Record<Key, string>>): Key[] {
  return KEYS.filter((k) => keys[k] !== undefined);
}

function rowId(keys: Partial<Record<Key, string>>): string {
  return shapeOf(keys)
    .map((k) => `${k}=${keys[k]}`)
    .join('|');
}

function describe(keys: Partial<Record<Key, string>>): string {
  const parts: string[] = [];
  if (keys.category) parts.push(keys.category);
  if (keys.role) parts.push(`role ${keys.role}`);
  if (keys.supplier) parts.push(`supplier ${keys.supplier}`);
  if (keys.workPackage) parts.push(`at ${keys.workPackage}`);
  return parts.join(' ');
}

export interface VarianceInput {
  readonly budgetLines: readonly BudgetLine[];
  /** The statement's period selector: budget lines with this `period` are compared with `periodLines`. */
  readonly period: string;
  readonly periodLines: readonly CostLine[];
  /** Used with the project's budget lines (no `period`) when the period has no budget lines of its own. */
  readonly toDateLines: readonly CostLine[];
  readonly thresholds: Thresholds;
  readonly currency: string;
  /** How many causes to name (default 5). */
  readonly maxCauses?: number;
}

/** Computes the variance table and its named causes. */
export function computeVariance(input: VarianceInput): Variance {
  const { currency, thresholds } = input;
  const periodBudget = input.budgetLines.filter((l) => l.period === input.period);
  const basis = periodBudget.length > 0 ? 'period' : 'to-date';
  const budget = basis === 'period' ? periodBudget : input.budgetLines.filter((l) => l.period === undefined);
  const lines = basis === 'period' ? input.periodLines : input.toDateLines;

  const budgetByRow = new Map<string, { keys: Partial<Record<Key, string>>; minor: bigint }>();
  for (const b of budget) {
    const keys: Partial<Record<Key, string>> = {};
    for (const k of KEYS) if (b[k] !== undefined) keys[k] = b[k];
    const id = rowId(keys);
    const existing = budgetByRow.get(id);
    const minor = roundToMinor(b.amount, currency);
    if (existing) existing.minor += minor;
    else budgetByRow.set(id, { keys, minor });
  }
  const shapes = new Map<string, Key[]>();
  for (const { keys } of budgetByRow.values()) shapes.set(shapeOf(keys).join('+'), shapeOf(keys));

  // Actuals grouped by every budget shape; contributors kept per row for the causes.
  const actual = new Map<
    string,
    { keys: Partial<Record<Key, string>>; dimension: string; minor: bigint; drivers: Map<string, bigint> }
  >();
  for (const line of lines) {
    const minor = roundToMinor(line.amount.amount, currency);
    for (const [dimension, shape] of shapes) {
      const keys: Partial<Record<Key, string>> = {};
      let complete = true;
      for (const k of shape) {
        const v = lineValue(line, k);
        if (v === undefined) complete = false;
        else keys[k] = v;
      }
      if (!complete) continue;
      const id = rowId(keys);
      let row = actual.get(id);
      if (!row) {
        row = { keys, dimension, minor: 0n, drivers: new Map() };
        actual.set(id, row);
      }
      row.minor += minor;
      const driver = line.vendor ?? line.person ?? line.allocation?.rule ?? line.id;
      row.drivers.set(driver, (row.drivers.get(driver) ?? 0n) + minor);
    }
  }

  const rows: VarianceRow[] = [];
  const causes: Array<VarianceCause & { sort: bigint }> = [];
  const ids = new Set([...budgetByRow.keys(), ...actual.keys()]);
  for (const id of ids) {
    const b = budgetByRow.get(id);
    const a = actual.get(id);
    const keys = b?.keys ?? a?.keys ?? {};
    const budgetMinor = b?.minor ?? 0n;
    const actualMinor = a?.minor ?? 0n;
    if (!b && actualMinor === 0n) continue;
    const varianceMinor = actualMinor - budgetMinor;
    const percent =
      budgetMinor === 0n
        ? null
        : new Dec(varianceMinor.toString()).div(budgetMinor.toString()).mul(100).toFixed(2);
    const unbudgeted = !b;
    let status: VarianceRow['status'] = 'ok';
    if (percent !== null) {
      const p = new Dec(percent);
      if (p.gte(thresholds.varianceCriticalPercent)) status = 'critical';
      else if (p.gte(thresholds.varianceWarningPercent)) status = 'warning';
    } else if (unbudgeted && actualMinor > 0n) {
      status = 'warning';
    }
    const row: VarianceRow = {
      id,
      dimension: shapeOf(keys).join('+'),
      keys: keys as VarianceRow['keys'],
      budget: moneyFromMinor(budgetMinor, currency),
      actual: moneyFromMinor(actualMinor, currency),
      variance: moneyFromMinor(varianceMinor, currency),
      percent,
      status,
      unbudgeted,
    };
    rows.push(row);
    if (status !== 'ok') {
      const drivers = [...(a?.drivers ?? new Map<string, bigint>()).entries()]
        .sort((x, y) => (x[1] > y[1] ? -1 : x[1] < y[1] ? 1 : compareStrings(x[0], y[0])))
        .slice(0, 3)
        .map(([name, minor]) => ({ name, amount: moneyFromMinor(minor, currency) }));
      const what = describe(keys);
      const message = unbudgeted
        ? `${what}: ${formatMinor(actualMinor, currency)} ${currency} spent without a budget`
        : `${what}: ${percent} % over budget (+${formatMinor(varianceMinor, currency)} ${currency} on ${formatMinor(budgetMinor, currency)} ${currency})`;
      causes.push({
        row: id,
        status,
        message:
          drivers.length > 0
            ? `${message}; largest: ${drivers.map((d) => `${d.name} ${d.amount.amount}`).join(', ')}`
            : message,
        variance: row.variance,
        drivers,
        sort: varianceMinor,
      });
    }
  }
  causes.sort((x, y) =>
    x.status !== y.status
      ? x.status === 'critical'
        ? -1
        : 1
      : x.sort > y.sort
        ? -1
        : x.sort < y.sort
          ? 1
          : compareStrings(x.row, y.row),
  );
  return {
    basis,
    thresholds: {
      warningPercent: thresholds.varianceWarningPercent,
      criticalPercent: thresholds.varianceCriticalPercent,
    },
    rows: sortBy(rows, (r) => `${r.dimension}#${r.id}`),
    causes: causes.slice(0, input.maxCauses ?? 5).map(({ sort: _sort, ...cause }) => cause),
  };
}

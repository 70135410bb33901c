import type { SupplierContract } from './charter.ts';
import { Dec, moneyFromMinor, roundToMinor, toMinor } from './money.ts';
import {
  type ContractPriceRow,
  type ContractPriceSubtotal,
  type ContractPrices,
  type CostLine,
  compareStrings,
} from './statement.ts';

/**
 * Actual cost against supplier contract prices.
 *
 * For each contract item and work package (site): the planned quantity (PQ), the delivered quantity
 * (AQ, the cost lines' exact quantity sum), the agreed unit price (SP) and the actual cost (AC).
 *
 * - planned = PQ × SP, at contract price = AQ × SP — each rounded half-even to the minor unit once
 *   per row (the one rounding rule, see money.ts); everything after is integer arithmetic;
 * - price variance = AC − AQ × SP (paid above the agreed price), quantity variance = AQ × SP − PQ × SP
 *   (used more than planned), and the two add up to AC − planned exactly;
 * - subtotals by site and by supplier, and the total, are integer sums of the rows.
 *
 * A cost line belongs to an item when its vendor is the contract's supplier, its category the
 * contract's and its unit the item's. Lines of the supplier and category that match no item (another
 * unit, or no quantity) are listed as `unmatched`, never dropped silently.
 */
export function compareContractPrices(
  contracts: readonly SupplierContract[],
  lines: readonly CostLine[],
  currency: string,
): ContractPrices | undefined {
  const priced = contracts.filter((c) => c.items.length > 0);
  if (priced.length === 0) return undefined;
  const rows: ContractPriceRow[] = [];
  const unmatched: ContractPrices['unmatched'] = [];
  for (const contract of priced) {
    const own = lines.filter((l) => l.vendor === contract.supplier && l.category === contract.category);
    for (const line of own) {
      const matched = line.quantity !== undefined && contract.items.some((i) => i.unit === line.unit);
      if (!matched)
        unmatched.push({
          supplier: contract.supplier,
          line: line.id,
          ...(line.unit === undefined ? {} : { unit: line.unit }),
          amount: line.amount,
        });
    }
    for (const item of contract.items) {
      const actualBySite = new Map<string, { quantity: Dec; minor: bigint }>();
      for (const line of own) {
        if (line.unit !== item.unit || line.quantity === undefined) continue;
        const site = line.workPackage ?? '';
        const prev = actualBySite.get(site) ?? { quantity: new Dec(0), minor: 0n };
        actualBySite.set(site, {
          quantity: prev.quantity.add(line.quantity),
          minor: prev.minor + toMinor(line.amount),
        });
      }
      const sites = new Set([...Object.keys(item.plannedQuantities), ...actualBySite.keys()]);
      for (const site of [...sites].sort(compareStrings)) {
        const plannedQuantity = new Dec(item.plannedQuantities[site] ?? 0);
        const actual = actualBySite.get(site) ?? { quantity: new Dec(0), minor: 0n };
        const planned = roundToMinor(plannedQuantity.mul(item.unitPrice), currency);
        const atContractPrice = roundToMinor(actual.quantity.mul(item.unitPrice), currency);
        rows.push({
          supplier: contract.supplier,
          ...(contract.reference === undefined ? {} : { reference: contract.reference }),
          item: item.id,
          description: item.description,
          unit: item.unit,
          ...(site === '' ? {} : { workPackage: site }),
          unitPrice: item.unitPrice,
          actualUnitPrice: actual.quantity.isZero()
            ? null
            : new Dec(moneyFromMinor(actual.minor, currency).amount).div(actual.quantity).toFixed(4),
          plannedQuantity: plannedQuantity.toString(),
          actualQuantity: actual.quantity.toString(),
          ...figures({ planned, atContractPrice, actual: actual.minor }, currency),
        });
      }
    }
  }
  const subtotal = (key: string, of: readonly ContractPriceRow[]): ContractPriceSubtotal => {
    const sum = (pick: (r: ContractPriceRow) => ContractPriceRow['planned']) =>
      of.reduce((s, r) => s + toMinor(pick(r)), 0n);
    return {
      key,
      ...figures(
        {
          planned: sum((r) => r.planned),
          atContractPrice: sum((r) => r.atContractPrice),
          actual: sum((r) => r.actual),
        },
        currency,
      ),
    };
  };
  const group = (key: (r: ContractPriceRow) => string) => {
    const groups = new Map<string, ContractPriceRow[]>();
    for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
    return [...groups.keys()].sort(compareStrings).map((k) => subtotal(k, groups.get(k) ?? []));
  };
  return {
    rows: rows.sort(
      (a, b) =>
        compareStrings(a.workPackage ?? '', b.workPackage ?? '') ||
        compareStrings(a.supplier, b.supplier) ||
        compareStrings(a.item, b.item),
    ),
    bySite: group((r) => r.workPackage ?? ''),
    bySupplier: group((r) => r.supplier),
    total: subtotal('total', rows),
    unmatched: unmatched.sort((a, b) => compareStrings(a.line, b.line)),
  };
}

/** The variances of planned, at-contract-price and actual minor units. */
function figures(
  minor: { planned: bigint; atContractPrice: bigint; actual: bigint },
  currency: string,
): Omit<ContractPriceSubtotal, 'key'> {
  const variance = minor.actual - minor.planned;
  return {
    planned: moneyFromMinor(minor.planned, currency),
    atContractPrice: moneyFromMinor(minor.atContractPrice, currency),
    actual: moneyFromMinor(minor.actual, currency),
    priceVariance: moneyFromMinor(minor.actual - minor.atContractPrice, currency),
    quantityVariance: moneyFromMinor(minor.atContractPrice - minor.planned, currency),
    variance: moneyFromMinor(variance, currency),
    percent:
      minor.planned === 0n
        ? null
        : new Dec(variance.toString()).div(minor.planned.toString()).mul(100).toFixed(2),
  };
}

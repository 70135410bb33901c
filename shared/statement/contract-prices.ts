import {
  formatAmount,
  formatNumber,
  formatPercent,
  formatQuantity,
  labelsFor,
  unitLabel,
  varianceTone,
} from './format.ts';
import type { ContractPricesView, StatementView } from './view.ts';

/**
 * The supplier contract price tables of a statement — per item and site, by site, by supplier —
 * as plain cells, one definition for both renderers (HTML here, PDF through its own table drawing).
 * Variance cells carry their tone: over the warning threshold is the warning colour, under is good.
 */

export interface PriceCell {
  readonly text: string;
  readonly numeric?: boolean;
  readonly tone?: 'over' | 'under';
}

export interface PriceTable {
  readonly heading: string;
  readonly header: readonly { readonly label: string; readonly numeric?: boolean; readonly width: number }[];
  readonly rows: readonly (readonly PriceCell[])[];
  readonly total?: readonly PriceCell[];
}

type Figures = ContractPricesView['total'];

export function contractPriceTables(
  view: Pick<StatementView, 'contractPrices' | 'locale' | 'currency' | 'varianceWarningPercent'>,
):
  | {
      readonly title: string;
      readonly note: string;
      readonly tables: readonly PriceTable[];
      readonly unmatched?: string;
    }
  | undefined {
  const prices = view.contractPrices;
  if (!prices || prices.rows.length === 0) return undefined;
  const t = labelsFor(view.locale);
  const plain = (amount: string): PriceCell => ({
    text: formatNumber(amount, view.currency, view.locale),
    numeric: true,
  });
  const toned = (text: string, variance: string, percent: string | null): PriceCell => {
    const tone = varianceTone(variance, percent, view.varianceWarningPercent);
    return tone === 'within' ? { text, numeric: true } : { text, numeric: true, tone };
  };
  const percentOf = (f: Figures) => toned(formatPercent(f.percent, view.locale), f.variance, f.percent);
  const varianceOf = (amount: string, f: Figures) =>
    toned(formatNumber(amount, view.currency, view.locale), f.variance, f.percent);
  const figures = (f: Figures): PriceCell[] => [
    plain(f.planned),
    plain(f.atContractPrice),
    plain(f.actual),
    varianceOf(f.priceVariance, f),
    varianceOf(f.quantityVariance, f),
    varianceOf(f.variance, f),
    percentOf(f),
  ];
  const figureHeader = [
    { label: t('plannedCost'), numeric: true, width: 0.125 },
    { label: t('atContractPrice'), numeric: true, width: 0.125 },
    { label: t('actual'), numeric: true, width: 0.125 },
    { label: t('priceVariance'), numeric: true, width: 0.11 },
    { label: t('quantityVariance'), numeric: true, width: 0.11 },
    { label: t('variance'), numeric: true, width: 0.11 },
    { label: t('percent'), numeric: true, width: 0.08 },
  ];
  const quantity = (value: string, unit: string) =>
    `${formatQuantity(value, view.locale)} ${unitLabel(t, unit)}`;
  const unitPrice = (value: string | null) =>
    value === null ? '—' : formatNumber(value, view.currency, view.locale);
  const subtotals = (heading: string, keyLabel: string, rows: ContractPricesView['bySite']): PriceTable => ({
    heading,
    header: [{ label: keyLabel, width: 0.215 }, ...figureHeader],
    rows: rows.map((r) => [{ text: r.key || '—' }, ...figures(r)]),
    total: [{ text: t('total') }, ...figures(prices.total)],
  });
  const unmatched = Number(prices.unmatched) === 0 ? undefined : prices.unmatched;
  return {
    title: t('contractPrices'),
    note: t('contractPricesNote'),
    tables: [
      subtotals(t('contractPricesBySite'), t('site'), prices.bySite),
      subtotals(t('contractPricesBySupplier'), t('supplier'), prices.bySupplier),
      {
        heading: t('contractItem'),
        header: [
          { label: t('site'), width: 0.08 },
          { label: t('supplier'), width: 0.14 },
          { label: t('contractItem'), width: 0.11 },
          { label: t('plannedQuantity'), numeric: true, width: 0.08 },
          { label: t('actualQuantity'), numeric: true, width: 0.08 },
          { label: t('agreedPrice'), numeric: true, width: 0.075 },
          { label: t('actualPrice'), numeric: true, width: 0.075 },
          { label: t('actual'), numeric: true, width: 0.1 },
          { label: t('priceVariance'), numeric: true, width: 0.09 },
          { label: t('quantityVariance'), numeric: true, width: 0.09 },
          { label: t('percent'), numeric: true, width: 0.07 },
        ],
        rows: prices.rows.map((r) => [
          { text: r.site || '—' },
          { text: r.supplier },
          { text: r.item },
          { text: quantity(r.plannedQuantity, r.unit), numeric: true },
          { text: quantity(r.actualQuantity, r.unit), numeric: true },
          { text: unitPrice(r.unitPrice), numeric: true },
          { text: unitPrice(r.actualUnitPrice), numeric: true },
          plain(r.actual),
          varianceOf(r.priceVariance, r),
          varianceOf(r.quantityVariance, r),
          percentOf(r),
        ]),
      },
    ],
    ...(unmatched
      ? {
          unmatched: t('unmatchedCost').replace(
            '{amount}',
            formatAmount(unmatched, view.currency, view.locale),
          ),
        }
      : {}),
  };
}

function e(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The HTML section (starting with a line break); empty when no supplier contract lists items. */
export function contractPricesHtml(
  view: Pick<StatementView, 'contractPrices' | 'locale' | 'currency' | 'varianceWarningPercent'>,
): string {
  const section = contractPriceTables(view);
  if (!section) return '';
  const cell = (c: PriceCell, tag: 'td' | 'th' = 'td') =>
    `<${tag}${c.numeric ? ' class="num"' : ''}>${c.tone ? `<span class="${c.tone}">${e(c.text)}</span>` : e(c.text)}</${tag}>`;
  const tables = section.tables
    .map(
      (table) => `<h3>${e(table.heading)}</h3>
<div class="scroll"><table>
<thead><tr>${table.header.map((h) => cell({ text: h.label, ...(h.numeric ? { numeric: true } : {}) }, 'th')).join('')}</tr></thead>
<tbody>
${table.rows.map((row) => `<tr>${row.map((c) => cell(c)).join('')}</tr>`).join('\n')}${
  table.total ? `\n<tr class="total">${table.total.map((c) => cell(c)).join('')}</tr>` : ''
}
</tbody>
</table></div>`,
    )
    .join('\n');
  return `
<section class="contract-prices">
<h2>${e(section.title)}</h2>
<p class="note">${e(section.note)}</p>
${tables}${section.unmatched ? `\n<p class="note">${e(section.unmatched)}</p>` : ''}
</section>`;
}

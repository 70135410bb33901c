import { describe, expect, it } from 'vitest';
import { Charter, validateCharter } from '#domain/charter.ts';
import { computeStatement } from '#domain/compute.ts';
import { compareContractPrices } from '#domain/contract-prices.ts';
import type { SettlementRecord } from '#domain/records.ts';
import { Statement } from '#domain/statement.ts';
import { charterWith, cost } from './fixtures.ts';

// Worked by hand (amounts EUR):
// site-01 concrete: planned 100 m³ × 480 = 48,000.00; delivered 60 + 58 = 118 m³ for 28,800.00 + 28,130.00
//   = 56,930.00; at contract price 118 × 480 = 56,640.00 → price +290.00, quantity +8,640.00,
//   variance +8,930.00 = 18.60 % of 48,000.00.
// site-01 rebar: planned 3 t × 5,200.125 = 15,600.375 → 15,600.38 (half-even); delivered 2.5 t for
//   13,250.00; at contract price 2.5 × 5,200.125 = 13,000.3125 → 13,000.31 → price +249.69,
//   quantity −2,600.07, variance −2,350.38 = −15.07 %.
// site-02 concrete: 50 m³ for 24,000.00 as planned → all zero.
// crane: site-01 planned 10 days × 1,500 = 15,000.00; 12 days for 19,200.00 → at contract 18,000.00,
//   price +1,200.00, quantity +3,000.00, variance +4,200.00 (28.00 %); site-02 planned 2 days
//   (3,000.00), none used → quantity −3,000.00.
const charter = charterWith({
  supplierContracts: [
    {
      supplier: 'Concrete Co',
      reference: 'SC-1',
      amount: '90000.00',
      category: 'materials',
      items: [
        {
          id: 'concrete',
          description: 'Ready-mix concrete C30',
          unit: 'm³',
          unitPrice: '480.00',
          plannedQuantities: { 'site-01': '100', 'site-02': '50' },
        },
        {
          id: 'rebar',
          description: 'Rebar HRB400',
          unit: 't',
          unitPrice: '5200.125',
          plannedQuantities: { 'site-01': '3' },
        },
      ],
    },
    {
      supplier: 'Crane Hire',
      amount: '20000.00',
      category: 'equipment',
      items: [
        {
          id: 'crane',
          description: 'Tower crane, per day',
          unit: 'days',
          unitPrice: '1500.00',
          plannedQuantities: { 'site-01': '10', 'site-02': '2' },
        },
      ],
    },
  ],
});

const concrete = { vendor: 'Concrete Co', unit: 'm³' };
const records: SettlementRecord[] = [
  cost('materials', '28800.00', '2026-10-03', { ...concrete, workPackage: 'site-01', quantity: '60' }),
  cost('materials', '28130.00', '2026-10-20', { ...concrete, workPackage: 'site-01', quantity: '58' }),
  cost('materials', '24000.00', '2026-10-05', { ...concrete, workPackage: 'site-02', quantity: '50' }),
  cost('materials', '13250.00', '2026-10-07', {
    vendor: 'Concrete Co',
    unit: 't',
    workPackage: 'site-01',
    quantity: '2.5',
  }),
  cost('materials', '50.00', '2026-10-08', {
    vendor: 'Concrete Co',
    unit: 'kg',
    workPackage: 'site-01',
    quantity: '10',
  }),
  cost('equipment', '19200.00', '2026-10-09', {
    vendor: 'Crane Hire',
    unit: 'days',
    workPackage: 'site-01',
    quantity: '12',
  }),
  // Another supplier: no contract, not compared.
  cost('materials', '999.00', '2026-10-10', {
    vendor: 'Timber Ltd',
    unit: 'm³',
    workPackage: 'site-01',
    quantity: '2',
  }),
];

function contractPrices() {
  const statement = Statement.parse(
    computeStatement({
      charter,
      records,
      period: '2026-10',
      asOf: '2026-10-31',
      revision: 0,
      quarantine: [],
    }),
  );
  if (!statement.contractPrices) throw new Error('no contract prices in the statement');
  return statement.contractPrices;
}

const eur = (amount: string) => ({ amount, currency: 'EUR' });

describe('actual cost against supplier contract prices', () => {
  it('splits each item and site into price and quantity variance, rounding once per row half-even', () => {
    const rows = contractPrices().rows;
    const row = (item: string, site: string) => rows.find((r) => r.item === item && r.workPackage === site);
    expect(row('concrete', 'site-01')).toMatchObject({
      plannedQuantity: '100',
      actualQuantity: '118',
      unitPrice: '480.00',
      actualUnitPrice: '482.4576',
      planned: eur('48000.00'),
      atContractPrice: eur('56640.00'),
      actual: eur('56930.00'),
      priceVariance: eur('290.00'),
      quantityVariance: eur('8640.00'),
      variance: eur('8930.00'),
      percent: '18.60',
    });
    expect(row('rebar', 'site-01')).toMatchObject({
      planned: eur('15600.38'),
      atContractPrice: eur('13000.31'),
      actual: eur('13250.00'),
      priceVariance: eur('249.69'),
      quantityVariance: eur('-2600.07'),
      variance: eur('-2350.38'),
      percent: '-15.07',
      actualUnitPrice: '5300.0000',
    });
    expect(row('concrete', 'site-02')).toMatchObject({
      priceVariance: eur('0.00'),
      quantityVariance: eur('0.00'),
      variance: eur('0.00'),
      percent: '0.00',
    });
    expect(row('crane', 'site-01')).toMatchObject({
      priceVariance: eur('1200.00'),
      quantityVariance: eur('3000.00'),
      variance: eur('4200.00'),
      percent: '28.00',
    });
    expect(row('crane', 'site-02')).toMatchObject({
      actualQuantity: '0',
      actualUnitPrice: null,
      planned: eur('3000.00'),
      actual: eur('0.00'),
      quantityVariance: eur('-3000.00'),
    });
    expect(rows.map((r) => `${r.workPackage}/${r.supplier}/${r.item}`)).toEqual([
      'site-01/Concrete Co/concrete',
      'site-01/Concrete Co/rebar',
      'site-01/Crane Hire/crane',
      'site-02/Concrete Co/concrete',
      'site-02/Crane Hire/crane',
    ]);
  });

  it('adds up by site, by supplier and in total as integer sums of the rows', () => {
    const prices = contractPrices();
    expect(prices.bySite).toEqual([
      {
        key: 'site-01',
        planned: eur('78600.38'),
        atContractPrice: eur('87640.31'),
        actual: eur('89380.00'),
        priceVariance: eur('1739.69'),
        quantityVariance: eur('9039.93'),
        variance: eur('10779.62'),
        percent: '13.71',
      },
      {
        key: 'site-02',
        planned: eur('27000.00'),
        atContractPrice: eur('24000.00'),
        actual: eur('24000.00'),
        priceVariance: eur('0.00'),
        quantityVariance: eur('-3000.00'),
        variance: eur('-3000.00'),
        percent: '-11.11',
      },
    ]);
    expect(
      prices.bySupplier.map((s) => [s.key, s.priceVariance.amount, s.quantityVariance.amount, s.percent]),
    ).toEqual([
      ['Concrete Co', '539.69', '6039.93', '7.51'],
      ['Crane Hire', '1200.00', '0.00', '6.67'],
    ]);
    expect(prices.total).toMatchObject({
      planned: eur('105600.38'),
      atContractPrice: eur('111640.31'),
      actual: eur('113380.00'),
      priceVariance: eur('1739.69'),
      quantityVariance: eur('6039.93'),
      variance: eur('7779.62'),
      percent: '7.37',
    });
  });

  it('lists the supplier’s cost in a unit no item has instead of dropping it', () => {
    expect(contractPrices().unmatched).toEqual([
      { supplier: 'Concrete Co', line: 'materials|Concrete Co|site-01|kg', unit: 'kg', amount: eur('50.00') },
    ]);
  });

  it('price variance plus quantity variance is the variance on every row and subtotal', () => {
    const prices = contractPrices();
    for (const r of [...prices.rows, ...prices.bySite, ...prices.bySupplier, prices.total]) {
      const cents = (m: { amount: string }) => BigInt(m.amount.replace('.', ''));
      expect(cents(r.priceVariance) + cents(r.quantityVariance)).toBe(cents(r.variance));
    }
  });

  it('is absent when no supplier contract lists items (statements without it are unchanged)', () => {
    expect(compareContractPrices(charterWith().supplierContracts, [], 'EUR')).toBeUndefined();
  });

  it('refuses a contract that lists two items in one unit', () => {
    const result = validateCharter({
      ...Charter.parse(charter),
      supplierContracts: [
        {
          supplier: 'Concrete Co',
          amount: '1.00',
          category: 'materials',
          items: [
            { id: 'c30', description: 'C30', unit: 'm³', unitPrice: '480' },
            { id: 'c40', description: 'C40', unit: 'm³', unitPrice: '520' },
          ],
        },
      ],
    });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toContainEqual({
        path: '$.supplierContracts[0].items[1].unit',
        message: 'a second item in "m³": records are matched to items by unit, one item per unit',
      });
  });
});

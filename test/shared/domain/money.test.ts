import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CurrencyMismatchError, MissingExchangeRateError } from '#domain/errors.ts';
import {
  addMoney,
  compareMoney,
  convertMoney,
  type FxRate,
  findFxRate,
  formatMinor,
  type Money,
  money,
  ROUNDING_RULE,
  roundToMinor,
  subtractMoney,
  sumMoney,
} from '#domain/money.ts';

describe('money', () => {
  it('rounds half to even at the minor unit', () => {
    expect(ROUNDING_RULE.mode).toBe('half-even');
    expect(roundToMinor('0.125', 'EUR')).toBe(12n);
    expect(roundToMinor('0.135', 'EUR')).toBe(14n);
    expect(roundToMinor('-0.125', 'EUR')).toBe(-12n);
    expect(roundToMinor('0.1251', 'EUR')).toBe(13n);
    expect(roundToMinor('2.5', 'JPY')).toBe(2n);
    expect(roundToMinor('1.0005', 'KWD')).toBe(1000n);
  });

  it('formats minor units with the currency decimals', () => {
    expect(formatMinor(-5n, 'EUR')).toBe('-0.05');
    expect(formatMinor(123456n, 'EUR')).toBe('1234.56');
    expect(formatMinor(1500n, 'JPY')).toBe('1500');
    expect(formatMinor(1n, 'BHD')).toBe('0.001');
  });

  it('adds exactly where binary floats would not', () => {
    expect(addMoney(money('0.1', 'EUR'), money('0.2', 'EUR'))).toEqual({ amount: '0.30', currency: 'EUR' });
  });

  it('refuses to add amounts in different currencies', () => {
    expect(() => addMoney(money('1', 'EUR'), money('1', 'USD'))).toThrow(CurrencyMismatchError);
    try {
      sumMoney([money('1', 'EUR'), money('1', 'USD')], 'EUR');
    } catch (error) {
      expect(error).toBeInstanceOf(CurrencyMismatchError);
      expect((error as Error).name).toBe('CurrencyMismatchError');
    }
  });

  const rates: FxRate[] = [
    { from: 'USD', to: 'EUR', rate: '0.90', date: '2026-10-01' },
    { from: 'USD', to: 'EUR', rate: '0.95', date: '2026-10-15' },
    { from: 'EUR', to: 'GBP', rate: '0.80', date: '2026-10-01' },
  ];

  it('converts at the latest rate on or before the date', () => {
    expect(convertMoney(money('100', 'USD'), 'EUR', '2026-10-14', rates).amount).toBe('90.00');
    expect(convertMoney(money('100', 'USD'), 'EUR', '2026-10-15', rates).amount).toBe('95.00');
    expect(convertMoney(money('100', 'USD'), 'EUR', '2026-12-31', rates).amount).toBe('95.00');
  });

  it('uses a rate given the other way round, inverted', () => {
    // 1 GBP = 1 / 0.80 EUR = 1.25 EUR
    expect(convertMoney(money('10', 'GBP'), 'EUR', '2026-10-02', rates)).toEqual({
      amount: '12.50',
      currency: 'EUR',
    });
    expect(findFxRate(rates, 'GBP', 'EUR', '2026-10-02').inverse).toBe(true);
  });

  it('throws a typed error when no rate is dated on or before the date', () => {
    expect(() => convertMoney(money('1', 'USD'), 'EUR', '2026-09-30', rates)).toThrow(
      MissingExchangeRateError,
    );
    expect(() => convertMoney(money('1', 'CHF'), 'EUR', '2026-10-30', rates)).toThrow(
      MissingExchangeRateError,
    );
  });

  it('never mixes currencies in any operation (property)', () => {
    const arbMoney = fc
      .record({
        cents: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        currency: fc.constantFrom('EUR', 'USD', 'JPY'),
      })
      .map(({ cents, currency }): Money => ({ amount: formatMinor(cents, currency), currency }));
    fc.assert(
      fc.property(arbMoney, arbMoney, (a, b) => {
        const ops = [
          () => addMoney(a, b),
          () => subtractMoney(a, b),
          () => compareMoney(a, b),
          () => sumMoney([a, b], a.currency),
        ];
        for (const op of ops) {
          if (a.currency === b.currency) {
            expect(op).not.toThrow();
          } else {
            expect(op).toThrow(CurrencyMismatchError);
          }
        }
        if (a.currency === b.currency) {
          const sum = addMoney(a, b);
          expect(sum.currency).toBe(a.currency);
          expect(subtractMoney(sum, b)).toEqual(a);
        }
      }),
    );
  });
});

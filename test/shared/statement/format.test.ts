import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount, formatDate, formatPercent, labelsFor } from '#statement/format.ts';

describe('formatAmount', () => {
  it('formats amounts for the currency and locale', () => {
    expect(formatAmount('1234.5', 'EUR', 'en')).toBe('€1,234.50');
    expect(formatAmount('-1234.5', 'CNY', 'zh-CN')).toBe('-¥1,234.50');
    expect(formatAmount('1234.5', 'JPY', 'en')).toBe('¥1,235');
  });

  it('keeps every digit of amounts beyond float precision', () => {
    expect(formatAmount('12345678901234567.89', 'EUR', 'en')).toBe('€12,345,678,901,234,567.89');
  });

  it('rounds half away from zero on the decimal, not on a float', () => {
    // 1.005 is 1.00499999999999989… as a float: a float formatter would print 1.00.
    expect(formatAmount('1.005', 'EUR', 'en')).toBe('€1.01');
    expect(formatAmount('-1.005', 'EUR', 'en')).toBe('-€1.01');
  });

  it('prints any two-decimal amount with the same digits it holds', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (cents) => {
        const amount = new Decimal(cents.toString()).div(100).toFixed(2);
        const digits = formatAmount(amount, 'EUR', 'en').replace(/[€,]/g, '');
        expect(digits).toBe(amount);
      }),
    );
  });
});

describe('labels', () => {
  it('has every English label in Chinese too', () => {
    const en = labelsFor('en');
    const zh = labelsFor('zh-CN');
    expect(en('netDue')).toBe('Net amount due');
    expect(zh('netDue')).toBe('应付净额');
    expect(zh('cat.labour')).toBe('人工');
  });

  it('formats dates and percentages per locale', () => {
    expect(formatDate('2025-03-31', 'en')).toBe('31 Mar 2025');
    expect(formatDate('2025-03-31', 'zh-CN')).toBe('2025年3月31日');
    expect(formatPercent('17.03', 'en')).toBe('17.0 %');
    expect(formatPercent(null, 'en')).toBe('—');
  });
});

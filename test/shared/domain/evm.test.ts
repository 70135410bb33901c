import { describe, expect, it } from 'vitest';
import { computeEarnedValue, plannedShare } from '#domain/evm.ts';
import { money } from '#domain/money.ts';

describe('earned value', () => {
  // Textbook case: BAC 100,000; PV 50,000; EV 40,000; AC 45,000.
  const textbook = {
    asOf: '2026-06-30',
    bac: money('100000', 'EUR'),
    pv: money('50000', 'EUR'),
    ev: money('40000', 'EUR'),
    ac: money('45000', 'EUR'),
  };

  it('computes the textbook figures', () => {
    const evm = computeEarnedValue({ ...textbook, overrunWarningPercent: 10 });
    expect(evm.cv.amount).toBe('-5000.00'); // EV − AC
    expect(evm.sv.amount).toBe('-10000.00'); // EV − PV
    expect(evm.cpi).toBe('0.8889'); // 40,000 / 45,000
    expect(evm.spi).toBe('0.8000'); // 40,000 / 50,000
    expect(evm.eac?.amount).toBe('112500.00'); // BAC / CPI = 100,000 × 45,000 / 40,000
    expect(evm.eacAlternatives.atBudgetRate.amount).toBe('105000.00'); // AC + (BAC − EV)
    expect(evm.eacAlternatives.cpiSpi?.amount).toBe('129375.00'); // 45,000 + 60,000 / (0.8889 × 0.8)
    expect(evm.etc?.amount).toBe('67500.00'); // EAC − AC
    expect(evm.vac?.amount).toBe('-12500.00'); // BAC − EAC
    expect(evm.tcpi).toBe('1.0909'); // (BAC − EV) / (BAC − AC) = 60,000 / 55,000
    expect(evm.percentComplete).toBe('40.00');
    expect(evm.forecastOverrunPercent).toBe('12.50');
  });

  it('raises the early warning when the forecast overrun reaches the threshold', () => {
    expect(computeEarnedValue({ ...textbook, overrunWarningPercent: 10 }).earlyWarning).toBe(true);
    expect(computeEarnedValue({ ...textbook, overrunWarningPercent: 12.5 }).earlyWarning).toBe(true);
    expect(computeEarnedValue({ ...textbook, overrunWarningPercent: 15 }).earlyWarning).toBe(false);
  });

  it('leaves indices null instead of dividing by zero', () => {
    const evm = computeEarnedValue({
      ...textbook,
      ev: money('0', 'EUR'),
      ac: money('0', 'EUR'),
      overrunWarningPercent: 10,
    });
    expect(evm.cpi).toBeNull();
    expect(evm.eac).toBeNull();
    expect(evm.earlyWarning).toBe(false);
  });

  it('spreads planned value linearly over the planned days', () => {
    const m = { plannedStart: '2026-10-01', plannedEnd: '2026-10-10' };
    expect(plannedShare(m, '2026-09-30').toString()).toBe('0');
    expect(plannedShare(m, '2026-10-05').toString()).toBe('0.5');
    expect(plannedShare(m, '2026-10-10').toString()).toBe('1');
  });
});

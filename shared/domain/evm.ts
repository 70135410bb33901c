import type { Decimal } from 'decimal.js';
import type { Milestone } from './charter.ts';
import { CurrencyMismatchError } from './errors.ts';
import { Dec, formatMinor, type Money, moneyFromMinor, roundToMinor, toMinor } from './money.ts';
import { daysBetween } from './periods.ts';
import type { EarnedValue } from './statement.ts';

/**
 * Earned value and forecast, as of a date, in the charter currency.
 *
 * - PV (planned value): Σ over milestones of plannedValue × the share of the milestone's planned
 *   days (start to end, inclusive) elapsed by as-of; spread linearly within a milestone.
 * - EV (earned value): Σ plannedValue × progress; progress is 1 once the milestone is reached
 *   (acceptance or milestone-reached evidence on or before as-of), else the share of its tasks'
 *   points done. Without milestones: BAC × points done / scope.totalPlanned.
 * - AC (actual cost): the cost of all records up to as-of, indirect allocation included.
 * - CV = EV − AC; SV = EV − PV; CPI = EV / AC; SPI = EV / PV.
 * - EAC = BAC / CPI (the default: the cost performance so far continues). Alternatives offered:
 *   EAC = AC + (BAC − EV) (remaining work at the budgeted rate) and
 *   EAC = AC + (BAC − EV) / (CPI × SPI) (cost and schedule performance both continue).
 * - ETC = EAC − AC; VAC = BAC − EAC; TCPI = (BAC − EV) / (BAC − AC).
 * - Forecast overrun % = (EAC − BAC) / BAC × 100; the early warning is raised when it reaches
 *   the charter's `thresholds.eacOverrunWarningPercent`.
 * Money figures are computed exactly and rounded once (half-even); indices are given to four
 * decimals, percentages to two. A figure whose denominator is zero is null.
 */

export interface MilestoneProgress {
  readonly milestone: Milestone;
  /** 0..1, exact. */
  readonly progress: Decimal;
  /** Date the milestone was reached (earliest qualifying evidence), or null. */
  readonly reached: string | null;
}

/** Share (0..1) of a milestone's planned days elapsed by `asOf`, both ends inclusive. */
export function plannedShare(
  milestone: Pick<Milestone, 'plannedStart' | 'plannedEnd'>,
  asOf: string,
): Decimal {
  const total = daysBetween(milestone.plannedStart, milestone.plannedEnd) + 1;
  const elapsed = daysBetween(milestone.plannedStart, asOf) + 1;
  if (elapsed <= 0) return new Dec(0);
  if (elapsed >= total) return new Dec(1);
  return new Dec(elapsed).div(total);
}

export interface EarnedValueFigures {
  readonly asOf: string;
  readonly bac: Money;
  readonly pv: Money;
  readonly ev: Money;
  readonly ac: Money;
  readonly overrunWarningPercent: number;
  readonly milestones?: EarnedValue['milestones'];
}

function ratio(n: bigint, d: bigint, places: number): string | null {
  if (d === 0n) return null;
  return new Dec(n.toString()).div(d.toString()).toFixed(places);
}

/** Computes the earned-value figures (see the module comment for the formulas). */
export function computeEarnedValue(input: EarnedValueFigures): EarnedValue {
  const currency = input.bac.currency;
  for (const m of [input.pv, input.ev, input.ac]) {
    if (m.currency !== currency) throw new CurrencyMismatchError(currency, m.currency, 'computeEarnedValue');
  }
  const bac = toMinor(input.bac);
  const pv = toMinor(input.pv);
  const ev = toMinor(input.ev);
  const ac = toMinor(input.ac);
  const m = (minor: bigint) => moneyFromMinor(minor, currency);
  const d = (minor: bigint) => new Dec(formatMinor(minor, currency));
  const round = (x: Decimal) => roundToMinor(x, currency);

  // EAC = BAC / CPI = BAC × AC / EV, computed without rounding CPI first.
  const eac = ev === 0n ? null : round(d(bac).mul(d(ac)).div(d(ev)));
  // AC + (BAC − EV) / (CPI × SPI), with CPI × SPI = EV² / (AC × PV).
  const cpiSpi =
    ev === 0n || ac === 0n || pv === 0n
      ? null
      : round(
          d(ac).add(
            d(bac - ev)
              .mul(d(ac))
              .mul(d(pv))
              .div(d(ev).mul(d(ev))),
          ),
        );
  const forecastOverrunPercent = eac === null || bac === 0n ? null : ratio((eac - bac) * 100n, bac, 2);
  const earlyWarning =
    forecastOverrunPercent !== null && new Dec(forecastOverrunPercent).gte(input.overrunWarningPercent);
  return {
    asOf: input.asOf,
    bac: m(bac),
    pv: m(pv),
    ev: m(ev),
    ac: m(ac),
    cv: m(ev - ac),
    sv: m(ev - pv),
    cpi: ratio(ev, ac, 4),
    spi: ratio(ev, pv, 4),
    eac: eac === null ? null : m(eac),
    eacMethod: 'bac/cpi',
    eacAlternatives: { atBudgetRate: m(ac + bac - ev), cpiSpi: cpiSpi === null ? null : m(cpiSpi) },
    etc: eac === null ? null : m(eac - ac),
    vac: eac === null ? null : m(bac - eac),
    tcpi: ratio(bac - ev, bac - ac, 4),
    percentComplete: ratio(ev * 100n, bac, 2),
    forecastOverrunPercent,
    earlyWarning,
    ...(earlyWarning
      ? {
          warning: `forecast overrun ${forecastOverrunPercent} % (EAC ${m(eac ?? 0n).amount} vs BAC ${m(bac).amount} ${currency}) reaches the ${input.overrunWarningPercent} % threshold`,
        }
      : {}),
    milestones: input.milestones ?? [],
  };
}

/** Planned and earned value per milestone, rounded once per milestone. */
export function milestoneValues(
  progress: readonly MilestoneProgress[],
  asOf: string,
  currency: string,
): EarnedValue['milestones'] {
  return progress.map((p) => {
    const planned = new Dec(p.milestone.plannedValue);
    return {
      id: p.milestone.id,
      plannedValue: moneyFromMinor(roundToMinor(planned, currency), currency),
      pv: moneyFromMinor(roundToMinor(planned.mul(plannedShare(p.milestone, asOf)), currency), currency),
      ev: moneyFromMinor(roundToMinor(planned.mul(p.progress), currency), currency),
      progress: p.progress.toFixed(4),
      reached: p.reached,
    };
  });
}

import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { CurrencyMismatchError, MissingExchangeRateError } from './errors.ts';
import { CurrencyCode, DecimalString, IsoDate } from './records.ts';

/**
 * # Exact money and the one rounding rule
 *
 * Amounts are never binary floats. Intermediate values are `decimal.js` decimals with 60
 * significant digits (sums of source amounts and rate × seconds products are exact at that
 * precision); final amounts are integers of the currency's minor unit (`bigint`), written on
 * the wire as a decimal string with exactly the currency's number of decimals
 * (`{ amount: "1234.50", currency: "EUR" }`).
 *
 * **Rounding rule: half-even (banker's rounding) to the currency's minor unit, applied once per
 * statement line** — a labour line (person × role × rate window), a cost line (category × vendor ×
 * work package), a billing line, a retention line, an indirect pool, an EVM figure. Everything
 * before that point is exact (seconds are summed as integers, source amounts as decimals, and an
 * exchange rate is applied to the exact sum); everything after it is integer addition, so totals
 * are exactly the sum of their lines. Half-even because it is unbiased: over thousands of lines,
 * half-up drifts upwards by up to half a cent per line, half-even does not. Indirect pools are
 * split with the largest-remainder method on minor units (see allocation.ts), never rounded part
 * by part, so the parts always sum to the pool.
 */
export const ROUNDING_RULE = {
  mode: 'half-even',
  scale: 'minor unit of the currency (ISO 4217 exponent)',
  appliedAt: 'once per statement line; totals are integer sums of rounded lines',
  allocation: 'largest remainder on minor units',
} as const;

/** Decimal constructor used everywhere in the domain: 60 digits, half-even. */
export const Dec = Decimal.clone({
  precision: 60,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -30,
  toExpPos: 60,
});
export type Dec = Decimal;

/** Money on the wire: a decimal string with the currency's number of decimals, and its currency. */
export const Money = z.object({ amount: DecimalString, currency: CurrencyCode });
export type Money = z.infer<typeof Money>;

/** A dated exchange rate: 1 `from` = `rate` `to`, valid from `date` until the next dated rate. */
export const FxRate = z.object({
  from: CurrencyCode,
  to: CurrencyCode,
  rate: DecimalString.refine((s) => new Dec(s).gt(0), 'must be greater than zero'),
  date: IsoDate,
});
export type FxRate = z.infer<typeof FxRate>;

// ISO 4217 exponents that are not 2. Everything else has two decimals.
const MINOR_DIGITS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
};

/** Number of decimals of the currency's minor unit. */
export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

/** Rounds an exact decimal to the currency's minor unit, half-even. The one rounding point. */
export function roundToMinor(exact: Decimal.Value, currency: string): bigint {
  const scaled = new Dec(exact).mul(new Dec(10).pow(minorDigits(currency)));
  return BigInt(scaled.toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed(0));
}

/** Formats minor units as a decimal string with the currency's decimals ("-0.05"). */
export function formatMinor(minor: bigint, currency: string): string {
  const digits = minorDigits(currency);
  const negative = minor < 0n;
  const abs = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
  const whole = abs.slice(0, abs.length - digits);
  const fraction = abs.slice(abs.length - digits);
  return `${negative ? '-' : ''}${whole}${digits > 0 ? `.${fraction}` : ''}`;
}

/** Money from minor units. */
export function moneyFromMinor(minor: bigint, currency: string): Money {
  return { amount: formatMinor(minor, currency), currency };
}

/** Minor units of a money value (exact; an amount with more decimals than the currency is rounded half-even). */
export function toMinor(money: Money): bigint {
  return roundToMinor(money.amount, money.currency);
}

/** Money from a decimal amount, rounded half-even to the minor unit. */
export function money(amount: Decimal.Value, currency: string): Money {
  return moneyFromMinor(roundToMinor(amount, currency), currency);
}

function assertSameCurrency(a: Money, b: Money, context: string): void {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency, context);
}

/** a + b; throws CurrencyMismatchError when the currencies differ. */
export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b, 'addMoney');
  return moneyFromMinor(toMinor(a) + toMinor(b), a.currency);
}

/** a − b; throws CurrencyMismatchError when the currencies differ. */
export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b, 'subtractMoney');
  return moneyFromMinor(toMinor(a) - toMinor(b), a.currency);
}

/** Σ items in `currency`; throws CurrencyMismatchError on any item in another currency. */
export function sumMoney(items: Iterable<Money>, currency: string): Money {
  let total = 0n;
  for (const item of items) {
    if (item.currency !== currency) throw new CurrencyMismatchError(currency, item.currency, 'sumMoney');
    total += toMinor(item);
  }
  return moneyFromMinor(total, currency);
}

/** Compares two amounts of the same currency (−1, 0, 1). */
export function compareMoney(a: Money, b: Money): number {
  assertSameCurrency(a, b, 'compareMoney');
  const d = toMinor(a) - toMinor(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export interface ResolvedFxRate {
  /** Multiply an amount in `from` by this to get `to`. Exact (an inverse rate is 1/rate at 60 digits). */
  readonly factor: Decimal;
  /** The charter entry used (its index in `fxRates`), for stable bucketing and reporting. */
  readonly index: number;
  readonly inverse: boolean;
  readonly date: string;
}

/**
 * Picks the exchange rate for `from`→`to` on `date`: the latest dated rate on or before the
 * date; a rate given the other way round (`to`→`from`) is used inverted. A direct rate wins a tie.
 * Throws MissingExchangeRateError when there is none.
 */
export function findFxRate(
  fxRates: readonly FxRate[],
  from: string,
  to: string,
  date: string,
): ResolvedFxRate {
  if (from === to) return { factor: new Dec(1), index: -1, inverse: false, date };
  let best: ResolvedFxRate | undefined;
  fxRates.forEach((r, index) => {
    if (r.date > date) return;
    const direct = r.from === from && r.to === to;
    const inverse = r.from === to && r.to === from;
    if (!direct && !inverse) return;
    if (best && (r.date < best.date || (r.date === best.date && (inverse || !best.inverse)))) return;
    best = {
      factor: direct ? new Dec(r.rate) : new Dec(1).div(r.rate),
      index,
      inverse,
      date: r.date,
    };
  });
  if (!best) throw new MissingExchangeRateError(from, to, date);
  return best;
}

/** Converts money to another currency at the rate on `date` (see findFxRate), rounded half-even. */
export function convertMoney(value: Money, to: string, date: string, fxRates: readonly FxRate[]): Money {
  const rate = findFxRate(fxRates, value.currency, to, date);
  return money(new Dec(value.amount).mul(rate.factor), to);
}

import { Decimal } from 'decimal.js';
import type { Charter } from './charter.ts';
import { acceptedOn } from './checks.ts';
import type { LabourBucket } from './costing.ts';
import { InvalidPeriodError } from './errors.ts';
import { Dec, findFxRate, moneyFromMinor, roundToMinor } from './money.ts';
import type { PeriodSelector, PeriodWindow } from './periods.ts';
import type { EvidenceRecord } from './records.ts';
import type { Billing, BillingLine } from './statement.ts';
import { sortBy } from './statement.ts';

/**
 * Billing per contract terms, in the charter currency.
 *
 * - Time & materials: billable seconds × bill rate per (person, role, bill-rate entry); billable
 *   seconds come from the source and may differ from worked seconds; entries marked non-billable
 *   bill nothing.
 * - Fixed price: each milestone's billingAmount, billed in the statement whose window holds the
 *   date it was accepted (all its required evidence present, on or before as-of); a milestone
 *   statement bills its milestone, the final statement every accepted milestone.
 * - Retainer (monthly): the fee plus (billable hours − included hours) × overage rate when positive.
 * - Retention: gross × retentionPercent / 100 withheld (a negative line).
 * - Adjustments (signed) and write-offs (always reducing) of this period, each with its reason.
 * Each line is rounded once, half-even; gross, retention and net are integer sums of lines.
 */

export interface BillingInput {
  readonly charter: Charter;
  readonly period: PeriodSelector;
  readonly selector: string;
  readonly window: PeriodWindow;
  readonly asOf: string;
  readonly labour: Iterable<LabourBucket>;
  readonly evidence: readonly EvidenceRecord[];
  /** Date of the exchange rate for bill rates in another currency. */
  readonly fxDate: string;
}

/** Gross time billing (T&M) of labour buckets, minor units, and its lines. */
export function billTime(
  charter: Pick<Charter, 'rateCards' | 'currency' | 'fxRates'>,
  labour: Iterable<LabourBucket>,
  fxDate: string,
): BillingLine[] {
  const currency = charter.currency;
  const groups = new Map<
    string,
    { person: string; role: string; bill: number; billable: number; worked: number }
  >();
  for (const b of labour) {
    if (!b.billable) continue;
    const key = `${b.role}\u001f${b.person}\u001f${b.bill}`;
    const g = groups.get(key);
    if (g) {
      g.billable += b.billableSeconds;
      g.worked += b.seconds;
    } else {
      groups.set(key, {
        person: b.person,
        role: b.role,
        bill: b.bill,
        billable: b.billableSeconds,
        worked: b.seconds,
      });
    }
  }
  const lines: BillingLine[] = [];
  for (const g of groups.values()) {
    if (g.billable === 0) continue;
    const entry = charter.rateCards[g.bill];
    const base = {
      kind: 'time' as const,
      person: g.person,
      role: g.role,
      billableSeconds: g.billable,
      workedSeconds: g.worked,
    };
    if (!entry?.billRate) {
      lines.push({
        ...base,
        id: `time|${g.role}|${g.person}|no-rate`,
        description: `${g.person} as ${g.role}: no bill rate`,
        missingRate: true,
        amount: moneyFromMinor(0n, currency),
      });
      continue;
    }
    const factor = findFxRate(charter.fxRates, entry.currency, currency, fxDate).factor;
    const exact = new Dec(g.billable).mul(entry.billRate).div(3600).mul(factor);
    lines.push({
      ...base,
      id: `time|${g.role}|${g.person}|${entry.effectiveFrom}|${g.bill}`,
      description: `${g.person} as ${g.role}: ${new Dec(g.billable).div(3600).toFixed(2)} h at ${entry.billRate} ${entry.currency}/h`,
      rate: { amount: entry.billRate, currency: entry.currency },
      amount: moneyFromMinor(roundToMinor(exact, currency), currency),
    });
  }
  return lines;
}

/** Computes the billing of a statement. */
export function computeBilling(input: BillingInput): Billing {
  const { charter, period, window, asOf } = input;
  const currency = charter.currency;
  const contract = charter.contract;
  const lines: BillingLine[] = [];

  if (contract.type === 'time-and-materials') {
    lines.push(...billTime(charter, input.labour, input.fxDate));
  } else if (contract.type === 'fixed-price') {
    for (const m of charter.milestones) {
      if (m.billingAmount === undefined) continue;
      const accepted = acceptedOn(m, input.evidence, asOf);
      if (accepted === null) continue;
      const due =
        period.kind === 'final' ||
        (period.kind === 'milestone' && period.milestoneId === m.id) ||
        (period.kind === 'month' && accepted >= window.from && accepted < window.to);
      if (!due) continue;
      lines.push({
        id: `milestone|${m.id}`,
        kind: 'milestone',
        description: `${m.name}, accepted on ${accepted}`,
        milestone: m.id,
        evidence: [
          ...new Set(
            input.evidence.filter((e) => e.milestone === m.id && e.date <= asOf).map((e) => e.reference),
          ),
        ].sort(),
        amount: moneyFromMinor(roundToMinor(m.billingAmount, currency), currency),
      });
    }
  } else {
    if (period.kind !== 'month') {
      throw new InvalidPeriodError(input.selector, 'a retainer is billed per month');
    }
    let billable = 0;
    let worked = 0;
    for (const b of input.labour) {
      worked += b.seconds;
      if (b.billable) billable += b.billableSeconds;
    }
    lines.push({
      id: 'retainer-fee',
      kind: 'retainer-fee',
      description: `monthly retainer including ${contract.includedHours} h`,
      amount: moneyFromMinor(roundToMinor(contract.monthlyFee, currency), currency),
    });
    const includedSeconds = new Dec(contract.includedHours).mul(3600);
    const over = new Dec(billable).sub(includedSeconds);
    if (over.gt(0)) {
      lines.push({
        id: 'retainer-overage',
        kind: 'retainer-overage',
        description: `${over.div(3600).toFixed(2)} h over the ${contract.includedHours} h included at ${contract.overageRate} ${currency}/h`,
        billableSeconds: over.toNumber(),
        workedSeconds: worked,
        rate: { amount: contract.overageRate, currency },
        amount: moneyFromMinor(roundToMinor(over.mul(contract.overageRate).div(3600), currency), currency),
      });
    }
  }

  const gross = lines.reduce((s, l) => s + roundToMinor(l.amount.amount, currency), 0n);
  let retention = 0n;
  if (contract.retentionPercent > 0 && gross !== 0n) {
    // gross is already in minor units: the withheld share is rounded to a whole minor unit, half-even.
    retention = -BigInt(
      new Dec(gross.toString())
        .mul(contract.retentionPercent)
        .div(100)
        .toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN)
        .toFixed(0),
    );
    lines.push({
      id: 'retention',
      kind: 'retention',
      description: `${contract.retentionPercent} % retention withheld until final acceptance`,
      amount: moneyFromMinor(retention, currency),
    });
  }
  let adjustments = 0n;
  for (const a of contract.adjustments) {
    if ((a.period ?? 'final') !== input.selector) continue;
    const minor = roundToMinor(a.amount, currency);
    const signed = a.kind === 'write-off' ? -(minor < 0n ? -minor : minor) : minor;
    adjustments += signed;
    lines.push({
      id: `${a.kind}|${a.id}`,
      kind: a.kind,
      description: `${a.kind === 'write-off' ? 'write-off' : 'adjustment'}: ${a.reason}`,
      reason: a.reason,
      amount: moneyFromMinor(signed, currency),
    });
  }
  return {
    contractType: contract.type,
    lines: sortBy(lines, (l) => l.id),
    gross: moneyFromMinor(gross, currency),
    retention: moneyFromMinor(retention, currency),
    adjustments: moneyFromMinor(adjustments, currency),
    net: moneyFromMinor(gross + retention + adjustments, currency),
  };
}

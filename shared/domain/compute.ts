import type { Decimal } from 'decimal.js';
import { billTime, computeBilling } from './billing.ts';
import type { Approver, Charter } from './charter.ts';
import {
  createTaskTotals,
  hasBlockingFailures,
  reachedOn,
  runContractChecks,
  type TaskTotals,
  verifyContract,
} from './checks.ts';
import { clauseCoverage, confirmedRefs } from './clauses/coverage.ts';
import { collectEvidence } from './clauses/evidence.ts';
import { compareContractPrices } from './contract-prices.ts';
import {
  type AccumulatorPart,
  absorbAccumulator,
  addCost,
  type CostAccumulator,
  type CostFacts,
  createCostAccumulator,
  exportAccumulator,
  type LabourBucket,
  labourBucket,
  priceCosts,
} from './costing.ts';
import { CurrencyMismatchError, InvalidPeriodError } from './errors.ts';
import { computeEarnedValue, type MilestoneProgress, milestoneValues, plannedShare } from './evm.ts';
import {
  Dec,
  findFxRate,
  type Money,
  moneyFromMinor,
  type ResolvedFxRate,
  roundToMinor,
  toMinor,
} from './money.ts';
import { addDays, formatPeriod, periodWindow, resolvePeriod } from './periods.ts';
import { createRateResolver } from './rates.ts';
import type { EvidenceRecord, SettlementRecord, TaskRecord, TimeRecord } from './records.ts';
import {
  compareStrings,
  type EarnedValue,
  STATEMENT_SCHEMA_VERSION,
  type Statement,
  type SupplierContractStatus,
  sortBy,
} from './statement.ts';
import { dayOfIn } from './time-zone.ts';
import { computeVariance } from './variance.ts';

export { hasBlockingFailures, verifyContract };

/**
 * The settlement engine's entry point: records in, a canonical statement out.
 *
 * Streaming: `createStatementBuilder` folds each record into integer/decimal buckets as it
 * arrives (see costing.ts) and keeps only evidence records (a handful per milestone); memory
 * grows with people × roles × rate windows × work packages, not with the number of records.
 * `finish` prices each bucket once.
 *
 * Which records count: records of another `projectRef` are ignored (and counted). The period's
 * own figures (lines, billing, variance on a period budget) use records dated inside the period
 * window; the to-date figures (earned value's AC, variance against the project budget, supplier
 * contracts, the T&M contract ceiling) use every record dated on or before as-of. A time entry is
 * dated by the calendar date in its own offset. Duplicate records are the storage layer's job
 * (idempotent keys `source#sourceId`): the engine counts what it is given.
 */

export interface StatementOptions {
  /** 'YYYY-MM' | 'milestone:<id>' | 'final'. */
  readonly period: string;
  /** YYYY-MM-DD. */
  readonly asOf: string;
  readonly revision: number;
}

export interface QuarantineCount {
  readonly source: string;
  readonly reason: string;
  readonly count: number;
}

export interface FinishInput {
  readonly quarantine?: readonly QuarantineCount[];
  /** Hashes of the inputs (charter, record files…), provided by the caller. */
  readonly inputsHash?: Readonly<Record<string, string>>;
}

/** What the engine reads of a time entry. */
export type TimeFacts = Pick<
  TimeRecord,
  'projectRef' | 'person' | 'role' | 'workPackage' | 'start' | 'seconds' | 'billable' | 'billableSeconds'
> & {
  /** `start`'s UTC calendar date (its first 10 characters, `start` being in UTC), when the reader already has it. */
  readonly day?: string;
};

/** What the engine reads of a cost record. */
export type CostRecordFacts = CostFacts & { readonly projectRef: string; readonly date: string };

/** What the record counts of a statement hold. */
export type RecordCounts = Statement['records'];

/**
 * Everything a builder has folded so far, as plain data (structured-clone safe, decimals as exact
 * strings). Builders fed disjoint parts of the records — in worker threads, say — merge into one
 * with `absorb`, and `finish` then gives the statement a single builder fed every record gives.
 */
export interface BuilderPart {
  readonly period: AccumulatorPart;
  readonly toDate: AccumulatorPart;
  readonly tasks: {
    readonly total: string;
    readonly done: string;
    readonly byMilestone: ReadonlyArray<readonly [string, { total: string; done: string }]>;
    readonly sources: readonly string[];
  };
  /** The tasks a confirmed clause mapping names (one per issue key). */
  readonly clauseTasks: readonly TaskRecord[];
  readonly evidence: readonly EvidenceRecord[];
  readonly counts: RecordCounts;
}

export interface StatementBuilder {
  add(record: SettlementRecord): void;
  /** `add` for a time entry already validated, given only the fields the engine reads. */
  addTime(record: TimeFacts): void;
  /** `add` for a cost record already validated, given only the fields the engine reads. */
  addCost(record: CostRecordFacts): void;
  /** The folded state as plain data (see BuilderPart). */
  export(): BuilderPart;
  /** Adds another builder's exported state (same charter and options) to this one. */
  absorb(part: BuilderPart): void;
  finish(input?: FinishInput): Statement;
}

export interface ComputeStatementInput extends StatementOptions {
  readonly charter: Charter;
  readonly records: Iterable<SettlementRecord>;
  readonly quarantine: readonly QuarantineCount[];
  readonly inputsHash?: Readonly<Record<string, string>>;
}

const ONE = new Dec(1);

/** Creates a streaming statement builder: `add` every record, then `finish` once. */
export function createStatementBuilder(charter: Charter, options: StatementOptions): StatementBuilder {
  const period = resolvePeriod(charter, options.period);
  const selector = formatPeriod(period);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.asOf))
    throw new InvalidPeriodError(selector, `as-of "${options.asOf}" is not YYYY-MM-DD`);
  if (!Number.isInteger(options.revision) || options.revision < 0) {
    throw new InvalidPeriodError(selector, `revision ${options.revision} is not a non-negative integer`);
  }
  const asOf = options.asOf;
  const window = periodWindow(charter, period);
  // A time entry counts on its local start day in the project's zone; the scanner's `day` is the
  // UTC date, so it is used only when the project counts in UTC.
  const localDay = dayOfIn(charter.timeZone);
  const dayOfTime =
    charter.timeZone === undefined
      ? (r: TimeFacts) => r.day ?? localDay(r.start)
      : (r: TimeFacts) => localDay(r.start);
  const resolver = createRateResolver(charter);
  const periodAcc: CostAccumulator = createCostAccumulator();
  const toDateAcc: CostAccumulator = createCostAccumulator();
  const tasks: TaskTotals = createTaskTotals();
  const evidence: EvidenceRecord[] = [];
  // Only the tasks a confirmed clause mapping names are kept (a handful), not every task.
  const clauseRefs = confirmedRefs(charter);
  const clauseTasks = new Map<string, TaskRecord>();
  const keepClauseTask = (record: TaskRecord) => {
    if (!clauseRefs.has(`task:${record.key}`)) return;
    const kept = clauseTasks.get(record.key);
    // The same issue from two sources: keep one, chosen by identity so record order does not matter.
    if (!kept || compareStrings(`${record.source}#${record.sourceId}`, `${kept.source}#${kept.sourceId}`) < 0)
      clauseTasks.set(record.key, record);
  };
  const fxCache = new Map<string, ResolvedFxRate>();
  const counts = { time: 0, cost: 0, task: 0, evidence: 0, otherProject: 0, outsidePeriod: 0 };
  let finished = false;

  const place = (date: string) => {
    const inPeriod = date >= window.from && date < window.to;
    if (!inPeriod) counts.outsidePeriod += 1;
    return { inPeriod, toDate: date <= asOf };
  };

  // Per (person, reported role, work package, day): where the day falls and the buckets it adds to.
  // Rates and roles are resolved once per slot, not per entry (a month has a few thousand slots).
  interface TimeSlot {
    readonly person: string;
    readonly role: string;
    readonly workPackage: string | undefined;
    readonly cost: number;
    readonly bill: number;
    readonly inPeriod: boolean;
    readonly toDate: boolean;
    /** Buckets by [non-billable, billable], created on first use. */
    readonly periodBuckets: Array<LabourBucket | undefined>;
    readonly toDateBuckets: Array<LabourBucket | undefined>;
  }
  const slots = new Map<string, Map<string, TimeSlot>>();
  const slotOf = (record: TimeFacts, date: string): TimeSlot => {
    // A date is always 10 characters, so the plain date cannot collide with a longer key.
    const key =
      record.role === undefined && record.workPackage === undefined
        ? date
        : `${date}\u001f${record.role ?? '\u0000'}\u001f${record.workPackage ?? '\u0000'}`;
    let byKey = slots.get(record.person);
    if (!byKey) {
      byKey = new Map();
      slots.set(record.person, byKey);
    }
    let slot = byKey.get(key);
    if (!slot) {
      const role = resolver.roleOf(record.person, record.role);
      const rates = resolver.resolve(record.person, role, date);
      slot = {
        person: record.person,
        role,
        workPackage: record.workPackage,
        cost: rates.cost,
        bill: rates.bill,
        inPeriod: date >= window.from && date < window.to,
        toDate: date <= asOf,
        periodBuckets: [undefined, undefined],
        toDateBuckets: [undefined, undefined],
      };
      byKey.set(key, slot);
    }
    return slot;
  };
  const bucketOf = (
    slot: TimeSlot,
    acc: CostAccumulator,
    buckets: Array<LabourBucket | undefined>,
    billable: boolean,
  ) => {
    const index = billable ? 1 : 0;
    let bucket = buckets[index];
    if (!bucket) {
      bucket = labourBucket(acc, slot.person, slot.role, slot.workPackage, slot.cost, slot.bill, billable);
      buckets[index] = bucket;
    }
    return bucket;
  };

  const addTimeFacts = (record: TimeFacts) => {
    counts.time += 1;
    const slot = slotOf(record, dayOfTime(record));
    if (!slot.inPeriod) counts.outsidePeriod += 1;
    const billableSeconds = record.billable ? record.billableSeconds : 0;
    if (slot.inPeriod) {
      const bucket = bucketOf(slot, periodAcc, slot.periodBuckets, record.billable);
      bucket.seconds += record.seconds;
      bucket.billableSeconds += billableSeconds;
    }
    if (slot.toDate) {
      const bucket = bucketOf(slot, toDateAcc, slot.toDateBuckets, record.billable);
      bucket.seconds += record.seconds;
      bucket.billableSeconds += billableSeconds;
    }
  };

  const bookedSources: ReadonlySet<string> = new Set(charter.accounting.bookedSources);
  const addCostFacts = (record: CostRecordFacts) => {
    counts.cost += 1;
    const { inPeriod, toDate } = place(record.date);
    if (!inPeriod && !toDate) return;
    let fx: { index: number; factor: Decimal } = { index: -1, factor: ONE };
    if (record.currency !== charter.currency) {
      const key = `${record.currency}|${record.date}`;
      let hit = fxCache.get(key);
      if (!hit) {
        hit = findFxRate(charter.fxRates, record.currency, charter.currency, record.date);
        fxCache.set(key, hit);
      }
      fx = hit;
    }
    const booked = bookedSources.has(record.source);
    if (inPeriod) addCost(periodAcc, record, fx, booked);
    if (toDate) addCost(toDateAcc, record, fx, booked);
  };

  const assertOpen = () => {
    if (finished) throw new Error('statement builder already finished');
  };

  return {
    addTime(record) {
      assertOpen();
      if (record.projectRef !== charter.projectRef) counts.otherProject += 1;
      else addTimeFacts(record);
    },

    addCost(record) {
      assertOpen();
      if (record.projectRef !== charter.projectRef) counts.otherProject += 1;
      else addCostFacts(record);
    },

    add(record) {
      assertOpen();
      if (record.projectRef !== charter.projectRef) {
        counts.otherProject += 1;
        return;
      }
      switch (record.kind) {
        case 'time':
          addTimeFacts(record);
          return;
        case 'cost':
          addCostFacts(record);
          return;
        case 'task': {
          counts.task += 1;
          const points = new Dec(record.points);
          const done =
            record.done && (record.resolvedAt === undefined || record.resolvedAt.slice(0, 10) <= asOf);
          tasks.total = tasks.total.add(points);
          if (done) tasks.done = tasks.done.add(points);
          tasks.sources.add(record.source);
          keepClauseTask(record);
          if (record.milestone !== undefined) {
            const m = tasks.byMilestone.get(record.milestone) ?? { total: new Dec(0), done: new Dec(0) };
            m.total = m.total.add(points);
            if (done) m.done = m.done.add(points);
            tasks.byMilestone.set(record.milestone, m);
          }
          return;
        }
        case 'evidence':
          counts.evidence += 1;
          evidence.push(record);
          return;
      }
    },

    export() {
      assertOpen();
      return {
        period: exportAccumulator(periodAcc),
        toDate: exportAccumulator(toDateAcc),
        tasks: {
          total: tasks.total.toString(),
          done: tasks.done.toString(),
          byMilestone: [...tasks.byMilestone].map(
            ([id, m]) => [id, { total: m.total.toString(), done: m.done.toString() }] as const,
          ),
          sources: [...tasks.sources],
        },
        clauseTasks: [...clauseTasks.values()],
        evidence: [...evidence],
        counts: { ...counts },
      };
    },

    absorb(part) {
      assertOpen();
      absorbAccumulator(periodAcc, part.period);
      absorbAccumulator(toDateAcc, part.toDate);
      tasks.total = tasks.total.add(part.tasks.total);
      tasks.done = tasks.done.add(part.tasks.done);
      for (const [id, m] of part.tasks.byMilestone) {
        const mine = tasks.byMilestone.get(id) ?? { total: new Dec(0), done: new Dec(0) };
        mine.total = mine.total.add(m.total);
        mine.done = mine.done.add(m.done);
        tasks.byMilestone.set(id, mine);
      }
      for (const source of part.tasks.sources) tasks.sources.add(source);
      for (const task of part.clauseTasks) keepClauseTask(task);
      evidence.push(...part.evidence);
      for (const key of Object.keys(counts) as Array<keyof typeof counts>) counts[key] += part.counts[key];
    },

    finish(input = {}) {
      if (finished) throw new Error('statement builder already finished');
      finished = true;
      const currency = charter.currency;
      // Evidence in a stable order so that everything derived from it is order-independent.
      evidence.sort((a, b) => compareStrings(`${a.source}#${a.sourceId}`, `${b.source}#${b.sourceId}`));
      const lastDay = addDays(window.to, -1);
      // Labour and bill rates in another currency convert at the period's last day (or as-of, if earlier).
      const fxDate = [lastDay, asOf].sort(compareStrings)[0] ?? asOf;
      const costs = priceCosts(periodAcc, charter, fxDate);
      const toDate = priceCosts(toDateAcc, charter, asOf);
      const billing = computeBilling({
        charter,
        period,
        selector,
        window,
        asOf,
        labour: periodAcc.labour.values(),
        evidence,
        fxDate,
      });
      const billedToDate =
        charter.contract.type === 'time-and-materials'
          ? billTime(charter, toDateAcc.labour.values(), asOf).reduce((s, l) => s + toMinor(l.amount), 0n)
          : undefined;
      const clauses = charter.clauses?.items.length
        ? clauseCoverage({
            charter,
            period,
            asOf,
            evidence: collectEvidence({ charter, tasks: clauseTasks.values(), records: evidence, asOf }),
          })
        : undefined;
      const checks = runContractChecks({
        charter,
        period,
        selector,
        window,
        asOf,
        evidence,
        tasks,
        labour: periodAcc.labour.values(),
        ...(billedToDate === undefined ? {} : { billedToDate }),
        ...(clauses ? { clauses } : {}),
      });
      const evm = earnedValue(charter, asOf, evidence, tasks, toDate.total);

      const supplierContracts: SupplierContractStatus[] = sortBy(
        charter.supplierContracts,
        (s) => `${s.supplier}|${s.category}`,
      ).map((sc) => {
        const match = (l: { vendor?: string | undefined; category: string }) =>
          l.vendor === sc.supplier && l.category === sc.category;
        const invoiced = toDate.lines.filter(match).reduce((s, l) => s + toMinor(l.amount), 0n);
        const committed = toDate.commitments.filter(match).reduce((s, l) => s + toMinor(l.amount), 0n);
        const amount = roundToMinor(sc.amount, currency);
        return {
          supplier: sc.supplier,
          ...(sc.reference === undefined ? {} : { reference: sc.reference }),
          category: sc.category,
          contractAmount: moneyFromMinor(amount, currency),
          invoicedToDate: moneyFromMinor(invoiced, currency),
          committed: moneyFromMinor(committed, currency),
          remaining: moneyFromMinor(amount - invoiced, currency),
          exceeded: invoiced > amount,
        };
      });

      const contractPrices = compareContractPrices(charter.supplierContracts, toDate.lines, currency);
      const variance = computeVarianceFor(charter, selector, costs.lines, toDate.lines);
      const net = toMinor(billing.net);
      const quarantine = new Map<string, QuarantineCount>();
      for (const q of input.quarantine ?? []) {
        const key = `${q.source}\u001f${q.reason}`;
        const prev = quarantine.get(key);
        quarantine.set(key, { source: q.source, reason: q.reason, count: (prev?.count ?? 0) + q.count });
      }
      return {
        schemaVersion: STATEMENT_SCHEMA_VERSION,
        kind: 'settlement-statement',
        projectId: charter.projectId,
        projectRef: charter.projectRef,
        name: charter.name,
        currency,
        counterparty: { type: charter.counterparty.type, name: charter.counterparty.name },
        basis: charter.basis,
        period: { selector, kind: period.kind, from: window.from, to: window.to },
        asOf,
        revision: options.revision,
        totals: {
          byCategory: costs.byCategory,
          cost: moneyFromMinor(costs.total, currency),
          commitments: moneyFromMinor(costs.commitmentTotal, currency),
          billing: billing.net,
          margin: moneyFromMinor(net - costs.total, currency),
          settlementAmount:
            charter.counterparty.type === 'client' ? billing.net : moneyFromMinor(costs.total, currency),
          costToDate: moneyFromMinor(toDate.total, currency),
        },
        hours: { workedSeconds: costs.workedSeconds, billableSeconds: costs.billableSeconds },
        lines: costs.lines,
        commitments: costs.commitments,
        allocations: costs.allocations,
        variance,
        evm,
        billing,
        checks,
        supplierContracts,
        ...(contractPrices ? { contractPrices } : {}),
        ...(clauses ? { clauses } : {}),
        records: counts,
        quarantine: sortBy([...quarantine.values()], (q) => `${q.source}\u001f${q.reason}`).map((q) => ({
          ...q,
        })),
        inputsHash: { ...(input.inputsHash ?? {}) },
      };
    },
  };
}

function computeVarianceFor(
  charter: Charter,
  selector: string,
  periodLines: Statement['lines'],
  toDateLines: Statement['lines'],
): Statement['variance'] {
  return computeVariance({
    budgetLines: charter.budget.lines,
    period: selector,
    periodLines,
    toDateLines,
    thresholds: charter.thresholds,
    currency: charter.currency,
  });
}

function earnedValue(
  charter: Charter,
  asOf: string,
  evidence: readonly EvidenceRecord[],
  tasks: TaskTotals,
  acMinor: bigint,
): EarnedValue | null {
  const currency = charter.currency;
  const milestones = sortBy(charter.milestones, (m) => m.id);
  const bacExact =
    charter.budget.atCompletion !== undefined
      ? new Dec(charter.budget.atCompletion)
      : milestones.length > 0
        ? milestones.reduce((s, m) => s.add(m.plannedValue), new Dec(0))
        : null;
  if (bacExact === null) return null;
  const bac = roundToMinor(bacExact, currency);
  let pv: bigint;
  let ev: bigint;
  let perMilestone: EarnedValue['milestones'] = [];
  if (milestones.length > 0) {
    const progress: MilestoneProgress[] = milestones.map((m) => {
      const reached = reachedOn(m, evidence, asOf);
      const tagged = tasks.byMilestone.get(m.id);
      const share =
        reached !== null
          ? ONE
          : tagged && !tagged.total.isZero()
            ? tagged.done.div(tagged.total)
            : new Dec(0);
      return { milestone: m, progress: share, reached };
    });
    perMilestone = milestoneValues(progress, asOf, currency);
    pv = perMilestone.reduce((s, m) => s + toMinor(m.pv), 0n);
    ev = perMilestone.reduce((s, m) => s + toMinor(m.ev), 0n);
  } else {
    pv = charter.schedule
      ? roundToMinor(
          bacExact.mul(
            plannedShare({ plannedStart: charter.schedule.start, plannedEnd: charter.schedule.end }, asOf),
          ),
          currency,
        )
      : 0n;
    const share = charter.scope ? Dec.min(ONE, tasks.done.div(charter.scope.totalPlanned)) : new Dec(0);
    ev = roundToMinor(bacExact.mul(share), currency);
  }
  return computeEarnedValue({
    asOf,
    bac: moneyFromMinor(bac, currency),
    pv: moneyFromMinor(pv, currency),
    ev: moneyFromMinor(ev, currency),
    ac: moneyFromMinor(acMinor, currency),
    overrunWarningPercent: charter.thresholds.eacOverrunWarningPercent,
    milestones: perMilestone,
  });
}

/**
 * Computes a statement from an iterable of records (see createStatementBuilder for streaming).
 * Pure: the same charter, records (in any order), period, as-of, revision, quarantine and hashes
 * give the same statement, and serializeStatement gives the same bytes.
 */
export function computeStatement(input: ComputeStatementInput): Statement {
  const builder = createStatementBuilder(input.charter, {
    period: input.period,
    asOf: input.asOf,
    revision: input.revision,
  });
  for (const record of input.records) builder.add(record);
  return builder.finish({
    quarantine: input.quarantine,
    ...(input.inputsHash ? { inputsHash: input.inputsHash } : {}),
  });
}

/**
 * The ordered approver chain for a settlement amount: every approver whose `minAmount` (absent =
 * 0) is at most the absolute amount, in charter order. The amount must be in the charter currency.
 */
export function approversFor(
  charter: Pick<Charter, 'approvers' | 'currency'>,
  statementTotal: Money | string,
): Approver[] {
  let amount: Decimal;
  if (typeof statementTotal === 'string') amount = new Dec(statementTotal);
  else {
    if (statementTotal.currency !== charter.currency) {
      throw new CurrencyMismatchError(charter.currency, statementTotal.currency, 'approversFor');
    }
    amount = new Dec(statementTotal.amount);
  }
  const abs = amount.abs();
  return charter.approvers.filter((a) => a.minAmount === undefined || abs.gte(a.minAmount));
}

export interface StatementSummary {
  readonly projectId: string;
  readonly name: string;
  readonly period: string;
  readonly asOf: string;
  readonly revision: number;
  readonly currency: string;
  readonly totals: {
    readonly cost: string;
    readonly billing: string;
    readonly margin: string;
    readonly commitments: string;
    readonly settlementAmount: string;
  };
  readonly topVariances: ReadonlyArray<{
    readonly id: string;
    readonly budget: string;
    readonly actual: string;
    readonly variance: string;
    readonly percent: string | null;
    readonly status: string;
  }>;
  readonly causes: readonly string[];
  readonly evm: {
    readonly pv: string;
    readonly ev: string;
    readonly ac: string;
    readonly cpi: string | null;
    readonly spi: string | null;
    readonly eac: string | null;
    readonly vac: string | null;
    readonly earlyWarning: boolean;
  } | null;
  readonly checklist: ReadonlyArray<{
    readonly id: string;
    readonly title: string;
    readonly status: string;
    readonly severity: string;
  }>;
  readonly blocking: boolean;
  readonly quarantined: number;
}

/** A short plain-object summary for logs, emails and the approval page. */
export function summariseStatement(statement: Statement): StatementSummary {
  const rows = [...statement.variance.rows].sort((a, b) => {
    const d = toMinor(b.variance) - toMinor(a.variance);
    return d > 0n ? 1 : d < 0n ? -1 : compareStrings(a.id, b.id);
  });
  const evm = statement.evm;
  return {
    projectId: statement.projectId,
    name: statement.name,
    period: statement.period.selector,
    asOf: statement.asOf,
    revision: statement.revision,
    currency: statement.currency,
    totals: {
      cost: statement.totals.cost.amount,
      billing: statement.totals.billing.amount,
      margin: statement.totals.margin.amount,
      commitments: statement.totals.commitments.amount,
      settlementAmount: statement.totals.settlementAmount.amount,
    },
    topVariances: rows.slice(0, 3).map((r) => ({
      id: r.id,
      budget: r.budget.amount,
      actual: r.actual.amount,
      variance: r.variance.amount,
      percent: r.percent,
      status: r.status,
    })),
    causes: statement.variance.causes.map((c) => c.message),
    evm: evm
      ? {
          pv: evm.pv.amount,
          ev: evm.ev.amount,
          ac: evm.ac.amount,
          cpi: evm.cpi,
          spi: evm.spi,
          eac: evm.eac?.amount ?? null,
          vac: evm.vac?.amount ?? null,
          earlyWarning: evm.earlyWarning,
        }
      : null,
    checklist: statement.checks.map((c) => ({
      id: c.id,
      title: c.title,
      status: c.status,
      severity: c.severity,
    })),
    blocking: hasBlockingFailures(statement),
    quarantined: statement.quarantine.reduce((s, q) => s + q.count, 0),
  };
}

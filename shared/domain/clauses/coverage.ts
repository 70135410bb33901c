import { z } from 'zod';
import type { Charter } from '../charter.ts';
import type { PeriodSelector } from '../periods.ts';
import { IsoDate } from '../records.ts';
import type { ContractCheck } from '../statement.ts';
import type { ClauseEvidence } from './evidence.ts';
import { ClauseLanguage } from './schema.ts';
import { detectLanguage } from './text.ts';

/**
 * Clause coverage: each contract clause with the evidence a person confirmed for it and whether
 * that evidence is fulfilled as of the settlement date. Only confirmed mappings count; a matching
 * score never enters the statement. A clause is fulfilled when it has a confirmed mapping and
 * every evidence item of it is fulfilled.
 *
 * The check `clause:<id>` fails for a due clause that is not fulfilled: blocking when the clause
 * is, a warning otherwise. A clause is due at final settlement, at the settlement of its milestone,
 * and once its `due` date (or its milestone's planned end) has passed; before that it has no check.
 */

export const ClauseStatus = z.enum(['fulfilled', 'unfulfilled', 'unconfirmed']);
export type ClauseStatus = z.infer<typeof ClauseStatus>;

export const ClauseCoverage = z.object({
  id: z.string(),
  title: z.string().optional(),
  text: z.string(),
  language: ClauseLanguage,
  blocking: z.boolean(),
  status: ClauseStatus,
  /** Whether the clause is checked in this statement (see `clause:<id>` in the checks). */
  due: z.boolean(),
  evidence: z.array(
    z.object({
      ref: z.string(),
      label: z.string(),
      fulfilled: z.boolean(),
      date: IsoDate.optional(),
      state: z.string(),
    }),
  ),
  confirmedBy: z.string().optional(),
  confirmedOn: IsoDate.optional(),
});
export type ClauseCoverage = z.infer<typeof ClauseCoverage>;

/** The evidence references the charter's confirmed mappings name (what the engine must keep). */
export function confirmedRefs(charter: Pick<Charter, 'clauses'>): Set<string> {
  return new Set(charter.clauses?.confirmed.flatMap((m) => m.evidence) ?? []);
}

export interface CoverageInput {
  readonly charter: Pick<Charter, 'clauses' | 'milestones'>;
  readonly period: PeriodSelector;
  readonly asOf: string;
  /** Evidence as of `asOf` (collectEvidence); references not found are reported as missing. */
  readonly evidence: readonly ClauseEvidence[];
}

/** Each charter clause (in charter order) with its confirmed evidence, fulfilment as of `asOf` and whether it is due. */
export function clauseCoverage(input: CoverageInput): ClauseCoverage[] {
  const { charter, period, asOf } = input;
  const clauses = charter.clauses;
  if (!clauses) return [];
  const byRef = new Map(input.evidence.map((e) => [e.ref, e]));
  const mappings = new Map(clauses.confirmed.map((m) => [m.clause, m]));
  const plannedEnd = new Map(charter.milestones.map((m) => [m.id, m.plannedEnd]));
  return clauses.items.map((clause) => {
    const mapping = mappings.get(clause.id);
    const evidence = (mapping?.evidence ?? []).map((ref) => {
      const e = byRef.get(ref);
      return e
        ? { ref, label: e.label, fulfilled: e.fulfilled, ...(e.date ? { date: e.date } : {}), state: e.state }
        : { ref, label: ref, fulfilled: false, state: 'not found in the records' };
    });
    const status: ClauseStatus = !mapping
      ? 'unconfirmed'
      : evidence.every((e) => e.fulfilled)
        ? 'fulfilled'
        : 'unfulfilled';
    const dueDate = clause.due ?? (clause.milestone ? plannedEnd.get(clause.milestone) : undefined);
    const due =
      period.kind === 'final' ||
      (period.kind === 'milestone' && clause.milestone === period.milestoneId) ||
      (dueDate !== undefined && dueDate < asOf);
    return {
      id: clause.id,
      ...(clause.title ? { title: clause.title } : {}),
      text: clause.text,
      language: clause.language ?? detectLanguage(`${clause.title ?? ''} ${clause.text}`),
      blocking: clause.blocking,
      status,
      due,
      evidence,
      ...(mapping ? { confirmedBy: mapping.confirmedBy, confirmedOn: mapping.confirmedOn } : {}),
    };
  });
}

/**
 * One contract check per clause that is due or fulfilled (`clause:<id>`), naming the clause and
 * what is missing. A clause not yet due and not yet fulfilled has no check (like a milestone not
 * yet in scope); the coverage table still lists it.
 */
export function clauseChecks(coverage: readonly ClauseCoverage[]): ContractCheck[] {
  return coverage
    .filter((c) => c.due || c.status === 'fulfilled')
    .map((c) => {
      const name = c.title ? `${c.id} ${c.title}` : c.id;
      const missing = c.evidence.filter((e) => !e.fulfilled).map((e) => `${e.ref} (${e.state})`);
      const detail =
        c.status === 'fulfilled'
          ? `fulfilled by ${c.evidence.map((e) => `${e.ref}${e.date ? ` (${e.date})` : ''}`).join(', ')}; confirmed by ${c.confirmedBy} on ${c.confirmedOn}`
          : c.status === 'unconfirmed'
            ? 'no confirmed evidence (suggestions do not count: confirm a mapping in the charter)'
            : `not fulfilled: ${missing.join(', ')}`;
      return {
        id: `clause:${c.id}`,
        title: `Contract clause ${name} fulfilled`,
        severity: c.blocking ? 'blocking' : 'warning',
        status: c.status === 'fulfilled' ? 'pass' : 'fail',
        detail,
        evidence: c.evidence.map((e) => e.ref),
      };
    });
}

import type { Charter } from './charter.ts';
import { SegregationOfDutiesError } from './errors.ts';

/**
 * Segregation of duties over the charter. Whoever writes a charter must not also decide the terms
 * that decide its approval and its figures: a new version that changes any controlled field
 * (approvers and approval timings, thresholds, rate cards and exchange rates, budget, contract
 * terms, the journal's accounts) takes effect only when a different person approves it. Until then
 * settlements keep using the last effective version. Pure.
 */

export const CONTROLLED_FIELDS = [
  'approvers',
  'approval',
  'thresholds',
  'rateCards',
  'fxRates',
  'budget',
  'contract',
  'journal',
  'accounting',
] as const satisfies readonly (keyof Charter)[];
export type ControlledField = (typeof CONTROLLED_FIELDS)[number];

export interface ControlledChange {
  readonly field: ControlledField;
  readonly before: unknown;
  readonly after: unknown;
}

/** Keys in code-point order at every depth, so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The controlled fields `next` changes against the effective version (none for a project's first charter). */
export function controlledChanges(effective: Charter | undefined, next: Charter): ControlledChange[] {
  if (!effective) return [];
  return CONTROLLED_FIELDS.filter((field) => canonical(effective[field]) !== canonical(next[field])).map(
    (field) => ({ field, before: effective[field], after: next[field] }),
  );
}

export type CharterStatus = 'effective' | 'pending';

/** Throws unless `approver` may approve a pending version written by `author`. */
export function assertMayApprove(
  version: { readonly version: number; readonly status: CharterStatus; readonly author?: string | undefined },
  approver: string,
): void {
  if (version.status !== 'pending')
    throw new SegregationOfDutiesError(`charter version ${version.version} is not waiting for approval`);
  const who = approver.trim().toLowerCase();
  if (!who) throw new SegregationOfDutiesError('the approver of a charter change must be named');
  if (version.author !== undefined && version.author.trim().toLowerCase() === who)
    throw new SegregationOfDutiesError(
      `charter version ${version.version} was written by ${version.author}: a change to approvers, thresholds, rates or budget needs another person's approval`,
    );
}

import type { Charter, RateCardEntry } from './charter.ts';

/**
 * Rate resolution. A time entry is priced by the rate card entry valid on the
 * entry's date: a person's entry beats the role's; among entries of the same kind, the one with
 * the latest `effectiveFrom` on or before the date wins. Cost and bill rates resolve separately,
 * so a person-specific cost rate can sit beside the role's bill rate.
 *
 * The builder calls `resolve` once per time entry; the answer is cached per
 * (person, role, date), so a million entries cost a few thousand look-ups.
 */

/** The role used for people with no role in the charter or the record. */
export const UNASSIGNED_ROLE = 'unassigned';

/** The rate card entries valid for a person/role on a date. `-1` when none applies. */
export interface ResolvedRates {
  readonly cost: number;
  readonly bill: number;
}

function applies(entry: RateCardEntry, date: string): boolean {
  return entry.effectiveFrom <= date && (entry.effectiveTo === undefined || date < entry.effectiveTo);
}

function pick(
  entries: readonly RateCardEntry[],
  person: string,
  role: string,
  date: string,
  wantBill: boolean,
): number {
  let bestPerson = -1;
  let bestRole = -1;
  entries.forEach((entry, index) => {
    if (!applies(entry, date)) return;
    if (wantBill && entry.billRate === undefined) return;
    if (entry.person === person) {
      const best = entries[bestPerson];
      if (!best || entry.effectiveFrom >= best.effectiveFrom) bestPerson = index;
    } else if (entry.role === role) {
      const best = entries[bestRole];
      if (!best || entry.effectiveFrom >= best.effectiveFrom) bestRole = index;
    }
  });
  return bestPerson >= 0 ? bestPerson : bestRole;
}

/** Resolves the cost and bill rate card entries for a person in a role on a date (uncached). */
export function resolveRates(
  charter: Pick<Charter, 'rateCards'>,
  person: string,
  role: string,
  date: string,
): ResolvedRates {
  return {
    cost: pick(charter.rateCards, person, role, date, false),
    bill: pick(charter.rateCards, person, role, date, true),
  };
}

export interface RateResolver {
  /** The person's role: the charter's mapping, else the role the source reports, else `unassigned`. */
  roleOf(person: string, reportedRole: string | undefined): string;
  /** Cached resolveRates. */
  resolve(person: string, role: string, date: string): ResolvedRates;
}

/** A caching resolver over the charter's people and rate cards. */
export function createRateResolver(charter: Pick<Charter, 'rateCards' | 'people'>): RateResolver {
  const roles = new Map(charter.people.map((p) => [p.id, p.role]));
  const cache = new Map<string, ResolvedRates>();
  return {
    roleOf(person, reportedRole) {
      return roles.get(person) ?? reportedRole ?? UNASSIGNED_ROLE;
    },
    resolve(person, role, date) {
      const key = `${person}\u001f${role}\u001f${date}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = resolveRates(charter, person, role, date);
        cache.set(key, hit);
      }
      return hit;
    },
  };
}

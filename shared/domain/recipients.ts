import type { Charter, Locale } from './charter.ts';

/** One email's worth of recipients: one audience, one language. */
export interface RecipientGroup {
  readonly audience: 'client' | 'internal';
  readonly locale: Locale;
  readonly to: readonly string[];
}

/**
 * Who receives the approved statement, grouped so that each audience and language gets its own
 * email and no recipient sees another group's addresses. `recipients` name audience and language;
 * the older lists count as `businessUnitHeads` → internal and `distribution` → client (the safe
 * reading: a client-bound address never gets internal figures). An address listed for both
 * audiences gets both documents. Order: internal first, then client; within, by language.
 */
export function recipientGroupsOf(charter: Charter, tenantLocale: Locale): RecipientGroup[] {
  const defaultLocale = charter.locale ?? tenantLocale;
  const entries = [
    ...charter.recipients.map((r) => ({
      email: r.email.toLowerCase(),
      audience: r.audience,
      locale: r.locale ?? defaultLocale,
    })),
    ...charter.businessUnitHeads.map((email) => ({
      email: email.toLowerCase(),
      audience: 'internal' as const,
      locale: defaultLocale,
    })),
    ...charter.distribution.map((email) => ({
      email: email.toLowerCase(),
      audience: 'client' as const,
      locale: defaultLocale,
    })),
  ];
  const groups = new Map<string, { audience: 'client' | 'internal'; locale: Locale; to: string[] }>();
  const seen = new Set<string>();
  for (const entry of entries) {
    // The first mention of an address for an audience decides its language.
    if (seen.has(`${entry.audience}|${entry.email}`)) continue;
    seen.add(`${entry.audience}|${entry.email}`);
    const key = `${entry.audience}|${entry.locale}`;
    const group = groups.get(key) ?? { audience: entry.audience, locale: entry.locale, to: [] };
    group.to.push(entry.email);
    groups.set(key, group);
  }
  const order = (g: RecipientGroup) => `${g.audience === 'internal' ? 0 : 1}|${g.locale}`;
  return [...groups.values()].sort((a, b) => order(a).localeCompare(order(b)));
}

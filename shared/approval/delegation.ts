import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clock, Delegation } from './model.ts';
import type { ApprovalStore } from './store.ts';

/**
 * The delegation in force at `at` among an approver's delegations: validFrom ≤ at < validTo; the
 * most recently started one wins when windows overlap.
 */
export function activeDelegation(delegations: readonly Delegation[], at: Date): Delegation | undefined {
  const t = at.getTime();
  return delegations
    .filter((d) => Date.parse(d.validFrom) <= t && t < Date.parse(d.validTo))
    .sort(
      (a, b) => Date.parse(b.validFrom) - Date.parse(a.validFrom) || b.createdAt.localeCompare(a.createdAt),
    )[0];
}

/** Who receives a link meant for `person`: the person, or their active delegate (one hop, no chains). */
export interface Recipient {
  readonly email: string;
  readonly name: string;
  /** Set when the link goes to a delegate. */
  readonly onBehalfOf?: string;
  readonly delegation?: Delegation;
}

export async function resolveRecipient(
  store: ApprovalStore,
  person: { email: string; name: string },
  at: Date,
): Promise<Recipient> {
  const delegation = activeDelegation(await store.delegationsStartedBy(person.email, at), at);
  if (!delegation || delegation.to === person.email) return { email: person.email, name: person.name };
  return { email: delegation.to, name: delegation.to, onBehalfOf: person.email, delegation };
}

const DelegationInput = z
  .object({
    from: z.email().transform((e) => e.toLowerCase()),
    to: z.email().transform((e) => e.toLowerCase()),
    validFrom: z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString()),
    validTo: z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString()),
    reason: z.string().trim().min(1, 'a reason is required').max(500),
  })
  .refine((d) => d.from !== d.to, { message: 'an approver cannot delegate to themselves', path: ['to'] })
  .refine((d) => d.validFrom < d.validTo, { message: 'validTo must be after validFrom', path: ['validTo'] });

/**
 * Records that `from` delegates their approvals to `to` during [validFrom, validTo) — the entry
 * point for the CLI (`settle delegate`). Links issued in that window go to the delegate, and the
 * decision is recorded as "to for from". Throws a ZodError on invalid input.
 */
export async function delegate(
  deps: { store: ApprovalStore; clock: Clock },
  from: string,
  to: string,
  validFrom: string,
  validTo: string,
  reason: string,
): Promise<Delegation> {
  const input = DelegationInput.parse({ from, to, validFrom, validTo, reason });
  const delegation: Delegation = {
    id: randomBytes(8).toString('hex'),
    ...input,
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.store.putDelegation(delegation);
  return delegation;
}

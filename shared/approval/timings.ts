import type { ApprovalState } from '#domain/workflow.ts';
import type { ApprovalSettings, ApprovalTimings } from './model.ts';

/** Tenant defaults from the environment (all optional; fractional values allowed for tests and demos). */
export interface ApprovalEnvDefaults {
  readonly APPROVAL_TTL_DAYS?: string | undefined;
  readonly APPROVAL_REMINDER_HOURS?: string | undefined;
  readonly APPROVAL_ESCALATION_HOURS?: string | undefined;
  /** One-time code thresholds, "50000.00 EUR,60000.00 USD"; empty or absent = codes off. */
  readonly APPROVAL_CODE_FROM?: string | undefined;
  readonly APPROVAL_CODE_MINUTES?: string | undefined;
  readonly APPROVAL_CODE_ATTEMPTS?: string | undefined;
}

const DEFAULT_TTL_DAYS = 7;
const DEFAULT_REMINDER_HOURS = 48;
const DEFAULT_ESCALATION_HOURS = 96;

function positive(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`not a positive number: ${value}`);
  return n;
}

/**
 * The waits of one request: the charter's settings over the environment's defaults. Kept in order
 * (reminder < escalation < expiry, each at least one second apart) whatever the inputs, so every
 * timeout round has a positive wait.
 */
export function resolveTimings(
  settings: ApprovalSettings | undefined,
  env: ApprovalEnvDefaults,
): ApprovalTimings {
  const ttlDays = settings?.ttlDays ?? positive(env.APPROVAL_TTL_DAYS) ?? DEFAULT_TTL_DAYS;
  const reminderHours =
    settings?.reminderHours ?? positive(env.APPROVAL_REMINDER_HOURS) ?? DEFAULT_REMINDER_HOURS;
  const escalationHours =
    settings?.escalationHours ?? positive(env.APPROVAL_ESCALATION_HOURS) ?? DEFAULT_ESCALATION_HOURS;
  const expire = Math.max(3, Math.round(ttlDays * 86_400));
  const escalate = Math.min(Math.max(2, Math.round(escalationHours * 3600)), expire - 1);
  const remind = Math.min(Math.max(1, Math.round(reminderHours * 3600)), escalate - 1);
  return { reminderAfterSeconds: remind, escalateAfterSeconds: escalate, expireAfterSeconds: expire };
}

/** What the timeout handler does after a wait round ended without a decision. */
export type TimeoutStep =
  | { readonly kind: 'wait'; readonly phase: 'reminder' | 'escalation'; readonly waitSeconds: number }
  | { readonly kind: 'expire' };

/**
 * initial → reminder (wait until the escalation time), reminder → escalation (wait until the
 * expiry), escalation → expire. Waits are measured from the request's creation, so late rounds do
 * not stretch the link's lifetime; a round that is already past its time waits one second.
 */
export function nextTimeoutStep(
  phase: ApprovalState['phase'],
  createdAt: Date,
  timings: ApprovalTimings,
  now: Date,
): TimeoutStep {
  const until = (offsetSeconds: number) =>
    Math.max(1, Math.ceil((createdAt.getTime() + offsetSeconds * 1000 - now.getTime()) / 1000));
  switch (phase) {
    case 'initial':
      return { kind: 'wait', phase: 'reminder', waitSeconds: until(timings.escalateAfterSeconds) };
    case 'reminder':
      return { kind: 'wait', phase: 'escalation', waitSeconds: until(timings.expireAfterSeconds) };
    case 'escalation':
      return { kind: 'expire' };
  }
}

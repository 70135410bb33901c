import { z } from 'zod';
import { DecimalString } from '#domain/records.ts';
import type { ApprovalState } from '#domain/workflow.ts';
import type { IssuedCode } from './one-time-code.ts';

/** The clock port: domain code never reads the system clock itself. */
export interface Clock {
  now(): Date;
}

/** The wall clock, for handlers in production and in the local runtime. */
export const systemClock: Clock = { now: () => new Date() };

export const Locale = z.enum(['en', 'zh-CN']);
export type Locale = z.infer<typeof Locale>;

const Email = z.email().transform((e) => e.toLowerCase());

/** Who stands in for an approver when a request times out (escalation). */
export const BackupApprover = z.object({ email: Email, name: z.string().min(1), locale: Locale.optional() });
export type BackupApprover = z.infer<typeof BackupApprover>;

/** One approver of a settlement's chain. */
export const ApproverStep = z.object({
  email: Email,
  name: z.string().min(1),
  /** e.g. "Project manager", "Finance", "Director". */
  role: z.string().min(1),
  backup: BackupApprover.optional(),
  /** Language of the emails; the page follows the browser. */
  locale: Locale.optional(),
});
export type ApproverStep = z.infer<typeof ApproverStep>;

/**
 * An approver as the charter lists it: a step plus the amount from which it is required
 * (inclusive, in the settlement's currency). No `minAmount` = always required.
 */
export const Approver = ApproverStep.extend({ minAmount: DecimalString.optional() });
export type Approver = z.infer<typeof Approver>;

/** Approval settings of a charter; every field falls back to the tenant's environment defaults. */
export const ApprovalSettings = z.object({
  /** Link lifetime and final expiry (tenant default 7 days, env APPROVAL_TTL_DAYS). */
  ttlDays: z.number().positive().optional(),
  /** First reminder after this many hours (env APPROVAL_REMINDER_HOURS, default 48). */
  reminderHours: z.number().positive().optional(),
  /** Escalation to the backup after this many hours (env APPROVAL_ESCALATION_HOURS, default 96). */
  escalationHours: z.number().positive().optional(),
});
export type ApprovalSettings = z.infer<typeof ApprovalSettings>;

/** Seconds from the request's creation to each timeout round; reminder < escalation < expiry. */
export interface ApprovalTimings {
  readonly reminderAfterSeconds: number;
  readonly escalateAfterSeconds: number;
  readonly expireAfterSeconds: number;
}

export const RequestStatus = z.enum(['pending', 'decided', 'expired', 'superseded']);
export type RequestStatus = z.infer<typeof RequestStatus>;

/** Why a link was issued. */
export const GrantKind = z.enum(['approver', 'reminder', 'backup']);
export type GrantKind = z.infer<typeof GrantKind>;

/**
 * One emailed link of a request, stored under the SHA-256 of its secret. All links of a request
 * share its single status, so whichever link decides first wins and the others stop working.
 */
export interface Grant {
  readonly email: string;
  readonly name: string;
  readonly kind: GrantKind;
  /** Set when the link went to a delegate: the approver the delegate acts for. */
  readonly onBehalfOf?: string;
  readonly delegationId?: string;
  readonly issuedAt: string;
}

/** The stored approval request (one per approver step of a settlement); see store.ts for keys. */
export interface ApprovalRequest {
  readonly requestId: string;
  /** Wrong (well-formed) secrets tried against this request: counted, logged and alarmed. */
  readonly failedSecrets?: number;
  /** When the last wrong secret was tried (ISO time). */
  readonly lastFailedAt?: string;
  /** The tenant the request belongs to; a handler of another tenant refuses it. */
  readonly tenantId: string;
  readonly settlementId: string;
  readonly projectId: string;
  readonly period: string;
  readonly revision: number;
  readonly step: number;
  readonly steps: number;
  readonly approver: ApproverStep;
  readonly status: RequestStatus;
  /** Links by SHA-256 (hex) of their secret; the secrets themselves are never stored. */
  readonly grants: Readonly<Record<string, Grant>>;
  /** The current wait round's Step Functions task token (server-side only; replaced each round). */
  readonly taskToken?: string;
  readonly phase: ApprovalState['phase'];
  readonly createdAt: string;
  readonly expiresAt: string;
  /** When the first email went out; absent if sending failed (the next attempt re-issues). */
  readonly sentAt?: string;
  readonly timings: ApprovalTimings;
  /** S3 key of the draft's summary.json the page renders. */
  readonly summaryKey: string;
  readonly decision?: 'approved' | 'rejected';
  readonly decidedAt?: string;
  /** "x@example.com" or, for a delegate, "y@example.com for x@example.com". */
  readonly decidedBy?: string;
  readonly comment?: string;
  /** The ApprovalState sent with SendTaskSuccess (JSON); replayed if delivery raced a timeout. */
  readonly output?: string;
  /** When the request was expired or superseded. */
  readonly closedAt?: string;
  /** The amount reached the tenant's code threshold when the request was created: approving needs a code. */
  readonly codeRequired?: boolean;
  /** The code last emailed (its keyed hash only); removed by the decision. See one-time-code.ts. */
  readonly otp?: IssuedCode;
  /** Codes emailed for this request. */
  readonly codeSends?: number;
  /** Codes compared for this request, right or wrong (an atomic counter). */
  readonly codeAttempts?: number;
}

export const EventType = z.enum([
  'sent',
  'opened',
  'reminded',
  'escalated',
  'delegated',
  'decided',
  'expired',
  'code-sent',
  'code-failed',
  'code-locked',
]);
export type EventType = z.infer<typeof EventType>;

/** One line of a settlement's approval log (stored, then archived with the settlement). */
export interface ApprovalEvent {
  readonly settlementId: string;
  readonly requestId: string;
  readonly step: number;
  readonly type: EventType;
  readonly at: string;
  /** An email address, "y for x", or "system". */
  readonly actor: string;
  readonly detail?: Readonly<Record<string, string>>;
}

/** An approver's dated delegation to another address. */
export interface Delegation {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** ISO instant, inclusive. */
  readonly validFrom: string;
  /** ISO instant, exclusive. */
  readonly validTo: string;
  readonly reason: string;
  readonly createdAt: string;
}

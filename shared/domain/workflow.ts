import { z } from 'zod';
import { DataSourceBinding } from './sources.ts';

/**
 * The state that flows between the settlement state machine's steps (statemachines/settlement.asl.json).
 * Kept small (Step Functions payloads are ≤ 256 KiB): big data lives in DynamoDB and S3 and is
 * referenced by key. Each Lambda step receives this object and returns it updated.
 */
export const SettlementRef = z.object({
  tenantId: z.string().min(1),
  projectId: z.string().min(1),
  /** 'YYYY-MM' | 'milestone:<id>' | 'final' */
  period: z.string().min(1),
  revision: z.number().int().nonnegative(),
  settlementId: z.string().min(1),
  /** Run date the settlement is computed as of (YYYY-MM-DD). */
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  charterVersion: z.number().int().positive(),
  /** The Step Functions execution settling it (carried into every log line). */
  executionId: z.string().optional(),
  /** The night's cloud-cost snapshot (S3 key) its account-wide cost sources read their slice from. */
  cloudCosts: z.string().min(1).optional(),
});
export type SettlementRef = z.infer<typeof SettlementRef>;

/** The approval loop's state: which step of the chain, how long to wait, and the last decision. */
export const ApprovalState = z.object({
  /** Index of the current approver in the chain. */
  step: z.number().int().nonnegative(),
  /** Number of approvers required for this settlement's amount. */
  steps: z.number().int().positive(),
  /** Seconds the Approve state waits before the timeout path (reminder → escalation → expiry). */
  waitSeconds: z.number().int().positive(),
  /** initial | reminder | escalation: which wait round this is. */
  phase: z.enum(['initial', 'reminder', 'escalation']),
  /** The open approval request for the current step (opaque id; the link secret is never here). */
  requestId: z.string().optional(),
  decision: z.enum(['approved', 'rejected']).optional(),
  /** True when the last approval completed the chain. */
  complete: z.boolean().optional(),
  comment: z.string().optional(),
  decidedBy: z.string().optional(),
});
export type ApprovalState = z.infer<typeof ApprovalState>;

export const Outcome = z.enum([
  'open',
  'already-settled',
  'waiting',
  'needs-attention',
  'awaiting-approval',
  'rejected',
  'expired',
  'approved',
  'settled',
  'failed',
]);
export type Outcome = z.infer<typeof Outcome>;

export const SettlementState = z.object({
  settlement: SettlementRef,
  outcome: Outcome,
  sources: z.array(DataSourceBinding).default([]),
  collected: z.array(z.unknown()).optional(),
  /** Small summary of the computed statement (totals, S3 keys); the statement itself is in S3. */
  computed: z
    .object({
      statementKey: z.string(),
      total: z.object({ amount: z.string(), currency: z.string() }),
      budget: z.object({ amount: z.string(), currency: z.string() }).optional(),
      blockingChecks: z.number().int().nonnegative().default(0),
      /** The failed blocking checks, "title — detail", for the message that stops the settlement. */
      blockingFailures: z.array(z.string()).default([]),
      quarantined: z.number().int().nonnegative().default(0),
    })
    .optional(),
  draft: z.object({ jsonKey: z.string(), htmlKey: z.string(), pdfKey: z.string().optional() }).optional(),
  approval: ApprovalState.optional(),
  final: z.object({ statementNumber: z.string(), lockedAt: z.string() }).optional(),
  archive: z
    .object({ manifestKey: z.string(), manifestHash: z.string(), files: z.number().int() })
    .optional(),
  /** Set by AcquireSlot: whether this settlement holds one of the tenant's settlement slots. */
  slot: z.object({ acquired: z.boolean() }).optional(),
  /** Set by CheckReadiness when the period may not settle yet: what is missing, and the deadline. */
  readiness: z
    .object({
      missing: z.array(z.string()),
      notes: z.array(z.string()).default([]),
      deadline: z.string(),
      overdue: z.boolean(),
    })
    .optional(),
  /** Set by a Catch: what failed. */
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});
export type SettlementState = z.infer<typeof SettlementState>;

/** Input of a settlement execution (from the nightly run or `settle run`). */
export const SettlementInput = z.object({
  tenantId: z.string().min(1),
  projectId: z.string().min(1),
  period: z.string().min(1),
  revision: z.number().int().nonnegative().default(0),
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Required for a revision: why the settled period is re-opened. */
  reason: z.string().optional(),
  /** The nightly attempt (from 1); a later attempt may take over an unsettled outcome. */
  attempt: z.number().int().positive().optional(),
  /** Set by the nightly run: the snapshot of its one cloud-cost query (absent: each source queries alone). */
  cloudCosts: z.string().min(1).optional(),
});
export type SettlementInput = z.infer<typeof SettlementInput>;

/** A settlement's id: stable across retries and re-runs of the same (project, period, revision). */
export function settlementId(projectId: string, period: string, revision: number): string {
  return `${projectId}_${period.replace(/[^A-Za-z0-9-]/g, '-')}_r${revision}`;
}

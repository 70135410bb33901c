import { z } from 'zod';
import { Money } from '#domain/money.ts';
import { CurrencyCode, IsoDate } from '#domain/records.ts';
import { ApprovalSettings, Approver } from './model.ts';

/** S3 key of the summary the draft step writes for the approval email and page. */
export function summaryKey(settlementId: string): string {
  return `drafts/${settlementId}/summary.json`;
}

export const VarianceLine = z.object({
  /** e.g. "labour", "materials", "cloud", or a role / budget line name. */
  dimension: z.string().min(1),
  label: z.string().min(1),
  budget: Money,
  actual: Money,
  /** actual − budget (positive = overrun). */
  variance: Money,
  /** Variance in percent of the budget, as a decimal string ("18.0"); absent when the budget is 0. */
  percent: z.string().optional(),
  flagged: z.boolean().default(false),
  cause: z.string().optional(),
  /** Every key the row compares (a site's materials: category and work package). */
  keys: z
    .object({
      category: z.string().optional(),
      role: z.string().optional(),
      supplier: z.string().optional(),
      workPackage: z.string().optional(),
    })
    .optional(),
  /** What the cause is made of, so the page states it in the approver's language. */
  causeFacts: z
    .object({
      keys: z.object({
        category: z.string().optional(),
        role: z.string().optional(),
        supplier: z.string().optional(),
        workPackage: z.string().optional(),
      }),
      unbudgeted: z.boolean(),
      percent: z.string().nullable(),
      budget: z.string(),
      actual: z.string(),
      variance: z.string(),
      currency: CurrencyCode,
      drivers: z.array(z.object({ name: z.string(), amount: z.string() })),
    })
    .optional(),
});
export type VarianceLine = z.infer<typeof VarianceLine>;

export const ChecklistItem = z.object({
  id: z.string().min(1),
  label: z.string().min(1),
  status: z.enum(['passed', 'warning', 'failed']),
  blocking: z.boolean().default(false),
  evidence: z.string().optional(),
});
export type ChecklistItem = z.infer<typeof ChecklistItem>;

/** A contract clause and its confirmed evidence; `pending` = not yet due and not yet fulfilled. */
export const ClauseLine = z.object({
  id: z.string().min(1),
  title: z.string().optional(),
  text: z.string().min(1),
  status: z.enum(['passed', 'warning', 'failed', 'pending']),
  blocking: z.boolean().default(false),
  evidence: z.array(z.string()).default([]),
});
export type ClauseLine = z.infer<typeof ClauseLine>;

/**
 * The key figures of a draft statement, written by the draft step to `drafts/<settlementId>/summary.json`
 * and read by the approval email and page. Small by design: the full statement is in S3.
 */
export const ApprovalSummary = z.object({
  settlementId: z.string().min(1),
  project: z.object({ id: z.string().min(1), name: z.string().min(1), counterparty: z.string().optional() }),
  period: z.object({
    /** 'YYYY-MM' | 'milestone:<id>' | 'final' */
    id: z.string().min(1),
    label: z.string().optional(),
    start: IsoDate.optional(),
    end: IsoDate.optional(),
  }),
  revision: z.number().int().nonnegative().default(0),
  currency: CurrencyCode,
  totals: z.object({
    cost: Money,
    billing: Money,
    budget: Money.optional(),
  }),
  /** The largest variances, biggest first (the page shows them as given). */
  topVariances: z.array(VarianceLine).default([]),
  checklist: z.array(ChecklistItem).default([]),
  /** Contract clause coverage (confirmed evidence only), when the charter lists clauses. */
  clauses: z.array(ClauseLine).optional(),
  /** Records quarantined during collection (shown so approvers know what is not counted). */
  quarantined: z.number().int().nonnegative().default(0),
  /** S3 keys of the draft statement (the page links the PDF, presigned). */
  statement: z.object({
    jsonKey: z.string().min(1),
    htmlKey: z.string().min(1),
    pdfKey: z.string().min(1).optional(),
  }),
  /** What the chain is chosen by: the amount, the charter's approvers and its approval settings. */
  approval: z.object({
    amount: Money,
    approvers: z.array(Approver).min(1),
    settings: ApprovalSettings.optional(),
  }),
});
export type ApprovalSummary = z.infer<typeof ApprovalSummary>;

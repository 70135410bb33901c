import { z } from 'zod';
import { IsoDate } from '../records.ts';

/**
 * The contract's clauses as the charter references them, and the clause → evidence mappings a
 * person confirmed. Suggestions (see match.ts) are never stored here: only confirmed mappings
 * count towards a clause's coverage.
 */

export const ClauseLanguage = z.enum(['zh', 'en']);
export type ClauseLanguage = z.infer<typeof ClauseLanguage>;

/**
 * What a clause can be fulfilled by: `task:<issue key>` (a Jira issue, Done as of the settlement
 * date), `evidence:<reference>` (an acceptance/sign-off record dated on or before it),
 * `milestone:<id>` (reached) or `deliverable:<milestone id>:<n>` (the milestone's n-th acceptance
 * criterion, 1-based; fulfilled when the milestone is accepted).
 */
export const EvidenceRef = z
  .string()
  .regex(
    /^(task|evidence|milestone):.+$|^deliverable:[A-Za-z0-9][A-Za-z0-9._-]*:[1-9]\d*$/,
    "must be 'task:<key>', 'evidence:<reference>', 'milestone:<id>' or 'deliverable:<milestone>:<n>'",
  );
export type EvidenceRef = z.infer<typeof EvidenceRef>;

export const ContractClause = z.strictObject({
  /** The contract's own numbering: "4.2", "第三条", "第1.2条", "Article 4". */
  id: z.string().min(1),
  title: z.string().min(1).optional(),
  text: z.string().min(1),
  /** Detected from the text when omitted. */
  language: ClauseLanguage.optional(),
  /** A blocking clause without confirmed, fulfilled evidence stops the settlement at Verify. */
  blocking: z.boolean().default(false),
  /** The clause is checked from this date on (and at final settlement). */
  due: IsoDate.optional(),
  /** The clause is checked at this milestone's settlement, after its planned end, and at final settlement. */
  milestone: z.string().min(1).optional(),
});
export type ContractClause = z.infer<typeof ContractClause>;

/** A person's confirmation that these evidence items fulfil a clause (all of them must be fulfilled). */
export const ClauseMapping = z.strictObject({
  clause: z.string().min(1),
  evidence: z.array(EvidenceRef).min(1, 'at least one evidence reference'),
  confirmedBy: z.string().min(1),
  confirmedOn: IsoDate,
  note: z.string().min(1).optional(),
});
export type ClauseMapping = z.infer<typeof ClauseMapping>;

export const ContractClauses = z
  .strictObject({
    /**
     * A contract text file (plain text or Markdown, relative to the charter) split into clauses by
     * its numbering. `settle clauses` reads it; `items` are what the settlement uses, so split the
     * file into `items` (`settle clauses split --write`) before importing the charter.
     */
    file: z.string().min(1).optional(),
    items: z.array(ContractClause).default([]),
    confirmed: z.array(ClauseMapping).default([]),
    /** Normalised score below which a suggestion is shown as "no match" (default: the calibrated value). */
    threshold: z.number().min(0).max(1).optional(),
  })
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.items.forEach((clause, i) => {
      if (ids.has(clause.id))
        ctx.addIssue({
          code: 'custom',
          path: ['items', i, 'id'],
          message: `duplicate clause "${clause.id}"`,
        });
      ids.add(clause.id);
    });
    const mapped = new Set<string>();
    c.confirmed.forEach((m, i) => {
      if (!ids.has(m.clause))
        ctx.addIssue({
          code: 'custom',
          path: ['confirmed', i, 'clause'],
          message: `unknown clause "${m.clause}"${c.items.length === 0 ? ' (split the contract file into items first: settle clauses split --write)' : ''}`,
        });
      if (mapped.has(m.clause))
        ctx.addIssue({
          code: 'custom',
          path: ['confirmed', i, 'clause'],
          message: `clause "${m.clause}" is confirmed twice; list all its evidence in one mapping`,
        });
      mapped.add(m.clause);
    });
  });
export type ContractClauses = z.infer<typeof ContractClauses>;

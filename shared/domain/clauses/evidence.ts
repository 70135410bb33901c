import type { Charter } from '../charter.ts';
import { acceptedOn, reachedOn } from '../checks.ts';
import type { EvidenceRecord, TaskRecord } from '../records.ts';
import { compareStrings } from '../statement.ts';
import type { EvidenceRef } from './schema.ts';

/**
 * What a clause can be fulfilled by, as one shape: Jira issues (tasks), acceptance and sign-off
 * records, the charter's milestones and their deliverables (acceptance criteria). Each item has a
 * stable reference (the one a confirmed mapping names), a text to match against and, as of a
 * date, whether it is fulfilled: a task Done (resolved on or before the date), a record dated on
 * or before it, a milestone reached, a deliverable's milestone accepted.
 */

export type EvidenceKind = 'task' | 'evidence' | 'milestone' | 'deliverable';

export interface ClauseEvidence {
  readonly ref: EvidenceRef;
  readonly kind: EvidenceKind;
  /** Short human label: issue key and summary, document reference, milestone name. */
  readonly label: string;
  /** The text matched against clauses. */
  readonly text: string;
  /** Fulfilled as of the date the evidence was built for. */
  readonly fulfilled: boolean;
  /** When it was fulfilled (resolved, signed, reached, accepted), if known. */
  readonly date?: string;
  /** Why it is not fulfilled (status, planned end). */
  readonly state: string;
}

export interface EvidenceSources {
  readonly charter: Pick<Charter, 'milestones'>;
  readonly tasks: Iterable<TaskRecord>;
  readonly records: readonly EvidenceRecord[];
  /** YYYY-MM-DD: the settlement's as-of date. */
  readonly asOf: string;
}

/** True when a task counts as Done as of the date (done, and resolved on or before it when the source says when). */
export function taskDoneBy(task: TaskRecord, asOf: string): boolean {
  return task.done && (task.resolvedAt === undefined || task.resolvedAt.slice(0, 10) <= asOf);
}

/** Every evidence item, sorted by reference. A record's reference is unique: the first (by date) wins. */
export function collectEvidence(sources: EvidenceSources): ClauseEvidence[] {
  const { charter, asOf } = sources;
  const byRef = new Map<string, ClauseEvidence>();
  const milestoneName = new Map(charter.milestones.map((m) => [m.id, m.name]));
  for (const task of sources.tasks) {
    const ref = `task:${task.key}`;
    if (byRef.has(ref)) continue;
    const done = taskDoneBy(task, asOf);
    byRef.set(ref, {
      ref,
      kind: 'task',
      label: task.summary ? `${task.key} ${task.summary}` : task.key,
      text: [task.summary, task.description, task.milestone ? milestoneName.get(task.milestone) : undefined]
        .filter(Boolean)
        .join('\n'),
      fulfilled: done,
      ...(done && task.resolvedAt ? { date: task.resolvedAt.slice(0, 10) } : {}),
      state: done ? 'done' : task.status || 'not done',
    });
  }
  const records = [...sources.records].sort(
    (a, b) => compareStrings(a.date, b.date) || compareStrings(a.reference, b.reference),
  );
  for (const r of records) {
    const ref = `evidence:${r.reference}`;
    if (byRef.has(ref)) continue;
    const signed = r.date <= asOf;
    byRef.set(ref, {
      ref,
      kind: 'evidence',
      label: r.reference,
      text: [r.type, r.note, r.milestone ? milestoneName.get(r.milestone) : undefined, r.reference]
        .filter(Boolean)
        .join('\n'),
      fulfilled: signed,
      ...(signed ? { date: r.date } : {}),
      state: signed ? `${r.type} ${r.date}` : `dated ${r.date}, after ${asOf}`,
    });
  }
  for (const m of charter.milestones) {
    const reached = reachedOn(m, sources.records, asOf);
    byRef.set(`milestone:${m.id}`, {
      ref: `milestone:${m.id}`,
      kind: 'milestone',
      label: m.name,
      text: [m.name, ...m.acceptanceCriteria].join('\n'),
      fulfilled: reached !== null,
      ...(reached !== null ? { date: reached } : {}),
      state: reached !== null ? `reached ${reached}` : `not reached (planned ${m.plannedEnd})`,
    });
    const accepted = acceptedOn(m, sources.records, asOf);
    m.acceptanceCriteria.forEach((criterion, i) => {
      const ref = `deliverable:${m.id}:${i + 1}`;
      byRef.set(ref, {
        ref,
        kind: 'deliverable',
        label: `${m.name}: ${criterion}`,
        text: `${criterion}\n${m.name}`,
        fulfilled: accepted !== null,
        ...(accepted !== null ? { date: accepted } : {}),
        state: accepted !== null ? `accepted ${accepted}` : `${m.name} not accepted`,
      });
    });
  }
  return [...byRef.values()].sort((a, b) => compareStrings(a.ref, b.ref));
}

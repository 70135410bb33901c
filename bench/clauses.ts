import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { collectEvidence } from '#domain/clauses/evidence.ts';
import { DEFAULT_NO_MATCH_THRESHOLD, type SuggestOptions, suggestEvidence } from '#domain/clauses/match.ts';
import { EvidenceType, type TaskRecord } from '#domain/records.ts';

/**
 * Clause matching quality on the labelled set (bench/clauses/labelled.json): for each clause the
 * top suggestion is compared with the evidence a reviewer accepts (or "no match"). Figures:
 * - top-1 accuracy: the top suggestion (or "no match") is right;
 * - precision: of the clauses given a suggestion, how many got a right one;
 * - recall: of the clauses that have evidence, how many got a right suggestion;
 * - no-match precision / recall: "no match" said when nothing fulfils the clause, and how often;
 * - right evidence in the top 3 (before the threshold): what a reviewer sees to choose from.
 * The no-match threshold is calibrated on the even-numbered clauses of each project and the
 * held-out odd-numbered clauses are reported separately, so the headline is not fitted to itself.
 */

const Labelled = z.object({
  templates: z.array(z.object({ id: z.string(), name: z.string(), url: z.string() })),
  projects: z.array(
    z.object({
      id: z.string(),
      synonyms: z.array(z.array(z.string())),
      milestones: z.array(
        z.object({ id: z.string(), name: z.string(), acceptanceCriteria: z.array(z.string()) }),
      ),
      tasks: z.array(z.object({ key: z.string(), summary: z.string(), description: z.string().optional() })),
      records: z.array(
        z.object({
          reference: z.string(),
          type: EvidenceType,
          milestone: z.string().optional(),
          note: z.string(),
        }),
      ),
      clauses: z.array(
        z.object({ id: z.string(), template: z.string(), text: z.string(), expected: z.array(z.string()) }),
      ),
    }),
  ),
});
export type Labelled = z.infer<typeof Labelled>;

export const LABELLED_FILE = join(import.meta.dirname, 'clauses', 'labelled.json');

export function loadLabelled(file = LABELLED_FILE): Labelled {
  const data = Labelled.parse(JSON.parse(readFileSync(file, 'utf8')));
  const templates = new Set(data.templates.map((t) => t.id));
  for (const p of data.projects)
    for (const c of p.clauses)
      if (!templates.has(c.template)) throw new Error(`${p.id} ${c.id}: unknown template ${c.template}`);
  return data;
}

export interface Judged {
  readonly project: string;
  readonly clause: string;
  readonly language: 'zh' | 'en';
  readonly expected: readonly string[];
  readonly suggested: string | null;
  readonly score: number;
  readonly top3: readonly string[];
  /** Even-numbered clause of its project: used to calibrate the threshold. */
  readonly calibration: boolean;
}

/** Runs the matcher over every project of the labelled set with a threshold of 0 (scores kept). */
export function judgeLabelled(data: Labelled, options: Pick<SuggestOptions, 'top'> = {}): Judged[] {
  const out: Judged[] = [];
  for (const p of data.projects) {
    const tasks: TaskRecord[] = p.tasks.map((t) => ({
      kind: 'task',
      source: 'jira',
      sourceId: t.key,
      projectRef: p.id,
      key: t.key,
      status: 'Done',
      done: true,
      points: 1,
      summary: t.summary,
      ...(t.description ? { description: t.description } : {}),
    }));
    const evidence = collectEvidence({
      charter: {
        milestones: p.milestones.map((m) => ({
          ...m,
          plannedStart: '2026-01-01',
          plannedEnd: '2026-12-31',
          plannedValue: '0',
          requiredEvidence: ['acceptance'],
        })),
      },
      tasks,
      records: p.records.map((r, i) => ({
        kind: 'evidence',
        source: 'csv',
        sourceId: String(i),
        projectRef: p.id,
        date: '2026-06-01',
        ...r,
      })),
      asOf: '2026-12-31',
    });
    const suggestions = suggestEvidence(p.clauses, evidence, {
      synonyms: p.synonyms,
      threshold: 0,
      top: options.top ?? 3,
    });
    p.clauses.forEach((c, i) => {
      const s = suggestions[i];
      const first = s?.candidates[0];
      out.push({
        project: p.id,
        clause: c.id,
        language: s?.language ?? 'en',
        expected: c.expected,
        suggested: first?.ref ?? null,
        score: first?.score ?? 0,
        top3: s?.candidates.map((x) => x.ref) ?? [],
        calibration: i % 2 === 0,
      });
    });
  }
  return out;
}

export interface Figures {
  readonly pairs: number;
  readonly top1: number;
  readonly precision: number;
  readonly recall: number;
  readonly noMatchPrecision: number;
  readonly noMatchRecall: number;
  readonly top3: number;
}

const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d);

/** The figures of a set of judged clauses at a threshold. */
export function figuresAt(judged: readonly Judged[], threshold: number): Figures {
  let right = 0;
  let suggested = 0;
  let suggestedRight = 0;
  let withEvidence = 0;
  let noMatch = 0;
  let noMatchRight = 0;
  let withoutEvidence = 0;
  let inTop3 = 0;
  for (const j of judged) {
    const pick = j.suggested !== null && j.score >= threshold ? j.suggested : null;
    const ok = pick === null ? j.expected.length === 0 : j.expected.includes(pick);
    if (ok) right += 1;
    if (pick !== null) {
      suggested += 1;
      if (ok) suggestedRight += 1;
    } else {
      noMatch += 1;
      if (ok) noMatchRight += 1;
    }
    if (j.expected.length > 0) {
      withEvidence += 1;
      if (j.top3.some((r) => j.expected.includes(r))) inTop3 += 1;
    } else withoutEvidence += 1;
  }
  return {
    pairs: judged.length,
    top1: ratio(right, judged.length),
    precision: ratio(suggestedRight, suggested),
    recall: ratio(suggestedRight, withEvidence),
    noMatchPrecision: ratio(noMatchRight, noMatch),
    noMatchRecall: ratio(noMatchRight, withoutEvidence),
    top3: ratio(inTop3, withEvidence),
  };
}

/**
 * The threshold with the best top-1 accuracy on the calibration clauses. Thresholds between two
 * neighbouring scores behave alike, so the candidates are intervals (score below, score]; among
 * the best, the widest run of adjacent intervals wins and its middle is taken: the threshold keeps
 * the largest margin to the scores on both sides.
 */
export function calibrateThreshold(judged: readonly Judged[]): number {
  const calibration = judged.filter((j) => j.calibration);
  const scores = [...new Set([0, ...calibration.map((j) => j.score), 1])].sort((a, b) => a - b);
  let best = { top1: -1, from: 0, to: 0 };
  let run = { top1: -1, from: 0, to: 0 };
  scores.forEach((t, i) => {
    const top1 = figuresAt(calibration, t).top1;
    const below = scores[i - 1] ?? t;
    if (Math.abs(top1 - run.top1) <= 1e-12) run = { ...run, to: t };
    else run = { top1, from: below, to: t };
    const wider = run.to - run.from > best.to - best.from;
    if (top1 > best.top1 + 1e-12 || (Math.abs(top1 - best.top1) <= 1e-12 && wider)) best = { ...run };
  });
  return Math.round(((best.from + best.to) / 2) * 10_000) / 10_000;
}

export interface ClauseBenchResult {
  readonly templates: number;
  readonly threshold: { readonly default: number; readonly calibrated: number };
  readonly all: Figures;
  readonly heldOut: Figures;
  readonly byLanguage: Record<string, Figures>;
  /** Top-1 accuracy with the tenants' synonym lists removed (what the lists are worth). */
  readonly top1WithoutSynonyms: number;
  readonly misses: ReadonlyArray<{ project: string; clause: string; expected: string; got: string }>;
}

export function runClauseBench(data: Labelled = loadLabelled()): ClauseBenchResult {
  const judged = judgeLabelled(data);
  const threshold = DEFAULT_NO_MATCH_THRESHOLD;
  const byLanguage: Record<string, Figures> = {};
  for (const language of ['en', 'zh'] as const)
    byLanguage[language] = figuresAt(
      judged.filter((j) => j.language === language),
      threshold,
    );
  return {
    templates: data.templates.length,
    threshold: { default: threshold, calibrated: calibrateThreshold(judged) },
    all: figuresAt(judged, threshold),
    heldOut: figuresAt(
      judged.filter((j) => !j.calibration),
      threshold,
    ),
    byLanguage,
    top1WithoutSynonyms: figuresAt(
      judgeLabelled({ ...data, projects: data.projects.map((p) => ({ ...p, synonyms: [] })) }),
      threshold,
    ).top1,
    misses: judged
      .filter((j) => {
        const pick = j.suggested !== null && j.score >= threshold ? j.suggested : null;
        return pick === null ? j.expected.length > 0 : !j.expected.includes(pick);
      })
      .map((j) => ({
        project: j.project,
        clause: j.clause,
        expected: j.expected.join(' | ') || 'no match',
        got:
          j.suggested !== null && j.score >= threshold
            ? `${j.suggested} (${j.score})`
            : `no match (${j.score})`,
      })),
  };
}

const pct = (n: number) => `${(n * 100).toFixed(1)} %`;

/** The benchmark table (rows: figure, all pairs, held-out, en, zh). */
export function clauseBenchRows(r: ClauseBenchResult): string[][] {
  const en = r.byLanguage.en as Figures;
  const zh = r.byLanguage.zh as Figures;
  const row = (label: string, f: (x: Figures) => number) => [
    label,
    pct(f(r.all)),
    pct(f(r.heldOut)),
    pct(f(en)),
    pct(f(zh)),
  ];
  return [
    ['pairs', String(r.all.pairs), String(r.heldOut.pairs), String(en.pairs), String(zh.pairs)],
    row('top-1 accuracy (target ≥ 80 %)', (f) => f.top1),
    row('precision of the top suggestion', (f) => f.precision),
    row('recall of the top suggestion', (f) => f.recall),
    row('"no match" right when said', (f) => f.noMatchPrecision),
    row('"no match" said when right', (f) => f.noMatchRecall),
    row('right evidence in the top 3', (f) => f.top3),
    ['top-1 accuracy without the synonym lists', pct(r.top1WithoutSynonyms), '', '', ''],
  ];
}

if (import.meta.main) {
  const { table } = await import('./lib.ts');
  const r = runClauseBench();
  process.stdout.write(
    `Clause matching: ${r.all.pairs} labelled pairs from ${r.templates} public templates; threshold ${r.threshold.default} (calibrated on the calibration half: ${r.threshold.calibrated})\n`,
  );
  process.stdout.write(`${table(['figure', 'all', 'held-out', 'en', 'zh'], clauseBenchRows(r))}\n`);
  for (const m of r.misses)
    process.stdout.write(`  miss ${m.project} ${m.clause}: expected ${m.expected}, got ${m.got}\n`);
}

import { compareStrings } from '../statement.ts';
import type { ClauseEvidence } from './evidence.ts';
import type { ClauseLanguage } from './schema.ts';
import { buildSynonyms, detectLanguage, type SynonymTable, tokenize, tokenizeWithSurface } from './text.ts';

/**
 * Suggests, for each clause, the evidence that most likely fulfils it: BM25 over the evidence
 * texts with the clause as the query. Pure and deterministic: ties break on the evidence
 * reference, scores are rounded to 4 decimals.
 *
 * The score shown is normalised to [0, 1): BM25 divided by the most the clause's words could earn
 * (each word's idf × (k1 + 1), the limit of BM25's saturating term frequency), so one threshold
 * works for short and long clauses alike. Below the threshold the suggestion is "no match".
 */

export const BM25_K1 = 1.2;
export const BM25_B = 0.75;
/**
 * The normalised score under which a suggestion is "no match". Calibrated on the calibration half
 * of the labelled set (bench/clauses.ts prints the sweep); see docs/clauses.md.
 */
export const DEFAULT_NO_MATCH_THRESHOLD = 0.09;

export interface ClauseQuery {
  readonly id: string;
  readonly text: string;
  readonly title?: string | undefined;
  readonly language?: ClauseLanguage | undefined;
}

export interface Candidate {
  readonly ref: string;
  readonly score: number;
  /** The clause's words found in the evidence (surface forms, in clause order). */
  readonly matched: readonly string[];
}

export interface ClauseSuggestion {
  readonly clause: string;
  readonly language: ClauseLanguage;
  /** The best candidate at or above the threshold; null = "no match". */
  readonly best: Candidate | null;
  /** The top candidates whatever their score (best first), for a person to choose from. */
  readonly candidates: readonly Candidate[];
}

export interface SuggestOptions {
  readonly synonyms?: readonly (readonly string[])[];
  readonly threshold?: number;
  /** How many candidates to keep per clause (default 3). */
  readonly top?: number;
}

interface Doc {
  readonly ref: string;
  readonly tf: Map<string, number>;
  readonly length: number;
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

/**
 * For each clause (in order), the evidence candidates ranked by normalised BM25 score, and the
 * best one when it reaches the threshold (`null` = "no match"). Same input, same output.
 */
export function suggestEvidence(
  clauses: readonly ClauseQuery[],
  evidence: readonly ClauseEvidence[],
  options: SuggestOptions = {},
): ClauseSuggestion[] {
  const synonyms: SynonymTable = buildSynonyms(options.synonyms ?? []);
  const threshold = options.threshold ?? DEFAULT_NO_MATCH_THRESHOLD;
  const top = options.top ?? 3;
  const docs: Doc[] = evidence.map((e) => {
    const tf = new Map<string, number>();
    const terms = tokenize(e.text, synonyms);
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    return { ref: e.ref, tf, length: terms.length };
  });
  const n = docs.length;
  const avgdl = n === 0 ? 1 : Math.max(1, docs.reduce((s, d) => s + d.length, 0) / n);
  const df = new Map<string, number>();
  for (const d of docs) for (const t of d.tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const idf = (t: string) => {
    const k = df.get(t) ?? 0;
    return Math.log(1 + (n - k + 0.5) / (k + 0.5));
  };

  return clauses.map((clause) => {
    const text = clause.title ? `${clause.title}\n${clause.text}` : clause.text;
    const language = clause.language ?? detectLanguage(text);
    // Each distinct word counts once: a clause repeating a word does not make it weigh more.
    const tokens = tokenizeWithSurface(text, synonyms);
    const surfaceOf = new Map<string, string>();
    tokens.terms.forEach((t, i) => {
      if (!surfaceOf.has(t)) surfaceOf.set(t, tokens.surfaces[i] ?? t);
    });
    const query = [...surfaceOf.keys()];
    const ceiling = query.reduce((s, t) => s + idf(t) * (BM25_K1 + 1), 0);
    const scored: Candidate[] = [];
    if (ceiling > 0) {
      for (const d of docs) {
        let score = 0;
        const matched: string[] = [];
        for (const t of query) {
          const f = d.tf.get(t);
          if (f === undefined) continue;
          score += (idf(t) * f * (BM25_K1 + 1)) / (f + BM25_K1 * (1 - BM25_B + (BM25_B * d.length) / avgdl));
          matched.push(surfaceOf.get(t) ?? t);
        }
        if (score > 0)
          scored.push({ ref: d.ref, score: round4(score / ceiling), matched: [...new Set(matched)] });
      }
    }
    scored.sort((a, b) => b.score - a.score || compareStrings(a.ref, b.ref));
    const first = scored[0];
    return {
      clause: clause.id,
      language,
      best: first !== undefined && first.score >= threshold ? first : null,
      candidates: scored.slice(0, top),
    };
  });
}

import { describe, expect, it } from 'vitest';
import { DEFAULT_NO_MATCH_THRESHOLD } from '#domain/clauses/match.ts';
import {
  calibrateThreshold,
  figuresAt,
  judgeLabelled,
  loadLabelled,
  runClauseBench,
} from '../../bench/clauses.ts';

describe('clause matching on the labelled set', () => {
  const data = loadLabelled();

  it('has at least 40 clause–evidence pairs in both languages, each from a recorded public template', () => {
    const clauses = data.projects.flatMap((p) => p.clauses);
    expect(clauses.length).toBeGreaterThanOrEqual(40);
    const judged = judgeLabelled(data);
    expect(judged.filter((j) => j.language === 'zh').length).toBeGreaterThanOrEqual(15);
    expect(judged.filter((j) => j.language === 'en').length).toBeGreaterThanOrEqual(15);
    expect(clauses.filter((c) => c.expected.length === 0).length).toBeGreaterThanOrEqual(8);
    for (const t of data.templates) expect(t.url).toMatch(/^https:\/\//);
  });

  it('reaches the 0.8 top-1 target at the default threshold, on all pairs and on the held-out half', () => {
    const r = runClauseBench(data);
    expect(r.all.top1).toBeGreaterThanOrEqual(0.8);
    expect(r.heldOut.top1).toBeGreaterThanOrEqual(0.8);
    expect(r.byLanguage.zh?.top1).toBeGreaterThanOrEqual(0.8);
    expect(r.byLanguage.en?.top1).toBeGreaterThanOrEqual(0.8);
  });

  it('uses the threshold calibrated on the calibration half (to two decimals)', () => {
    expect(calibrateThreshold(judgeLabelled(data))).toBeCloseTo(DEFAULT_NO_MATCH_THRESHOLD, 2);
  });

  it('scores a matcher that always says "no match" as poor, so the figures can fail', () => {
    const judged = judgeLabelled(data);
    const never = figuresAt(judged, 1.01);
    expect(never.top1).toBeLessThan(0.5);
    expect(never.recall).toBe(0);
  });
});

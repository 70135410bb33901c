import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClauseEvidence } from '#domain/clauses/evidence.ts';
import { DEFAULT_NO_MATCH_THRESHOLD, suggestEvidence } from '#domain/clauses/match.ts';

const item = (ref: string, text: string): ClauseEvidence => ({
  ref,
  kind: 'task',
  label: ref,
  text,
  fulfilled: true,
  state: 'done',
});

const evidence: ClauseEvidence[] = [
  item('task:WMS-7', '入库管理模块\n收货、质检、上架，支持条码扫描。'),
  item('task:WMS-8', '出库管理模块\n拣货、复核、发运，支持波次拣货。'),
  item('task:WMS-22', '源代码及技术文档移交\n提交全部源代码、数据库设计文档和部署文档。'),
  item('task:PORT-21', 'Checkout API\nPayment integration with the PSP, 3-D Secure, refunds.'),
  item('task:PORT-41', 'Admin training sessions\nTwo remote sessions for store administrators, recorded.'),
  item('evidence:pilot.pdf', 'acceptance\nPilot store acceptance signed by the client'),
];

describe('suggesting evidence for clauses', () => {
  it('ranks the evidence that fulfils a Chinese clause first, with the words that matched', () => {
    const [s] = suggestEvidence(
      [{ id: '第十条', text: '项目验收后，乙方应向甲方移交全部源代码及技术文档。' }],
      evidence,
    );
    expect(s?.language).toBe('zh');
    expect(s?.best?.ref).toBe('task:WMS-22');
    expect(s?.best?.matched).toEqual(expect.arrayContaining(['移交', '代码', '技术']));
    expect(s?.best?.score).toBeGreaterThanOrEqual(DEFAULT_NO_MATCH_THRESHOLD);
    expect(s?.best?.score).toBeLessThan(1);
  });

  it('ranks the evidence that fulfils an English clause first', () => {
    const [s] = suggestEvidence(
      [
        {
          id: '8.1',
          text: "Training. The Supplier shall train the Buyer's administrators in the use of the portal.",
        },
      ],
      evidence,
    );
    expect(s?.best?.ref).toBe('task:PORT-41');
    expect(s?.language).toBe('en');
  });

  it('says "no match" when the best score is under the threshold, keeping the closest candidates', () => {
    const [s] = suggestEvidence(
      [{ id: '12.1', text: 'Invoices are payable within thirty days; late payment bears interest.' }],
      evidence,
    );
    expect(s?.best).toBeNull();
    expect(s?.candidates[0]?.ref).toBe('task:PORT-21');
    const [lenient] = suggestEvidence(
      [{ id: '12.1', text: 'Invoices are payable within thirty days; late payment bears interest.' }],
      evidence,
      {
        threshold: 0,
      },
    );
    expect(lenient?.best?.ref).toBe('task:PORT-21');
  });

  it('matches a Chinese clause to English evidence through the tenant synonym list only', () => {
    const clause = [{ id: '第十条', text: '试点验收由甲方签字确认。' }];
    expect(suggestEvidence(clause, evidence)[0]?.best).toBeNull();
    const withSynonyms = suggestEvidence(clause, evidence, {
      synonyms: [
        ['acceptance', '验收'],
        ['pilot', '试点'],
        ['signed', '签字确认'],
      ],
    });
    expect(withSynonyms[0]?.best?.ref).toBe('evidence:pilot.pdf');
    expect(withSynonyms[0]?.best?.matched).toEqual(['试点', '验收', '签字确认']);
  });

  it('gives the same suggestions whatever the order of the evidence', () => {
    const clauses = [
      { id: 'a', text: '系统应包括出库管理功能，支持拣货、复核和发货。' },
      { id: 'b', text: 'The checkout accepts card payments with 3-D Secure.' },
      { id: 'c', text: 'Governing law is German law.' },
    ];
    const expected = suggestEvidence(clauses, evidence);
    fc.assert(
      fc.property(fc.shuffledSubarray(evidence, { minLength: evidence.length }), (shuffled) => {
        expect(suggestEvidence(clauses, shuffled)).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { buildSynonyms, detectLanguage, stemEnglish, tokenize } from '#domain/clauses/text.ts';

describe('clause text', () => {
  it('segments Chinese with Intl.Segmenter and adds character bigrams', () => {
    const terms = tokenize('乙方应提交全部源代码及技术文档。');
    expect(terms).toContain('提交');
    expect(terms).toContain('#代码');
    expect(terms).toContain('#文档');
    // Contract boilerplate is dropped: it is in every clause and fulfils none.
    expect(terms).not.toContain('乙方');
    expect(terms).not.toContain('应');
  });

  it('lower-cases and stems English, drops boilerplate and possessives', () => {
    expect(tokenize("The Supplier shall deliver Northwind's wireframes")).toEqual([
      'deliv',
      'northwind',
      'wirefram',
    ]);
    expect(stemEnglish('deliverables')).toBe(stemEnglish('deliverable'));
    expect(stemEnglish('reports')).toBe(stemEnglish('report'));
  });

  it('rewrites synonyms across languages to one term, longest phrase first', () => {
    const synonyms = buildSynonyms([
      ['acceptance', '验收'],
      ['penetration test', 'pentest'],
    ]);
    const zh = tokenize('试点验收', synonyms);
    const en = tokenize('Pilot acceptance signed', synonyms);
    const shared = zh.filter((t) => en.includes(t));
    expect(shared).toHaveLength(1);
    const phrase = tokenize('external penetration test', synonyms);
    expect(phrase).toHaveLength(2);
    const pentest = phrase[1];
    expect(tokenize('pentest remediation', synonyms)).toContain(pentest);
    expect(tokenize('penetration', synonyms)).not.toContain(pentest);
  });

  it('detects the language of a clause', () => {
    expect(detectLanguage('第三条 乙方应交付源代码。')).toBe('zh');
    expect(detectLanguage('Article 4. The Supplier shall deliver the ERP interface.')).toBe('en');
    expect(detectLanguage('系统应支持与ERP系统的接口')).toBe('zh');
  });
});

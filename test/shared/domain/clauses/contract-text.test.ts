import { describe, expect, it } from 'vitest';
import { splitContract } from '#domain/clauses/contract-text.ts';

describe('splitting a contract text by its numbering', () => {
  it('splits Chinese articles 第一条 / 第1.2条, with the heading line as title', () => {
    const clauses = splitContract(`技术开发（委托）合同
第一章 总则
第一条 标的技术
乙方为甲方开发仓储管理系统。
第二条 交付
乙方应在合同生效后九十日内交付全部源代码，
并提交技术文档。
第1.2条 验收标准：系统通过甲方验收测试。
第十二条 保密
双方对知悉的商业秘密负有保密义务。`);
    expect(clauses.map((c) => [c.id, c.title, c.language])).toEqual([
      ['第一条', '标的技术', 'zh'],
      ['第二条', '交付', 'zh'],
      ['第1.2条', undefined, 'zh'],
      ['第十二条', '保密', 'zh'],
    ]);
    expect(clauses[1]?.text).toBe('乙方应在合同生效后九十日内交付全部源代码，并提交技术文档。');
    expect(clauses[2]?.text).toBe('验收标准：系统通过甲方验收测试。');
  });

  it('splits dotted numbers and Articles in Markdown, skipping numbered headings of sub-clauses', () => {
    const clauses = splitContract(`# Statement of Work

## 4 Deliverables

4.1 Research. The Supplier shall deliver a research report.
4.2 The Supplier shall deliver
wireframes for five journeys.
4.2.1 Each wireframe is annotated.

### Article 7 Security
An independent penetration test before go-live.
`);
    expect(clauses.map((c) => [c.id, c.title ?? '', c.text, c.line])).toEqual([
      ['4.1', 'Research', 'The Supplier shall deliver a research report.', 5],
      ['4.2', '', 'The Supplier shall deliver wireframes for five journeys.', 6],
      ['4.2.1', '', 'Each wireframe is annotated.', 8],
      ['Article 7', 'Security', 'An independent penetration test before go-live.', 10],
    ]);
  });

  it('finds nothing in a text without numbering', () => {
    expect(splitContract('Just a letter.\nNo clauses here.')).toEqual([]);
  });
});

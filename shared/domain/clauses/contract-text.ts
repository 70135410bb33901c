import { detectLanguage } from './text.ts';

/**
 * Splits a contract's text (plain text or Markdown) into clauses by its numbering. A clause starts
 * on a line that begins (after Markdown heading or list marks) with one of:
 * `第一条` / `第十二条` / `第1条` / `第1.2条`, `Article 4` / `Section 4.2` / `Clause 7`, or a
 * dotted number `1.2.3` (`1.` alone too) followed by a space. The clause runs to the next such
 * line. A numbered heading with no text of its own whose next clause is its child ("4 Deliverables"
 * before "4.1 …") is a heading, not a clause.
 */

export interface SplitClause {
  readonly id: string;
  readonly title?: string;
  readonly text: string;
  readonly language: 'zh' | 'en';
  /** 1-based line of the clause's number in the file. */
  readonly line: number;
}

const ZH_NUMERAL = '[一二三四五六七八九十百千零〇两\\d.．]+';
const START = new RegExp(
  `^(?:#{1,6}\\s*|[*-]\\s+|\\*\\*)?\\s*(?:(第${ZH_NUMERAL}[条章款])|((?:Article|Section|Clause|ARTICLE|SECTION|CLAUSE)\\s+\\d+(?:\\.\\d+)*)\\.?|(\\d+(?:\\.\\d+)*)\\.?(?=\\s))\\s*(?:\\*\\*)?[:：.、]?\\s*(.*)$`,
);

interface Draft {
  id: string;
  head: string;
  body: string[];
  line: number;
  chapter: boolean;
  /** The number's line can carry a title: 第X条, Article/Section/Clause, or a Markdown heading. */
  titled: boolean;
}

const RUN_IN = /^([A-Z][A-Za-z'’ -]{1,40}?)\.\s+(?=[A-Z])/;

function collapse(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/([\p{Script=Han}，。；：、）」]) (?=[\p{Script=Han}（「])/gu, '$1')
    .trim();
}

/** The clauses of a contract text, in document order (see the module comment for the numbering recognised). */
export function splitContract(text: string): SplitClause[] {
  const drafts: Draft[] = [];
  let current: Draft | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/\*\*/g, '').trimEnd();
    const m = START.exec(line.trim()) ?? START.exec(raw.trim());
    if (m) {
      const zh = m[1];
      const id = (zh ?? m[2] ?? m[3] ?? '').replace(/．/g, '.').replace(/\s+/g, ' ');
      current = {
        id,
        head: (m[4] ?? '').trim(),
        body: [],
        line: index + 1,
        chapter: zh?.endsWith('章') ?? false,
        titled: m[3] === undefined || raw.trim().startsWith('#'),
      };
      drafts.push(current);
    } else if (current && line.trim() !== '') {
      current.body.push(line.trim().replace(/^[*-]\s+/, ''));
    }
  });
  const out: SplitClause[] = [];
  drafts.forEach((d, i) => {
    const next = drafts[i + 1];
    if (d.chapter && d.body.length === 0) return;
    if (d.body.length === 0 && next && next.id.startsWith(`${d.id}.`)) return;
    const hasBody = d.body.length > 0;
    // A short first line followed by a body is the clause's title ("第一条 合同标的").
    let title =
      hasBody && d.titled && d.head !== '' && d.head.length <= 40 && !/[。.;；]$/.test(d.head)
        ? d.head
        : undefined;
    let clauseText = collapse(title ? d.body.join('\n') : [d.head, ...d.body].join('\n'));
    if (clauseText === '') return;
    // A run-in heading ("Insurance. Provider will…"): a few capitalised words and a full stop.
    const runIn = title === undefined ? RUN_IN.exec(clauseText) : null;
    if (runIn?.[1] && runIn[1].split(' ').length <= 5) {
      title = runIn[1];
      clauseText = clauseText.slice(runIn[0].length);
    }
    out.push({
      id: d.id,
      ...(title ? { title } : {}),
      text: clauseText,
      language: detectLanguage(`${title ?? ''} ${clauseText}`),
      line: d.line,
    });
  });
  return out;
}

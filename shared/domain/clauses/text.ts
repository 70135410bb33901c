import type { ClauseLanguage } from './schema.ts';

/**
 * Words of a clause or an evidence text, for matching. Chinese and English are segmented with
 * `Intl.Segmenter` (ICU's dictionary, built into Node: no model download). English words are
 * lower-cased and lightly stemmed; Chinese text adds character bigrams of each run, so a compound
 * the dictionary splits one way in the clause and another way in an issue still meets. Contract
 * boilerplate ("the Supplier shall", "乙方应") is dropped: it is in every clause and fulfils none.
 */

const CJK = /\p{Script=Han}/u;

const EN_STOP = new Set(
  `a about above after all also an and any are as at be been before being between both but by can could
  do does each either for from has have having he her herein hereof hereto hereunder his if in including into
  is it its may more must no not of on or other our out over per party parties said same shall should
  so such than that the their them then there these they this those through to under until upon us
  was we were what when where whether which while who will with within without would you your
  agreement contract contractor supplier client customer vendor provider buyer seller company section
  clause article accordance pursuant applicable respective`.split(/\s+/),
);

const ZH_STOP = new Set(
  `的 了 和 与 及 或 在 由 对 为 向 于 将 把 被 应 应当 须 必须 可 可以 不 得 其 之 等 该 此 本 并 并且 且 如 若 按 按照 依 依据 根据 之内 内 后 前 时 中 上 下 个 方 甲 乙 丙 甲方 乙方 丙方 双方 一方 合同 本合同 协议 本协议 条款 约定 规定 有关 相关 进行 予以 所 以 从 自 至 每 各 上述 下列 如下 第 条 款`.split(
    /\s+/,
  ),
);

const segmenters = new Map<string, Intl.Segmenter>();
function segmenter(locale: string): Intl.Segmenter {
  let s = segmenters.get(locale);
  if (!s) {
    s = new Intl.Segmenter(locale, { granularity: 'word' });
    segmenters.set(locale, s);
  }
  return s;
}

/** 'zh' when at least a fifth of the letters are Han characters, else 'en'. */
export function detectLanguage(text: string): ClauseLanguage {
  let han = 0;
  let letters = 0;
  for (const ch of text) {
    if (CJK.test(ch)) {
      han += 1;
      letters += 1;
    } else if (/\p{L}/u.test(ch)) letters += 1;
  }
  return letters > 0 && han * 5 >= letters ? 'zh' : 'en';
}

/** A light English stemmer: enough to meet "deliverables"/"delivered"/"delivery" halfway, deterministic. */
export function stemEnglish(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  for (const suffix of [
    'ational',
    'ization',
    'ation',
    'ement',
    'ment',
    'ness',
    'able',
    'ible',
    'ing',
    'ed',
    'er',
    'ly',
    'al',
    'y',
    'e',
  ]) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 4) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  return w;
}

/** Raw word segments (lower-cased, boilerplate kept), in text order. */
function segments(text: string): string[] {
  const out: string[] = [];
  for (const part of segmenter('zh').segment(text.normalize('NFKC'))) {
    // "Northwind's" is Northwind: the possessive is not part of the word.
    if (part.isWordLike) out.push(part.segment.toLowerCase().replace(/['’]s$/, ''));
  }
  return out;
}

/** Index form of a segment: the stem of an English word, Chinese words and numbers as they are. */
function stemOf(segment: string): string {
  return CJK.test(segment) || /^\d+$/.test(segment) ? segment : stemEnglish(segment);
}

function isBoilerplate(segment: string): boolean {
  if (CJK.test(segment)) return ZH_STOP.has(segment);
  if (/^\d+$/.test(segment)) return false;
  return EN_STOP.has(segment) || segment.length < 2;
}

/** Characters that only glue a sentence together: a bigram containing one carries no meaning. */
const ZH_GLUE = new Set([...'的了和与及或在应须其之该此并且将把被于向对由为']);

/**
 * Synonyms per tenant: groups of words or phrases that mean the same (across languages too, e.g.
 * "验收" and "acceptance"). Each phrase is segmented like the texts and rewritten to the group's
 * first phrase, longest phrase first.
 */
export interface SynonymTable {
  /** Term sequences (joined by a space) → the canonical term. */
  readonly phrases: ReadonlyMap<string, string>;
  readonly longest: number;
}

/** Builds the lookup for a tenant's synonym groups (the first phrase of each group is its name). */
export function buildSynonyms(groups: readonly (readonly string[])[]): SynonymTable {
  const phrases = new Map<string, string>();
  let longest = 1;
  for (const group of groups) {
    const canonical = group[0];
    if (canonical === undefined) continue;
    const head = rawTerms(canonical).join('_');
    if (head === '') continue;
    for (const phrase of group) {
      const terms = rawTerms(phrase);
      if (terms.length === 0) continue;
      const key = terms.join(' ');
      if (!phrases.has(key)) phrases.set(key, `~${head}`);
      longest = Math.max(longest, terms.length);
    }
  }
  return { phrases, longest };
}

const NO_SYNONYMS: SynonymTable = { phrases: new Map(), longest: 1 };

function rawTerms(text: string): string[] {
  return segments(text).map(stemOf);
}

/** Index terms with the words of the text they stand for (what a person reads as "matched"). */
export interface Tokens {
  readonly terms: readonly string[];
  readonly surfaces: readonly string[];
}

/**
 * The index terms of a text: segmented words (stemmed, synonyms rewritten, boilerplate dropped)
 * plus the character bigrams of each run of Chinese words no synonym rewrote.
 */
export function tokenize(text: string, synonyms: SynonymTable = NO_SYNONYMS): string[] {
  return [...tokenizeWithSurface(text, synonyms).terms];
}

export function tokenizeWithSurface(text: string, synonyms: SynonymTable = NO_SYNONYMS): Tokens {
  const raw = segments(text);
  const stems = raw.map(stemOf);
  const terms: string[] = [];
  const surfaces: string[] = [];
  const push = (term: string, surface: string) => {
    terms.push(term);
    surfaces.push(surface);
  };
  // Chinese words in a row, not rewritten by a synonym: their character bigrams are added.
  let run = '';
  const flush = () => {
    const chars = [...run];
    for (let j = 0; j + 1 < chars.length; j++) {
      const a = chars[j] as string;
      const b = chars[j + 1] as string;
      if (!ZH_STOP.has(a + b) && !ZH_GLUE.has(a) && !ZH_GLUE.has(b)) push(`#${a}${b}`, a + b);
    }
    run = '';
  };
  let i = 0;
  while (i < raw.length) {
    let hit: string | undefined;
    let n = Math.min(synonyms.longest, raw.length - i);
    for (; n >= 1 && synonyms.phrases.size > 0; n--) {
      hit = synonyms.phrases.get(stems.slice(i, i + n).join(' '));
      if (hit !== undefined) break;
    }
    if (hit !== undefined) {
      flush();
      const words = raw.slice(i, i + n);
      push(hit, words.every((w) => CJK.test(w)) ? words.join('') : words.join(' '));
      i += n;
      continue;
    }
    const segment = raw[i] as string;
    if (CJK.test(segment)) run += segment;
    else flush();
    if (!isBoilerplate(segment)) push(stems[i] as string, segment);
    i += 1;
  }
  flush();
  return { terms, surfaces };
}

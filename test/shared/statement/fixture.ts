import { readFileSync } from 'node:fs';
import { parseStatementView, type StatementView } from '#statement/view.ts';

export const FIXTURES = new URL('../../fixtures/statement/', import.meta.url);

/** The fixture statement (software project, Q1, EUR, en). */
export function loadView(): StatementView {
  return parseStatementView(JSON.parse(readFileSync(new URL('view.en.json', FIXTURES), 'utf8')));
}

/** The same statement in zh-CN, in CNY, with Chinese names. */
export function loadChineseView(): StatementView {
  const view = loadView();
  return parseStatementView({
    ...view,
    locale: 'zh-CN',
    currency: 'CNY',
    project: { ...view.project, name: '阿特拉斯手机银行' },
    counterparty: { ...view.counterparty, name: '北方银行股份公司' },
  });
}

/**
 * The statement of the zh-CN demo tenant (`npm start -- --tenant huajian`): ten construction sites in
 * CNY, the view its final statement was rendered from, recorded from a demo run.
 */
export function loadHuajianView(): StatementView {
  return parseStatementView(JSON.parse(readFileSync(new URL('view.huajian.zh-CN.json', FIXTURES), 'utf8')));
}

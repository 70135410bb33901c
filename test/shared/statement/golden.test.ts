import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderStatementHtml } from '#statement/html.ts';
import { renderStatementCsv, STATEMENT_TABLES } from '#statement/tables.ts';
import { FIXTURES, loadChineseView, loadView } from './fixture.ts';

// Set UPDATE_GOLDEN=1 to rewrite the golden files after an intended change, then review the diff.
function expectGolden(name: string, actual: string): void {
  const url = new URL(`golden/${name}`, FIXTURES);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(url, actual);
  expect(actual).toBe(readFileSync(url, 'utf8'));
}

describe('statement golden files', () => {
  it('renders the English HTML statement byte for byte as the golden file', () => {
    expectGolden('statement.en.html', renderStatementHtml(loadView()));
  });

  it('renders the Chinese HTML statement byte for byte as the golden file', () => {
    expectGolden('statement.zh-CN.html', renderStatementHtml(loadChineseView()));
  });

  for (const table of STATEMENT_TABLES)
    it(`renders the ${table} CSV byte for byte as the golden file`, () => {
      expectGolden(`${table}.en.csv`, renderStatementCsv(loadView(), table));
    });

  it('renders the same view to the same HTML twice (charts included)', () => {
    expect(renderStatementHtml(loadView())).toBe(renderStatementHtml(loadView()));
  });
});

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { extractText, getDocumentProxy, getMeta } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { renderStatementPdf } from '#statement/pdf.ts';
import { renderPdfPage } from '../../support/pdf-image.ts';
import { FIXTURES, loadChineseView, loadView } from './fixture.ts';

async function pdfText(bytes: Uint8Array): Promise<{ text: string; pages: number }> {
  const { text, totalPages } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), {
    mergePages: true,
  });
  return { text, pages: totalPages };
}

/** The fonts a PDF embeds, by their PostScript names without the subset tag. */
function embeddedFonts(bytes: Buffer): string[] {
  const names = [...bytes.toString('latin1').matchAll(/\/BaseFont\s*\/(?:[A-Z]{6}\+)?([\w-]+)/g)];
  return [...new Set(names.map((m) => m[1] ?? ''))].sort();
}

const ARTEFACTS = new URL('../../../test-artefacts/pdf/', import.meta.url);

/**
 * Compares a rendered page with its reference PNG; UPDATE_GOLDEN=1 rewrites the reference. The
 * rendered page and a diff image are kept under test-artefacts/pdf/ to look at.
 */
function expectPageLikeReference(name: string, png: Buffer): number {
  const reference = new URL(`golden/${name}`, FIXTURES);
  mkdirSync(ARTEFACTS, { recursive: true });
  writeFileSync(new URL(name, ARTEFACTS), png);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(reference, png);
  const actual = PNG.sync.read(png);
  const expected = PNG.sync.read(readFileSync(reference));
  expect([actual.width, actual.height]).toEqual([expected.width, expected.height]);
  const diff = new PNG({ width: actual.width, height: actual.height });
  const changed = pixelmatch(actual.data, expected.data, diff.data, actual.width, actual.height, {
    threshold: 0.2,
  });
  writeFileSync(new URL(name.replace('.png', '.diff.png'), ARTEFACTS), PNG.sync.write(diff));
  return changed / (actual.width * actual.height);
}

describe('renderStatementPdf', () => {
  it('writes an English PDF whose text reads back: number, totals, chart titles', async () => {
    const pdf = await renderStatementPdf(loadView());
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const { text, pages } = await pdfText(pdf.bytes);
    expect(pages).toBeGreaterThanOrEqual(2);
    for (const expected of [
      'ST-2025-000042',
      '€110,000.00',
      '€110,428.13',
      '€115,187.23',
      '€5,759.36',
      '€109,427.87',
      'Budget vs actual by category',
      'Budget vs actual by role',
      'Milestones: plan vs actual',
      'Net amount due',
    ])
      expect(text).toContain(expected);
  });

  it('writes a Chinese PDF whose labels, names and amounts read back in Chinese', async () => {
    const pdf = await renderStatementPdf(loadChineseView());
    const { text } = await pdfText(pdf.bytes);
    for (const expected of [
      '项目结算单',
      '应付净额',
      '北方银行股份公司',
      '阿特拉斯手机银行',
      '¥109,427.87',
      '按类别预算与实际对比',
      '会计分录',
    ])
      expect(text).toContain(expected);
  });

  it('lists late edits to settled periods in the internal PDF, as the HTML does', async () => {
    const view = loadView();
    const without = await pdfText((await renderStatementPdf(view)).bytes);
    expect(without.text).not.toContain('Late edits to settled periods');
    const pdf = await renderStatementPdf({
      ...view,
      lateEdits: [
        {
          period: '2025-02',
          action: 'carried',
          source: 'toggl',
          record: 'toggl#3310598741',
          change: 'changed',
          before: '1.00 h',
          after: '2.00 h',
        },
      ],
    });
    const { text } = await pdfText(pdf.bytes);
    for (const expected of [
      'Late edits to settled periods',
      '2025-02',
      'toggl#3310598741',
      '1.00 h → 2.00 h',
    ])
      expect(text).toContain(expected);
  });

  it('sets Chinese names in an English statement in the CJK face', async () => {
    const view = loadView();
    const pdf = await renderStatementPdf({
      ...view,
      counterparty: { ...view.counterparty, name: '北方银行' },
    });
    expect((await pdfText(pdf.bytes)).text).toContain('北方银行');
    expect(embeddedFonts(pdf.bytes)).toEqual(['NotoSans-Bold', 'NotoSans-Regular', 'NotoSansSC-Bold']);
  });

  it('embeds only the fonts shipped with the dependencies, never a standard or system font', async () => {
    expect(embeddedFonts((await renderStatementPdf(loadView())).bytes)).toEqual([
      'NotoSans-Bold',
      'NotoSans-Regular',
    ]);
    expect(embeddedFonts((await renderStatementPdf(loadChineseView())).bytes)).toEqual([
      'NotoSansSC-Bold',
      'NotoSansSC-Regular',
    ]);
  });

  it('gives the same bytes for the same statement (dates fixed to the issue date)', async () => {
    const first = await renderStatementPdf(loadChineseView());
    const second = await renderStatementPdf(loadChineseView());
    expect(first.bytes.equals(second.bytes)).toBe(true);
    const { info } = await getMeta(await getDocumentProxy(new Uint8Array(first.bytes)));
    expect(info.CreationDate).toMatch(/^D:20250402000000Z/);
  });

  it('draws the first page of both locales like the reference images (no boxes, no missing text)', async () => {
    for (const [locale, view] of [
      ['en', loadView()],
      ['zh-CN', loadChineseView()],
    ] as const) {
      const pdf = await renderStatementPdf(view);
      const share = expectPageLikeReference(`pdf-page1.${locale}.png`, await renderPdfPage(pdf.bytes, 1));
      expect(share, `${locale}: share of pixels unlike the reference`).toBeLessThan(0.001);
    }
  });
});

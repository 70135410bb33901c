import { extractText, getDocumentProxy, getMeta } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { renderStatementPdf } from '#statement/pdf.ts';
import { loadChineseView, loadView } from './fixture.ts';

async function pdfText(bytes: Uint8Array): Promise<{ text: string; pages: number }> {
  const { text, totalPages } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), {
    mergePages: true,
  });
  return { text, pages: totalPages };
}

describe('renderStatementPdf', () => {
  it('writes a PDF whose text holds the number, the totals and the chart titles', async () => {
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

  it('gives the same bytes for the same statement (dates fixed to the issue date)', async () => {
    const first = await renderStatementPdf(loadView());
    const second = await renderStatementPdf(loadView());
    expect(first.bytes.equals(second.bytes)).toBe(true);
    const { info } = await getMeta(await getDocumentProxy(new Uint8Array(first.bytes)));
    expect(info.CreationDate).toMatch(/^D:20250402000000Z/);
  });

  it('falls back to English labels for zh-CN when no CJK font is installed, and says so', async () => {
    const pdf = await renderStatementPdf(loadChineseView(), { fontDirectories: ['/nonexistent'] });
    expect(pdf.cjkFallback).toBe(true);
    expect(pdf.labelLocale).toBe('en');
    const { text } = await pdfText(pdf.bytes);
    expect(text).toContain('Net amount due');
    expect(text).toContain('¥109,427.87');
    expect(text).toContain('No CJK font is installed');
  });

  it('writes zh-CN labels with an explicitly given CJK font', async () => {
    const fonts = await renderStatementPdf(loadView());
    // A Latin font stands in for a CJK one: the point is that the labels switch to zh-CN.
    const pdf = await renderStatementPdf(loadChineseView(), { cjkFontPath: fonts.font });
    expect(pdf.cjkFallback).toBe(false);
    expect(pdf.labelLocale).toBe('zh-CN');
  });
});

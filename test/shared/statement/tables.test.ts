import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { renderStatementCsv, renderStatementXlsx } from '#statement/tables.ts';
import { loadChineseView, loadView } from './fixture.ts';

describe('CSV export', () => {
  it('follows RFC 4180 with a UTF-8 BOM: CRLF, quoted commas and doubled quotes', () => {
    const csv = renderStatementCsv(loadView(), 'lines');
    expect(csv.startsWith('\uFEFFCategory,Description,')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.split('\r\n')).toHaveLength(12);
    expect(csv).toContain('Other,"Travel, Berlin ""kick-off""",,,,,890.40,EUR');
  });

  it('neutralises text that a spreadsheet would run as a formula', () => {
    const view = loadView();
    const lines = [
      { ...view.lines[0], category: 'other' as const, description: '=HYPERLINK("x")', amount: '-1.00' },
    ];
    const csv = renderStatementCsv({ ...view, lines }, 'lines');
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csv).toContain(',-1.00,');
  });

  it('writes Chinese headers for a zh-CN statement', () => {
    expect(renderStatementCsv(loadChineseView(), 'billing')).toContain(
      '说明,计费依据,数量,单价,金额,原因,币种',
    );
  });
});

describe('XLSX export', () => {
  it('holds the lines, variance, billing and journal sheets with exact amounts', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(await renderStatementXlsx(loadView())).buffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([
      'lines',
      'variance',
      'billing',
      'journal',
    ]);

    const lines = workbook.getWorksheet('lines');
    expect(lines?.rowCount).toBe(11);
    expect(lines?.getRow(1).getCell(2).value).toBe('Description');
    expect(lines?.getRow(2).getCell(7).value).toBe(30400);
    expect(lines?.getRow(2).getCell(7).numFmt).toBe('#,##0.00');
    const amounts = [] as number[];
    lines?.eachRow((row, index) => {
      if (index > 1) amounts.push(row.getCell(7).value as number);
    });
    expect(amounts.reduce((a, b) => a + b * 100, 0) / 100).toBeCloseTo(110428.13, 2);

    const journal = workbook.getWorksheet('journal');
    expect(journal?.getRow(4).getCell(6).value).toBe(115187.23);
    expect(workbook.getWorksheet('variance')?.getRow(4).getCell(8).value).toBe(
      'Additional test devices for Android 15',
    );
    expect(workbook.getWorksheet('billing')?.getRow(7).getCell(5).value).toBe(-1000);
  });

  it('keeps an amount as text rather than round it when a number cannot hold it', async () => {
    const view = loadView();
    const lines = [{ category: 'other' as const, description: 'Huge', amount: '12345678901234567.89' }];
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(await renderStatementXlsx({ ...view, lines })).buffer);
    expect(workbook.getWorksheet('lines')?.getRow(2).getCell(7).value).toBe('12345678901234567.89');
  });
});

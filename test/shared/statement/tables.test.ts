import ExcelJS from 'exceljs';
import { describe, expect, it, vi } from 'vitest';
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
  it('is the same bytes whenever it is written: every ZIP entry is dated the issue date, not the time of writing', async () => {
    const view = loadView();
    const first = renderStatementXlsx(view);
    vi.useFakeTimers({ now: new Date('2031-07-04T13:14:16Z'), toFake: ['Date'] });
    try {
      expect(renderStatementXlsx(view).equals(first)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
    // Central directory: every entry's DOS date is the issue date, its time midnight.
    const end = first.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const issued = new Date(`${view.issueDate}T00:00:00Z`);
    const dosDate =
      ((issued.getUTCFullYear() - 1980) << 9) | ((issued.getUTCMonth() + 1) << 5) | issued.getUTCDate();
    let entry = first.readUInt32LE(end + 16);
    const dates: Array<[number, number]> = [];
    for (let n = 0; n < first.readUInt16LE(end + 10); n += 1) {
      dates.push([first.readUInt16LE(entry + 12), first.readUInt16LE(entry + 14)]);
      entry +=
        46 + first.readUInt16LE(entry + 28) + first.readUInt16LE(entry + 30) + first.readUInt16LE(entry + 32);
    }
    expect(dates.length).toBeGreaterThan(5);
    expect(new Set(dates.map(([time, date]) => `${time}/${date}`))).toEqual(new Set([`0/${dosDate}`]));
  });

  it('holds the lines, variance, billing and journal sheets with exact amounts', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(renderStatementXlsx(loadView())).buffer);
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
    await workbook.xlsx.load(new Uint8Array(renderStatementXlsx({ ...view, lines })).buffer);
    expect(workbook.getWorksheet('lines')?.getRow(2).getCell(7).value).toBe('12345678901234567.89');
  });
});

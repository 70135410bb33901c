import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTable, readXlsx } from '#connectors/tabular.ts';
import { isDateFormat } from '#connectors/xlsx-reader.ts';
import { handWrittenWorkbook, readXlsxWithExceljs, zipOf } from './xlsx-support.ts';

function xlsxFilesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return xlsxFilesUnder(path);
    return name.endsWith('.xlsx') ? [path] : [];
  });
}

async function sheetNames(bytes: Uint8Array): Promise<string[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
  return workbook.worksheets.map((sheet) => sheet.name);
}

/** Both readers, on the first sheet and on every sheet by name; the tables must be equal. */
async function expectSameAsExceljs(bytes: Uint8Array, sheets: readonly (string | undefined)[] = [undefined]) {
  for (const sheet of sheets) {
    const expected = await readXlsxWithExceljs(bytes, sheet);
    expect(await readXlsx(bytes, sheet), `sheet ${sheet ?? '(first)'}`).toEqual(expected);
  }
}

async function written(fill: (workbook: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  fill(workbook);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

const handWritten = (book: Parameters<typeof handWrittenWorkbook>[0], stored = false) =>
  zipOf(handWrittenWorkbook(book), { stored });

/** The texts of each body row, for the tests that state what a sheet must read as. */
async function bodyTexts(bytes: Uint8Array, sheet?: string): Promise<string[][]> {
  const table = await readXlsx(bytes, sheet);
  expect(table.failure).toBeUndefined();
  return table.rows.map((row) => Object.values(row.raw));
}

describe('readXlsx reads what exceljs read', () => {
  const files = [...xlsxFilesUnder('demo'), ...xlsxFilesUnder('test/fixtures')];

  it('finds the workbooks in the repository (the demo and the real export)', () => {
    expect(files).toContain(join('demo', 'huajian', 'material-requisitions.xlsx'));
    expect(files).toContain(
      join('test', 'fixtures', 'real', 'avanti', 'cityssm-avanti-time-data-report.xlsx'),
    );
  });

  it.each(files)('reads %s, every sheet, as exceljs did', async (file) => {
    const bytes = new Uint8Array(readFileSync(file));
    const names = await sheetNames(bytes);
    expect(names.length).toBeGreaterThan(0);
    await expectSameAsExceljs(bytes, [undefined, ...names]);
    expect((await readXlsx(bytes)).rows.length).toBeGreaterThan(0);
  });

  it('reads the Avanti time data report: dates as headers, hours per day, both sheets by name', async () => {
    const bytes = new Uint8Array(
      readFileSync('test/fixtures/real/avanti/cityssm-avanti-time-data-report.xlsx'),
    );
    const entered = await readXlsx(bytes);
    const approved = await readXlsx(bytes, 'Approved Time Data');
    const first = entered.rows[0];
    expect(first?.position).toBe('row 2');
    expect(first?.cells).toMatchObject({
      empno: '12345',
      name: 'MARIO, MARIO',
      code: 'REG',
      '20240108': '7',
    });
    expect(Object.keys(first?.raw ?? {})).toContain('2024-01-20');
    expect(approved.rows.map((row) => row.cells.totalhours).filter(Boolean).length).toBeGreaterThan(0);
  });

  it('reads dates, date-times and times in the 1900 and the 1904 date system', async () => {
    for (const date1904 of [false, true]) {
      const bytes = await written((workbook) => {
        workbook.properties.date1904 = date1904;
        const sheet = workbook.addWorksheet('Zeiten');
        sheet.addRow(['Datum', 'Beginn', 'Ende', 'Uhrzeit', 'Monat']);
        sheet.addRow([
          new Date(Date.UTC(2026, 9, 5)),
          new Date(Date.UTC(2026, 9, 5, 8, 30)),
          new Date(Date.UTC(2026, 9, 5, 17, 45, 59)),
          0.5,
          new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)),
        ]);
        sheet.addRow([new Date(Date.UTC(1900, 0, 1)), new Date(Date.UTC(1904, 0, 1)), 1, 60, 61]);
        sheet.getColumn(2).numFmt = 'yyyy-mm-dd hh:mm';
        sheet.getColumn(3).numFmt = 'dd.mm.yyyy hh:mm:ss';
        sheet.getColumn(4).numFmt = 'hh:mm';
        sheet.getColumn(5).numFmt = '[$-409]mmmm yyyy;@';
      });
      await expectSameAsExceljs(bytes);
      expect((await bodyTexts(bytes))[0]?.slice(0, 3)).toEqual([
        '2026-10-05',
        '2026-10-05 08:30:00',
        '2026-10-05 17:45:59',
      ]);
    }
  });

  it('reads formulas by their cached results, shared formulas included', async () => {
    const bytes = await written((workbook) => {
      const sheet = workbook.addWorksheet('Formeln');
      sheet.addRow(['Menge', 'Preis', 'Betrag', 'Text', 'Wahr', 'Fehler', 'Datum']);
      sheet.addRow([
        2,
        3.5,
        { formula: 'A2*B2', result: 7 },
        { formula: 'TEXT(A2,"0")&"x"', result: '2x' },
        { formula: 'A2>1', result: true },
        { formula: '1/0', result: { error: '#DIV/0!' } },
        { formula: 'DATE(2026,10,5)', result: new Date(Date.UTC(2026, 9, 5)) },
      ]);
      sheet.addRow([4, 1.25, { sharedFormula: 'C2', result: 5 }, null, null, null, null]);
      // exceljs writes a shared formula's master from these fields, which its typings leave out.
      sheet.getCell('C2').value = {
        formula: 'A2*B2',
        result: 7,
        shareType: 'shared',
        ref: 'C2:C3',
      } as ExcelJS.CellValue;
    });
    await expectSameAsExceljs(bytes);
    expect(await bodyTexts(bytes)).toEqual([
      ['2', '3.5', '7', '2x', 'true', '', '2026-10-05'],
      ['4', '1.25', '5', '', '', '', ''],
    ]);
  });

  it('reads shared and rich text, booleans, errors, numbers as JavaScript prints them, and Chinese', async () => {
    const bytes = await written((workbook) => {
      const sheet = workbook.addWorksheet('材料');
      sheet.addRow(['名称', '数量', '备注', '布尔', '错误']);
      sheet.addRow([
        'C30 商品混凝土',
        1e21,
        { richText: [{ text: '加急', font: { bold: true } }, { text: ' 送达' }] },
        true,
        { error: '#N/A' },
      ]);
      sheet.addRow(['C30 商品混凝土', 0.1 + 0.2, '  前后空格  ', false, null]);
      sheet.addRow(['钢筋', -0, 'a & b < c', 1e-7, 123456789012345680000]);
      sheet.addRow(['x', -1.5, 'Zeile\nzwei', Number.MAX_SAFE_INTEGER, 5e-324]);
    });
    await expectSameAsExceljs(bytes);
    expect((await bodyTexts(bytes)).map((row) => row.slice(0, 4))).toEqual([
      ['C30 商品混凝土', '1e+21', '加急 送达', 'true'],
      ['C30 商品混凝土', '0.30000000000000004', '  前后空格  ', 'false'],
      ['钢筋', '0', 'a & b < c', '1e-7'],
      ['x', '-1.5', 'Zeile\nzwei', '9007199254740991'],
    ]);
  });

  it('skips empty rows, starts at the first non-empty one, and pads rows to the widest', async () => {
    const bytes = await written((workbook) => {
      const sheet = workbook.addWorksheet('Sparse');
      sheet.getCell('C4').value = 'Projekt';
      sheet.getCell('E4').value = 'Stunden';
      sheet.getCell('C6').value = 'atlas';
      sheet.getCell('E6').value = 7.5;
      sheet.getCell('H9').value = 'spät';
      sheet.getCell('K12').style = { font: { bold: true } };
      sheet.getCell('B11').style = {
        fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFFF00' } },
      };
      sheet.getCell('C11').value = 'beta';
    });
    await expectSameAsExceljs(bytes);
    const table = await readXlsx(bytes);
    expect(table.rows.map((row) => row.position)).toEqual(['row 6', 'row 9', 'row 11']);
    // H9 widens the sheet to eight columns; the columns without a header share the key '' (the last wins).
    expect(table.rows[1]?.raw).toEqual({ '': 'spät', Projekt: '', Stunden: '' });
  });

  it('reads merged ranges as exceljs did: every cell of the range shows the top-left value', async () => {
    const bytes = await written((workbook) => {
      const sheet = workbook.addWorksheet('Merged');
      sheet.addRow(['Projekt', 'Woche', 'Stunden', 'Summe']);
      sheet.addRow(['atlas', 'KW 41', 8]);
      sheet.addRow([null, null, 6]);
      sheet.addRow([null, null, 7]);
      sheet.mergeCells('A2:A4');
      sheet.mergeCells('D2:D4');
      sheet.getCell('D2').value = { formula: 'SUM(C2:C4)', result: 21 };
      sheet.mergeCells('B6:C7');
    });
    await expectSameAsExceljs(bytes);
    expect((await bodyTexts(bytes)).map((row) => row[0])).toEqual(['atlas', 'atlas', 'atlas']);
  });

  it('selects a sheet by name among several, and says which one is missing', async () => {
    const bytes = await written((workbook) => {
      for (const name of ['Übersicht', 'Zeiten 2026', '成本']) {
        const sheet = workbook.addWorksheet(name);
        sheet.addRow(['Blatt', 'Wert']);
        sheet.addRow([name, name.length]);
      }
    });
    await expectSameAsExceljs(bytes, [undefined, 'Übersicht', 'Zeiten 2026', '成本', 'zeiten 2026', 'Fehlt']);
    expect((await bodyTexts(bytes, '成本'))[0]).toEqual(['成本', '2']);
    expect(await readXlsx(bytes, 'Fehlt')).toEqual({ rows: [], failure: 'worksheet Fehlt not found' });
  });

  it('reads hyperlinked text, a header-only sheet and an empty sheet as exceljs did', async () => {
    const bytes = await written((workbook) => {
      const links = workbook.addWorksheet('Links');
      links.addRow(['Beleg', 'Betrag']);
      links.addRow([{ text: 'RE-2026-17', hyperlink: 'https://example.com/re-2026-17' }, 12]);
      workbook.addWorksheet('Kopf').addRow(['Nur', 'Kopf']);
      workbook.addWorksheet('Leer');
    });
    await expectSameAsExceljs(bytes, [undefined, 'Kopf', 'Leer']);
    expect(await readXlsx(bytes, 'Leer')).toEqual({ rows: [] });
  });

  it('reads hand-written SpreadsheetML as exceljs did: inline strings, escapes, phonetic runs, stored entries', async () => {
    const book = {
      sharedStrings: [
        '<t>Datum</t>',
        '<t xml:space="preserve"> Betrag </t>',
        '<r><rPr><b/></rPr><t>Zeile_x000D_</t></r><r><t xml:space="preserve"> eins</t></r>',
        '<t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh>',
        '<t>Fish &amp; Chips &#8364; &#x4e2d;</t>',
        '<t><![CDATA[]]></t>',
      ],
      styles:
        '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/><numFmt numFmtId="165" formatCode="&quot;Tag&quot; 0"/><numFmt numFmtId="166" formatCode="[Red]0.00"/></numFmts>' +
        '<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="22"/></cellXfs>',
      sheets: {
        Handschrift: `<sheetData>
          <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>Notiz</t></is></c><c t="s"><v>2</v></c><c t="s"><v>3</v></c></row>
          <row r="3"><c r="A3" s="2"><v>46300</v></c><c r="B3" s="3"><v>12.5</v></c><c r="C3" t="inlineStr"><is><r><t>rich</t></r><r><rPr><i/></rPr><t xml:space="preserve"> inline</t></r></is></c><c r="D3" s="4"><v>3.25</v></c><c r="E3" t="s"><v>4</v></c></row>
          <row r="2"><c r="A2" s="1"><v>46299.75</v></c><c r="B2" t="str"><v>computed</v></c><c r="C2" t="b"><v>0</v></c><c r="D2" s="5"><v>46299.5</v></c><c r="E2" t="e"><v>#REF!</v></c><c r="F2" s="1"/></row>
          <row r="4"><c r="A4" t="s"><v>5</v></c><c r="B4"><v>  7 </v></c></row>
        </sheetData>`,
      },
    };
    for (const stored of [false, true]) await expectSameAsExceljs(handWritten(book, stored));
    expect(await bodyTexts(handWritten(book))).toEqual([
      ['2026-10-04 18:00:00', 'computed', 'false', '2026-10-04 12:00:00', '', ''],
      ['2026-10-05', '12.5', 'rich inline', '3.25', 'Fish & Chips € 中', ''],
      ['', '7', '', '', '', ''],
    ]);
    // The styled empty F2 adds a sixth column, without a header.
    const header = Object.keys((await readXlsx(handWritten(book))).rows[0]?.raw ?? {});
    expect(header).toEqual(['Datum', 'Betrag', 'Notiz', 'Zeile\r eins', '東京', '']);
  });
});

/** A cell value exceljs writes and both readers must read alike. */
const cellValue: fc.Arbitrary<ExcelJS.CellValue> = fc.oneof(
  fc.constant(null),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(' ', '日期', '金额 ', '_x0041_', 'a&amp;b', '<t>', '1,150.00', '0042'),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.boolean(),
  fc.date({ min: new Date(Date.UTC(1900, 2, 1)), max: new Date(Date.UTC(2200, 0, 1)), noInvalidDate: true }),
  fc.constantFrom<ExcelJS.CellValue>({ error: '#N/A' }, { error: '#DIV/0!' }, { error: '#VALUE!' }),
  fc.array(fc.string({ unit: 'grapheme', maxLength: 5 }), { minLength: 1, maxLength: 3 }).map((parts) => ({
    richText: parts.map((text, i) => (i % 2 ? { text, font: { italic: true } } : { text })),
  })),
  fc
    .oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => n !== 0),
      fc.stringMatching(/^[A-Za-z0-9 .,-]{1,10}$/),
      fc.constant(true),
      fc.date({
        min: new Date(Date.UTC(1950, 0, 1)),
        max: new Date(Date.UTC(2100, 0, 1)),
        noInvalidDate: true,
      }),
    )
    .map((result) => ({ formula: 'NOW()', result }) as ExcelJS.CellValue),
  fc
    .constantFrom('https://example.com/a', 'mailto:x@example.com')
    .map((hyperlink) => ({ text: 'link', hyperlink })),
);

const numberFormat = fc.constantFrom(
  undefined,
  '0.00',
  'yyyy-mm-dd',
  'hh:mm:ss',
  '#,##0 "h"',
  '@',
  'd.m.yy h:mm',
  '[h]:mm',
);

/**
 * exceljs made a date of a formula's text or boolean result in a date-formatted cell, and threw on a
 * serial number beyond JavaScript's dates; this reader keeps both as they are (tests below), so the
 * random sheets do not give such cells a date format.
 */
function exceljsMisreadsAsDate(value: ExcelJS.CellValue): boolean {
  const result = value && typeof value === 'object' && 'result' in value ? value.result : value;
  if (typeof result === 'string' || typeof result === 'boolean') return value !== result;
  return typeof result === 'number' && Math.abs(result) > 1e8;
}

describe('readXlsx on random sheets', () => {
  it('reads every grid exceljs writes as exceljs reads it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(fc.record({ value: cellValue, format: numberFormat, styled: fc.boolean() }), {
            maxLength: 6,
          }),
          {
            maxLength: 8,
          },
        ),
        fc.boolean(),
        async (grid, date1904) => {
          const bytes = await written((workbook) => {
            workbook.properties.date1904 = date1904;
            const sheet = workbook.addWorksheet('Zufall');
            grid.forEach((row, r) => {
              row.forEach(({ value, format, styled }, c) => {
                const cell = sheet.getCell(r + 1, c + 1);
                cell.value = value;
                if (format && !(isDateFormat(format) && exceljsMisreadsAsDate(value))) cell.numFmt = format;
                if (styled) cell.font = { bold: true };
              });
            });
          });
          await expectSameAsExceljs(bytes);
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe('readXlsx where exceljs was wrong', () => {
  it('reads formulas whose cached value is 0, FALSE or empty, and formulas never calculated', async () => {
    const bytes = handWritten({
      sheets: {
        F: `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c><c r="C1" t="inlineStr"><is><t>c</t></is></c><c r="D1" t="inlineStr"><is><t>d</t></is></c></row>
          <row r="2"><c r="A2"><f>1-1</f><v>0</v></c><c r="B2" t="b"><f>1&gt;2</f><v>0</v></c><c r="C2" t="str"><f>""</f><v></v></c><c r="D2"><f>NOW()</f></c></row></sheetData>`,
      },
    });
    expect((await readXlsxWithExceljs(bytes)).rows[0]?.cells.a).toBe('[object Object]');
    expect(await bodyTexts(bytes)).toEqual([['0', 'false', '', '']]);
  });

  it('reads a text or error result in a date-formatted cell as text (exceljs threw on it)', async () => {
    const bytes = handWritten({
      sheets: {
        F: `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Datum</t></is></c></row><row r="2"><c r="A2" s="1" t="str"><f>TEXT(NOW(),"yyyy")</f><v>2026</v></c></row><row r="3"><c r="A3" s="1" t="e"><f>1/0</f><v>#DIV/0!</v></c></row></sheetData>`,
      },
    });
    await expect(readXlsxWithExceljs(bytes)).rejects.toThrow(RangeError);
    expect(await bodyTexts(bytes)).toEqual([['2026']]);
  });

  it('reads a serial number beyond the range of dates as the number (exceljs threw)', async () => {
    const bytes = handWritten({
      sheets: {
        N: '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Datum</t></is></c></row><row r="2"><c r="A2" s="1"><v>-1000000000</v></c></row></sheetData>',
      },
    });
    await expect(readXlsxWithExceljs(bytes)).rejects.toThrow(RangeError);
    expect(await bodyTexts(bytes)).toEqual([['-1000000000']]);
  });

  it('reads ISO dates (t="d"), CJK built-in date formats and upper-case date tokens as dates', async () => {
    const bytes = handWritten({
      styles:
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="YYYY/DD"/><numFmt numFmtId="165" formatCode="0.0\\h"/></numFmts>' +
        '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="31"/><xf numFmtId="57"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs>',
      sheets: {
        D: `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>iso</t></is></c><c r="B1" t="inlineStr"><is><t>年月日</t></is></c><c r="C1" t="inlineStr"><is><t>年月</t></is></c><c r="D1" t="inlineStr"><is><t>upper</t></is></c><c r="E1" t="inlineStr"><is><t>hours</t></is></c></row>
          <row r="2"><c r="A2" t="d"><v>2026-10-05T08:30:00</v></c><c r="B2" s="1"><v>46300</v></c><c r="C2" s="2"><v>46300</v></c><c r="D2" s="3"><v>46300</v></c><c r="E2" s="4"><v>2.5</v></c></row>
          <row r="3"><c r="A3" t="d"><v>2026-10-05</v></c></row></sheetData>`,
      },
    });
    expect((await readXlsxWithExceljs(bytes)).rows[0]?.cells).toMatchObject({
      iso: '2026',
      年月日: '46300',
      hours: '1900-01-01 12:00:00',
    });
    expect(await bodyTexts(bytes)).toEqual([
      ['2026-10-05 08:30:00', '2026-10-05', '2026-10-05', '2026-10-05', '2.5'],
      ['2026-10-05', '', '', '', ''],
    ]);
  });

  it('numbers rows and cells without an r attribute after the previous ones (exceljs refused the file)', async () => {
    const bytes = handWritten({
      sheets: {
        R: `<sheetData><row><c t="inlineStr"><is><t>Projekt</t></is></c><c t="inlineStr"><is><t>Stunden</t></is></c></row><row><c t="inlineStr"><is><t>atlas</t></is></c><c><v>8</v></c></row><row r="5"><c r="B5"><v>2</v></c></row><row><c><v>3</v></c></row></sheetData>`,
      },
    });
    expect((await readXlsxWithExceljs(bytes)).failure).toMatch(/^not readable as XLSX: /);
    const table = await readXlsx(bytes);
    expect(table.rows.map((row) => [row.position, row.cells.projekt, row.cells.stunden])).toEqual([
      ['row 2', 'atlas', '8'],
      ['row 5', '', '2'],
      ['row 6', '3', ''],
    ]);
  });

  it('finds parts through the relationships, reads prefixed elements and date1904="true"', async () => {
    const files = handWrittenWorkbook({
      workbookPr: '<workbookPr date1904="true"/>',
      sheets: {
        P: '<x:sheetData xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Datum</x:t></x:is></x:c></x:row><x:row r="2"><x:c r="A2" s="1"><x:v>0</x:v></x:c></x:row></x:sheetData>',
      },
    });
    const moved: Record<string, string> = {};
    for (const [name, content] of Object.entries(files)) {
      moved[name.replace('worksheets/sheet1.xml', 'worksheets/Daten.xml')] = content.replace(
        'worksheets/sheet1.xml',
        '/xl/worksheets/Daten.xml',
      );
    }
    const bytes = zipOf(moved);
    expect((await readXlsxWithExceljs(bytes)).failure).toBe('worksheet 1 not found');
    expect(await bodyTexts(bytes)).toEqual([['1904-01-01']]);
  });

  it('reads a hyperlinked cell as its value, an empty linked cell and an empty shared string as empty', async () => {
    const files = handWrittenWorkbook({
      sharedStrings: ['<t>Datum</t>', '<t>Beleg</t>', '<t>Notiz</t>', ''],
      sheets: {
        L: `<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>
          <row r="2"><c r="A2" s="1"><v>46300</v></c><c r="B2" t="s"><v>3</v></c></row><row r="3"><c r="C3" s="2"/></row></sheetData>
          <hyperlinks><hyperlink ref="A2" r:id="rId1"/><hyperlink ref="C3" r:id="rId1"/></hyperlinks>`,
      },
    });
    files['xl/worksheets/_rels/sheet1.xml.rels'] =
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.com/beleg" TargetMode="External"/></Relationships>';
    const bytes = zipOf(files);
    const before = await readXlsxWithExceljs(bytes);
    // Date.prototype.toString, in the machine's time zone.
    expect(before.rows[0]?.cells.datum).toMatch(/^\w{3} \w{3} \d{2} 2026 \d{2}:\d{2}:\d{2} GMT/);
    expect(before.rows[0]?.cells.beleg).toBe('[object Object]');
    expect(before.rows[1]?.cells.notiz).toBe('undefined');
    expect(await bodyTexts(bytes)).toEqual([['2026-10-05', '', '']]);
  });

  it('tells date formats from others as a person reading the format code would', () => {
    expect(
      ['yyyy-mm-dd', 'd.m.yy h:mm', '[h]:mm:ss', 'YYYY"年"M"月"', 'mmm-yy', 'hh:mm AM/PM'].map(isDateFormat),
    ).toEqual(Array(6).fill(true));
    expect(
      [
        '0.00',
        '#,##0 "hrs"',
        '[Red]0.00',
        '0.0\\h',
        '_-* #,##0.00\\ _€_-',
        '[$-409]General',
        'General',
        '@',
        '0.00E+00',
      ].map(isDateFormat),
    ).toEqual(Array(9).fill(false));
  });
});

describe('readXlsx on files that are not readable workbooks', () => {
  it('says a truncated archive is not readable, as exceljs did', async () => {
    const bytes = await written((workbook) => workbook.addWorksheet('A').addRow(['x']));
    for (const cut of [bytes.length - 10, Math.floor(bytes.length / 2), 30]) {
      const truncated = bytes.subarray(0, cut);
      expect((await readXlsxWithExceljs(truncated)).failure).toMatch(/^not readable as XLSX: /);
      expect((await readXlsx(truncated)).failure).toMatch(
        /^not readable as XLSX: .*(truncated|end of central directory)/,
      );
    }
  });

  it('says a password-protected workbook or a legacy .xls is not readable, and how to save it', async () => {
    // Excel saves an encrypted .xlsx, and any .xls, as an OLE2 compound file: its header, then sectors.
    const header = Buffer.alloc(512);
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header);
    header.writeUInt16LE(0x003e, 24);
    header.writeUInt16LE(0x0003, 26);
    header.writeUInt16LE(0xfffe, 28);
    const file = new Uint8Array(Buffer.concat([header, Buffer.from('EncryptedPackage\u0000'.repeat(20))]));
    expect(await readTable(file)).toEqual({
      rows: [],
      failure: expect.stringMatching(
        /^a password-protected workbook or a legacy \.xls file .*save it in Excel as \.xlsx/,
      ),
    });
  });

  it('says bytes that only start like a ZIP are not readable', async () => {
    const bytes = new Uint8Array([
      0x50,
      0x4b,
      0x03,
      0x04,
      ...Buffer.from('not really a zip archive, just text'),
    ]);
    expect((await readXlsxWithExceljs(bytes)).failure).toMatch(/^not readable as XLSX: /);
    expect(await readXlsx(bytes)).toEqual({
      rows: [],
      failure: 'not readable as XLSX: no end of central directory record (truncated, or not a ZIP archive)',
    });
  });

  it('says a ZIP without a workbook holds no workbook', async () => {
    const bytes = zipOf({ 'word/document.xml': '<w:document xmlns:w="urn:w"/>' });
    expect((await readXlsxWithExceljs(bytes)).failure).toBe('worksheet 1 not found');
    expect(await readXlsx(bytes)).toEqual({
      rows: [],
      failure: 'not readable as XLSX: the archive holds no workbook (xl/workbook.xml)',
    });
  });

  it('names the part whose XML is broken, a shared string that does not exist, and a corrupt entry', async () => {
    const broken = handWrittenWorkbook({
      sheets: { A: '<sheetData><row r="1"><c r="A1"><v>1</v></row></sheetData>' },
    });
    expect((await readXlsx(zipOf(broken))).failure).toBe(
      'not readable as XLSX: xl/worksheets/sheet1.xml: end tag </row> does not match <c>',
    );
    const missing = handWritten({
      sheets: { A: '<sheetData><row r="1"><c r="A1" t="s"><v>7</v></c></row></sheetData>' },
    });
    expect((await readXlsx(missing)).failure).toBe(
      'not readable as XLSX: cell A1 refers to shared string 7, which does not exist',
    );
    const entity = handWritten({ sheets: { A: '<!DOCTYPE x [<!ENTITY e "boom">]><sheetData/>' } });
    expect((await readXlsx(entity)).failure).toBe(
      'not readable as XLSX: xl/worksheets/sheet1.xml: document type declarations are not allowed',
    );
    const corrupt = zipOf(handWrittenWorkbook({ sheets: { A: '<sheetData/>' } }));
    const at = Buffer.from(corrupt).indexOf('xl/workbook.xml') + 'xl/workbook.xml'.length;
    corrupt.fill(0xff, at, at + 8);
    expect((await readXlsx(corrupt)).failure).toMatch(
      /^not readable as XLSX: xl\/workbook\.xml (does not inflate|inflates to)/,
    );
  });

  it('refuses encrypted entries and ZIP64 archives by name', async () => {
    const encrypted = zipOf(handWrittenWorkbook({ sheets: { A: '<sheetData/>' } }));
    const central = Buffer.from(encrypted).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    encrypted[central + 8] = (encrypted[central + 8] ?? 0) | 1;
    expect((await readXlsx(encrypted)).failure).toBe(
      'not readable as XLSX: encrypted entries are not supported ([Content_Types].xml)',
    );
    const zip64 = zipOf({ a: 'b' });
    const view = new DataView(zip64.buffer, zip64.byteOffset, zip64.byteLength);
    view.setUint16(zip64.length - 22 + 10, 0xffff, true);
    expect((await readXlsx(zip64)).failure).toBe('not readable as XLSX: ZIP64 archives are not supported');
  });
});

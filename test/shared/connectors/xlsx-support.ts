import { crc32, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import type { Table } from '#connectors/tabular.ts';
import { normaliseHeader } from '#connectors/tabular.ts';

/**
 * The importer's XLSX reading as it was before it had its own reader (exceljs `load`, `eachRow`
 * without empty rows, `columnCount` cells per row): the reference the new reader is held to.
 */
export async function readXlsxWithExceljs(bytes: Uint8Array, sheet?: string): Promise<Table> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
  } catch (error) {
    return {
      rows: [],
      failure: `not readable as XLSX: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const worksheet = sheet === undefined ? workbook.worksheets[0] : workbook.getWorksheet(sheet);
  if (!worksheet) return { rows: [], failure: `worksheet ${sheet ?? '1'} not found` };
  const all: { cells: string[]; position: string }[] = [];
  worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let c = 1; c <= worksheet.columnCount; c++) cells.push(excelCellText(row.getCell(c).value));
    all.push({ cells, position: `row ${rowNumber}` });
  });
  const [header, ...body] = all;
  if (!header) return { rows: [] };
  return {
    rows: toRows(
      header.cells.map((h) => h.trim()),
      body.filter((r) => r.cells.some((v) => v.trim() !== '')),
    ),
  };
}

function excelCellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  }
  if (typeof value === 'object') {
    if ('result' in value) return excelCellText(value.result as ExcelJS.CellValue);
    if ('richText' in value) return value.richText.map((part) => part.text).join('');
    if ('text' in value) return String(value.text);
    if ('error' in value) return '';
  }
  return String(value);
}

function toRows(
  headerCells: readonly string[],
  body: { cells: string[]; position: string }[],
): Table['rows'] {
  const keys = headerCells.map(normaliseHeader);
  return body.map(({ cells, position }) => {
    const normalised: Record<string, string> = {};
    const raw: Record<string, string> = {};
    cells.forEach((value, i) => {
      const header = headerCells[i] ?? `column ${i + 1}`;
      raw[header] = value;
      const key = keys[i];
      if (key && normalised[key] === undefined) normalised[key] = value;
    });
    const overflow = cells.slice(headerCells.length).filter((value) => value.trim() !== '').length;
    return { position, cells: normalised, raw, overflow };
  });
}

/** A ZIP archive of the given files (deflated unless `stored`), for hand-written workbooks and broken ones. */
export function zipOf(
  files: Readonly<Record<string, string | Uint8Array>>,
  options: { stored?: boolean } = {},
): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const packed = options.stored ? data : deflateRawSync(data);
    const nameBytes = Buffer.from(name, 'utf8');
    const method = options.stored ? 0 : 8;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, ...centrals, end]));
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** The parts of a minimal workbook around hand-written sheet XML (`sheetData` and what follows it). */
export interface HandWrittenWorkbook {
  /** Sheet name → the XML inside `<worksheet>`. */
  readonly sheets: Readonly<Record<string, string>>;
  /** The `<si>` items of the shared strings part. */
  readonly sharedStrings?: readonly string[];
  /** The inside of `<styleSheet>`; by default style 1 is a date (numFmtId 14) and style 2 a number (numFmtId 2). */
  readonly styles?: string;
  readonly workbookPr?: string;
}

export function handWrittenWorkbook(book: HandWrittenWorkbook): Record<string, string> {
  const names = Object.keys(book.sheets);
  const files: Record<string, string> = {
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
    '_rels/.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${MAIN}" xmlns:r="${REL}">${book.workbookPr ?? ''}<sheets>${names
      .map((name, i) => `<sheet name="${name}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
      .join('')}</sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${names
      .map(
        (_, i) =>
          `<Relationship Id="rId${i + 1}" Type="${REL}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
      )
      .join(
        '',
      )}<Relationship Id="rIdS" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rIdT" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
    'xl/sharedStrings.xml': `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${MAIN}">${(
      book.sharedStrings ?? []
    )
      .map((item) => `<si>${item}</si>`)
      .join('')}</sst>`,
    'xl/styles.xml': `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="${MAIN}">${
      book.styles ??
      '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>' +
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/><xf numFmtId="2" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs>'
    }</styleSheet>`,
  };
  names.forEach((name, i) => {
    files[`xl/worksheets/sheet${i + 1}.xml`] =
      `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${MAIN}" xmlns:r="${REL}">${book.sheets[name]}</worksheet>`;
  });
  return files;
}

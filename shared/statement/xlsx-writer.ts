import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A minimal SpreadsheetML (XLSX) writer: text and number cells, a bold font, number formats, column
 * widths and frozen header rows — what a statement's tables need, in a few kilobytes of code instead of
 * a spreadsheet library. The package holds the parts spreadsheet applications require and no
 * theme, calculation chain or printer settings. Output is a function of the input only: parts are
 * stored in a fixed order and every ZIP entry carries the workbook's `modified` date, never the time
 * of writing (the deflated bytes are those of the runtime's zlib, the same for the same Node release).
 */

/** A workbook that cannot be written (too large for a ZIP without ZIP64, a bad sheet name). */
export class XlsxWriterError extends Error {
  override name = 'XlsxWriterError';
}

/** A cell: text (any Unicode; what XML cannot carry is escaped as Excel does) or a finite number. */
export type XlsxCell =
  | { readonly text: string; readonly bold?: boolean; readonly format?: string }
  | { readonly number: number; readonly bold?: boolean; readonly format?: string };

export interface XlsxSheet {
  /** 1–31 characters, none of `\ / ? * [ ] :`, unique in the workbook ignoring case. */
  readonly name: string;
  readonly rows: readonly (readonly XlsxCell[])[];
  /** Column widths in characters, from column A on; columns beyond take the default width. */
  readonly widths?: readonly number[];
  /** Rows frozen at the top (0 or undefined: none). */
  readonly frozenRows?: number;
}

export interface XlsxProperties {
  readonly title?: string;
  readonly creator?: string;
  readonly lastModifiedBy?: string;
  readonly created: Date;
  /** Also the date and time of every ZIP entry (DOS time has no zone: the UTC wall clock is stored). */
  readonly modified: Date;
}

export interface XlsxWorkbook {
  readonly properties: XlsxProperties;
  readonly sheets: readonly XlsxSheet[];
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RELATIONSHIPS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PACKAGE_RELATIONSHIPS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const SHEET_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml';

/** A worksheet's size in Excel. */
const MAX_ROWS = 1_048_576;
const MAX_COLUMNS = 16_384;

/** Number formats Excel knows by id; any other code gets an id from 164 on. */
const BUILT_IN_FORMATS: ReadonlyMap<string, number> = new Map([
  ['General', 0],
  ['0', 1],
  ['0.00', 2],
  ['#,##0', 3],
  ['#,##0.00', 4],
  ['0%', 9],
  ['0.00%', 10],
]);

/**
 * The workbook as the bytes of an .xlsx file.
 * @throws XlsxWriterError when a sheet name is not one Excel accepts, a sheet is larger than Excel's
 * 1 048 576 rows by 16 384 columns, a number is not finite, or the package would pass the 4 GB or 65 535-entry limits of a ZIP archive without ZIP64.
 */
export function writeXlsx(workbook: XlsxWorkbook): Buffer {
  checkSheetNames(workbook.sheets);
  const strings = new SharedStrings();
  const styles = new Styles();
  const sheetParts = workbook.sheets.map((sheet) => worksheetXml(sheet, strings, styles));
  const parts: Array<[string, string]> = [
    ['[Content_Types].xml', contentTypesXml(workbook.sheets.length)],
    ['_rels/.rels', packageRelationshipsXml()],
    ['docProps/core.xml', corePropertiesXml(workbook.properties)],
    ['docProps/app.xml', appPropertiesXml(workbook.sheets)],
    ['xl/workbook.xml', workbookXml(workbook.sheets)],
    ['xl/_rels/workbook.xml.rels', workbookRelationshipsXml(workbook.sheets.length)],
    ['xl/styles.xml', styles.xml()],
    ['xl/sharedStrings.xml', strings.xml()],
    ...sheetParts.map((xml, index): [string, string] => [`xl/worksheets/sheet${index + 1}.xml`, xml]),
  ];
  return zip(
    parts.map(([name, xml]) => ({ name, data: Buffer.from(xml, 'utf8') })),
    workbook.properties.modified,
  );
}

/** A column's letters: 1 → A, 26 → Z, 27 → AA, 16 384 → XFD. */
export function columnName(column: number): string {
  let name = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  }
  return name;
}

function checkSheetNames(sheets: readonly XlsxSheet[]): void {
  const seen = new Set<string>();
  for (const { name } of sheets) {
    if (name.length < 1 || name.length > 31 || /[\\/?*[\]:]/.test(name) || name.startsWith("'")) {
      throw new XlsxWriterError(`sheet name ${JSON.stringify(name)} is not one Excel accepts`);
    }
    if (seen.has(name.toLowerCase()))
      throw new XlsxWriterError(`sheet name ${JSON.stringify(name)} is used twice`);
    seen.add(name.toLowerCase());
  }
}

/** Characters XML 1.0 cannot carry: controls but tab, line feed and carriage return; lone surrogates; U+FFFE, U+FFFF. */
const NOT_IN_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are what it finds.
  /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NOT_IN_XML_ALL = new RegExp(NOT_IN_XML.source, 'g');
/** What cell text carries as `_xHHHH_`: the above, carriage return, and an underscore that starts a look-alike. */
const ESCAPED_IN_CELLS = new RegExp(`_(?=x[0-9A-Fa-f]{4}_)|\\r|${NOT_IN_XML.source}`, 'g');

/** Markup characters as references, for character data and double-quoted attributes. */
function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '&quot;',
  );
}

/**
 * Cell text as SpreadsheetML carries it: a character XML 1.0 cannot hold (controls other than tab and
 * line feed, a lone surrogate, U+FFFE/U+FFFF) and carriage return (which XML parsers turn into a line
 * feed) become `_xHHHH_`, and an underscore that would otherwise start such an escape becomes `_x005F_`,
 * as Excel writes them; readers decode them back to the same text.
 */
function escapeCellText(text: string): string {
  const escaped = text.replace(
    ESCAPED_IN_CELLS,
    (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`,
  );
  return escapeXml(escaped);
}

/** Attribute and property text: characters XML cannot carry are dropped (there is no escape for them there). */
function plainXml(text: string): string {
  return escapeXml(text.replace(NOT_IN_XML_ALL, '')).replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

class SharedStrings {
  private readonly index = new Map<string, number>();
  private count = 0;

  add(text: string): number {
    this.count += 1;
    let at = this.index.get(text);
    if (at === undefined) {
      at = this.index.size;
      this.index.set(text, at);
    }
    return at;
  }

  xml(): string {
    const items = [...this.index.keys()].map((text) => {
      // Leading or trailing blanks and line breaks survive only where whitespace is declared significant.
      const space = /^\s|\s$|\n/.test(text) ? ' xml:space="preserve"' : '';
      return `<si><t${space}>${escapeCellText(text)}</t></si>`;
    });
    return `${DECLARATION}<sst xmlns="${MAIN}" count="${this.count}" uniqueCount="${this.index.size}">${items.join('')}</sst>`;
  }
}

class Styles {
  /** Cell formats by `bold|format`, in order of first use; index 0 is the default (regular font, General). */
  private readonly formats = new Map<string, { index: number; bold: boolean; numFmtId: number }>([
    ['0|General', { index: 0, bold: false, numFmtId: 0 }],
  ]);
  private readonly custom = new Map<string, number>();

  /** The `s` index of a cell format, added on first use. */
  of(bold: boolean, format = 'General'): number {
    const key = `${bold ? 1 : 0}|${format}`;
    const known = this.formats.get(key);
    if (known) return known.index;
    let numFmtId = BUILT_IN_FORMATS.get(format) ?? this.custom.get(format);
    if (numFmtId === undefined) {
      numFmtId = 164 + this.custom.size;
      this.custom.set(format, numFmtId);
    }
    const index = this.formats.size;
    this.formats.set(key, { index, bold, numFmtId });
    return index;
  }

  xml(): string {
    const numFmts =
      this.custom.size === 0
        ? ''
        : `<numFmts count="${this.custom.size}">${[...this.custom]
            .map(([code, id]) => `<numFmt numFmtId="${id}" formatCode="${plainXml(code)}"/>`)
            .join('')}</numFmts>`;
    const font = (bold: boolean) =>
      `<font>${bold ? '<b/>' : ''}<sz val="11"/><color rgb="FF000000"/><name val="Calibri"/><family val="2"/></font>`;
    const xfs = [...this.formats.values()].map(
      ({ bold, numFmtId }) =>
        `<xf numFmtId="${numFmtId}" fontId="${bold ? 1 : 0}" fillId="0" borderId="0" xfId="0"${
          numFmtId ? ' applyNumberFormat="1"' : ''
        }${bold ? ' applyFont="1"' : ''}/>`,
    );
    return (
      `${DECLARATION}<styleSheet xmlns="${MAIN}">${numFmts}` +
      `<fonts count="2">${font(false)}${font(true)}</fonts>` +
      '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      `<cellXfs count="${xfs.length}">${xfs.join('')}</cellXfs>` +
      '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
      '</styleSheet>'
    );
  }
}

function worksheetXml(sheet: XlsxSheet, strings: SharedStrings, styles: Styles): string {
  const columns = Math.max(
    sheet.widths?.length ?? 0,
    sheet.rows.reduce((most, row) => Math.max(most, row.length), 0),
  );
  if (sheet.rows.length > MAX_ROWS || columns > MAX_COLUMNS) {
    throw new XlsxWriterError(
      `sheet ${sheet.name} has ${sheet.rows.length} rows and ${columns} columns; a worksheet holds at most ${MAX_ROWS} by ${MAX_COLUMNS}`,
    );
  }
  const dimension = sheet.rows.length && columns ? `A1:${columnName(columns)}${sheet.rows.length}` : 'A1';
  const frozen = sheet.frozenRows ?? 0;
  const pane =
    frozen > 0
      ? `<pane ySplit="${frozen}" topLeftCell="A${frozen + 1}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/>`
      : '';
  const widths = (sheet.widths ?? []).map(
    (width, index) => `<col min="${index + 1}" max="${index + 1}" width="${width}" customWidth="1"/>`,
  );
  const rows = sheet.rows.map((row, r) => {
    const cells = row.map((cell, c) => {
      const ref = `${columnName(c + 1)}${r + 1}`;
      if ('text' in cell) {
        const style = styles.of(cell.bold ?? false, cell.format);
        return `<c r="${ref}"${style ? ` s="${style}"` : ''} t="s"><v>${strings.add(cell.text)}</v></c>`;
      }
      if (!Number.isFinite(cell.number)) {
        throw new XlsxWriterError(`cell ${sheet.name}!${ref} holds ${cell.number}, not a finite number`);
      }
      const style = styles.of(cell.bold ?? false, cell.format);
      // String(n) is the shortest text that reads back as the same double (-0 is written as 0).
      return `<c r="${ref}"${style ? ` s="${style}"` : ''}><v>${String(cell.number)}</v></c>`;
    });
    return `<row r="${r + 1}">${cells.join('')}</row>`;
  });
  return (
    `${DECLARATION}<worksheet xmlns="${MAIN}" xmlns:r="${RELATIONSHIPS}">` +
    `<dimension ref="${dimension}"/>` +
    `<sheetViews><sheetView workbookViewId="0">${pane}</sheetView></sheetViews>` +
    '<sheetFormatPr defaultRowHeight="15"/>' +
    (widths.length ? `<cols>${widths.join('')}</cols>` : '') +
    `<sheetData>${rows.join('')}</sheetData>` +
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>' +
    '</worksheet>'
  );
}

function contentTypesXml(sheets: number): string {
  const override = (part: string, type: string) => `<Override PartName="${part}" ContentType="${type}"/>`;
  const office = 'application/vnd.openxmlformats-officedocument';
  return (
    `${DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    override('/xl/workbook.xml', `${office}.spreadsheetml.sheet.main+xml`) +
    Array.from({ length: sheets }, (_, i) => override(`/xl/worksheets/sheet${i + 1}.xml`, SHEET_TYPE)).join(
      '',
    ) +
    override('/xl/styles.xml', `${office}.spreadsheetml.styles+xml`) +
    override('/xl/sharedStrings.xml', `${office}.spreadsheetml.sharedStrings+xml`) +
    override('/docProps/core.xml', 'application/vnd.openxmlformats-package.core-properties+xml') +
    override('/docProps/app.xml', `${office}.extended-properties+xml`) +
    '</Types>'
  );
}

function relationship(id: string, type: string, target: string): string {
  return `<Relationship Id="${id}" Type="${type}" Target="${target}"/>`;
}

function packageRelationshipsXml(): string {
  return (
    `${DECLARATION}<Relationships xmlns="${PACKAGE_RELATIONSHIPS}">` +
    relationship('rId1', `${RELATIONSHIPS}/officeDocument`, 'xl/workbook.xml') +
    relationship('rId2', `${PACKAGE_RELATIONSHIPS}/metadata/core-properties`, 'docProps/core.xml') +
    relationship('rId3', `${RELATIONSHIPS}/extended-properties`, 'docProps/app.xml') +
    '</Relationships>'
  );
}

function workbookRelationshipsXml(sheets: number): string {
  return (
    `${DECLARATION}<Relationships xmlns="${PACKAGE_RELATIONSHIPS}">` +
    relationship('rId1', `${RELATIONSHIPS}/styles`, 'styles.xml') +
    relationship('rId2', `${RELATIONSHIPS}/sharedStrings`, 'sharedStrings.xml') +
    Array.from({ length: sheets }, (_, i) =>
      relationship(`rId${i + 3}`, `${RELATIONSHIPS}/worksheet`, `worksheets/sheet${i + 1}.xml`),
    ).join('') +
    '</Relationships>'
  );
}

function workbookXml(sheets: readonly XlsxSheet[]): string {
  const entries = sheets.map(
    (sheet, i) => `<sheet name="${plainXml(sheet.name)}" sheetId="${i + 1}" r:id="rId${i + 3}"/>`,
  );
  return (
    `${DECLARATION}<workbook xmlns="${MAIN}" xmlns:r="${RELATIONSHIPS}">` +
    `<bookViews><workbookView/></bookViews><sheets>${entries.join('')}</sheets></workbook>`
  );
}

/** W3CDTF to the second, in UTC, as Office writes it. */
function w3cdtf(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function corePropertiesXml(properties: XlsxProperties): string {
  const optional = (tag: string, value: string | undefined) =>
    value === undefined ? '' : `<${tag}>${plainXml(value)}</${tag}>`;
  return (
    `${DECLARATION}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"` +
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"' +
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    optional('dc:title', properties.title) +
    optional('dc:creator', properties.creator) +
    optional('cp:lastModifiedBy', properties.lastModifiedBy) +
    `<dcterms:created xsi:type="dcterms:W3CDTF">${w3cdtf(properties.created)}</dcterms:created>` +
    `<dcterms:modified xsi:type="dcterms:W3CDTF">${w3cdtf(properties.modified)}</dcterms:modified>` +
    '</cp:coreProperties>'
  );
}

function appPropertiesXml(sheets: readonly XlsxSheet[]): string {
  const names = sheets.map((sheet) => `<vt:lpstr>${plainXml(sheet.name)}</vt:lpstr>`).join('');
  return (
    `${DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"` +
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">' +
    '<HeadingPairs><vt:vector size="2" baseType="variant">' +
    `<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>${sheets.length}</vt:i4></vt:variant>` +
    `</vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="${sheets.length}" baseType="lpstr">${names}</vt:vector></TitlesOfParts>` +
    '</Properties>'
  );
}

/** The largest size or offset a ZIP archive without ZIP64 can state. */
const ZIP32_LIMIT = 0xffffffff;

/**
 * A ZIP archive of deflated entries in the given order, each dated `at` (UTC wall clock; DOS dates
 * start in 1980, earlier dates are stored as 1980-01-01).
 */
function zip(entries: readonly { name: string; data: Buffer }[], at: Date): Buffer {
  if (entries.length > 0xffff)
    throw new XlsxWriterError(`${entries.length} parts: a ZIP archive holds at most 65 535`);
  const year = at.getUTCFullYear();
  const [date, time] =
    year < 1980
      ? [(0 << 9) | (1 << 5) | 1, 0]
      : [
          ((Math.min(year, 2107) - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
          (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | Math.floor(at.getUTCSeconds() / 2),
        ];
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const compressed = deflateRawSync(data);
    const nameBytes = Buffer.from(name, 'utf8');
    if (data.length > ZIP32_LIMIT || offset + 30 + nameBytes.length + compressed.length > ZIP32_LIMIT) {
      throw new XlsxWriterError(`the workbook passes 4 GB at ${name}; ZIP64 is not written`);
    }
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: deflate
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4); // made by: MS-DOS attributes, version 2.0
    local.copy(header, 6, 4, 30); // version needed … name length, as in the local header
    // extra and comment lengths, disk number, attributes: 0
    header.writeUInt32LE(offset, 42);
    chunks.push(local, nameBytes, compressed);
    central.push(header, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const centralSize = central.reduce((sum, chunk) => sum + chunk.length, 0);
  if (offset + centralSize > ZIP32_LIMIT)
    throw new XlsxWriterError('the workbook passes 4 GB; ZIP64 is not written');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, ...central, end]);
}

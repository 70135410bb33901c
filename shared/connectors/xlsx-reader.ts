/**
 * Reads the cell texts of one worksheet of an .xlsx workbook: the ZIP container, the workbook and its
 * relationships, shared strings, the number formats that mark dates, and the worksheet's cells and
 * merged ranges. Nothing else (drawings, comments, themes) is opened.
 *
 * The texts and rows are those exceljs 4.4 gave the importer before (its `Workbook.xlsx.load`, then
 * `eachRow({ includeEmpty: false })` over the sheet's `columnCount`), so uploads read as they did.
 * Where exceljs was wrong, this reader follows the SpreadsheetML specification instead:
 * - a formula whose cached value is 0, FALSE or empty text reads as `0`, `false` or `` (exceljs
 *   dropped falsy results and the cell read as "[object Object]"); one without a cached value reads as ``;
 * - a formula's text or boolean result in a date-formatted cell stays text (exceljs made an invalid
 *   date of it and threw);
 * - `t="d"` cells (ISO 8601 dates) read as dates (exceljs took the leading year as a serial number);
 * - `t="str"` values and sheet names are entity-decoded once, as XML says (exceljs decoded twice);
 * - `_xHHHH_` escapes are decoded in inline strings as in shared strings;
 * - phonetic guides (`rPh`) in inline strings are not read as text;
 * - the CJK built-in date formats (ids 27–36, 50–58) are dates, and in custom formats characters
 *   that are escaped (`\h`), padded (`_h`) or fill (`*h`) are literals, not date tokens; date tokens
 *   are matched in either case (exceljs knew only lower-case tokens and upper-case M);
 * - `date1904="true"` counts like `"1"`;
 * - a row or first cell without its `r` attribute takes the next number (exceljs refused the file);
 * - parts are found through the relationships, not only at their usual names (exceljs read only
 *   `xl/worksheets/sheetN.xml`, `xl/sharedStrings.xml` and `xl/styles.xml`), and prefixed element
 *   names (`x:c`) are read;
 * - hyperlinks do not change a cell's text (exceljs turned a linked date into `Date.toString()`,
 *   rich text into "[object Object]", and an empty linked cell into "undefined");
 * - a serial number too large for a date reads as the number (exceljs threw);
 * - CDATA sections are text, an empty `<si/>` is empty text (exceljs: "[object Object]"), a shared
 *   string index past the end fails with a message naming the cell, and a merged range overlapping
 *   an earlier one keeps the earlier one's cells (exceljs refused the file).
 */
import {
  attribute,
  childElement,
  childElements,
  type OnClose,
  ownText,
  parseXml,
  type XmlElement,
  XmlError,
} from './xml-tree.ts';
import { openZip, type ZipArchive } from './zip-archive.ts';

/** A workbook that cannot be read (no workbook part, a missing shared string, broken XML in a part). */
export class XlsxError extends Error {
  override name = 'XlsxError';
}

/** One non-empty row: its sheet row number and the texts of columns 1…columnCount. */
export interface WorksheetRow {
  readonly number: number;
  readonly cells: string[];
}

interface Cell {
  readonly text: string;
  /** False for a styled cell without a value: it widens the sheet but does not make its row non-empty. */
  readonly hasValue: boolean;
}

const MAX_COLUMN = 16_384;
/** Merged ranges larger than this are not expanded (no real export merges a million cells). */
const MAX_MERGED_CELLS = 1_000_000;

/**
 * The non-empty rows of the first (or the named) worksheet, each with `columnCount` texts, in row order;
 * undefined when the workbook has no such worksheet. Throws ZipArchiveError when the bytes are not a
 * readable ZIP archive, XlsxError when the archive is not a readable workbook; the message says why.
 */
export function readWorksheetRows(bytes: Uint8Array, sheet?: string): WorksheetRow[] | undefined {
  const zip = openZip(bytes);
  const workbookPath = officeDocumentPath(zip);
  const workbook = xmlPart(zip, workbookPath);
  if (!workbook) throw new XlsxError('the archive holds no workbook (xl/workbook.xml)');
  const relationships = readRelationships(zip, workbookPath);
  const properties = childElement(workbook, 'workbookPr');
  const date1904 = ['1', 'true'].includes(properties ? (attribute(properties, 'date1904') ?? '') : '');

  const worksheets = childElements(childElement(workbook, 'sheets') ?? workbook, 'sheet').flatMap(
    (element) => {
      const relationship = relationships.get(attribute(element, 'id') ?? '');
      if (!relationship?.type.endsWith('/worksheet') || !zip.has(relationship.target)) return [];
      return [{ name: attribute(element, 'name') ?? '', path: relationship.target }];
    },
  );
  const chosen =
    sheet === undefined ? worksheets[0] : worksheets.find((candidate) => candidate.name === sheet);
  if (!chosen) return undefined;

  const part = (type: string, usual: string): string | undefined =>
    // Transitional and strict OOXML spell the relationship types differently; both end in the part's kind.
    [...relationships.values()].find((r) => r.type.endsWith(`/${type}`) && zip.has(r.target))?.target ??
    (zip.has(usual) ? usual : undefined);
  const sharedStringsPath = part('sharedStrings', 'xl/sharedStrings.xml');
  const stylesPath = part('styles', 'xl/styles.xml');
  const sharedStrings = sharedStringsPath ? readSharedStrings(xmlPart(zip, sharedStringsPath)) : [];
  const dateStyles = stylesPath ? readDateStyles(xmlPart(zip, stylesPath)) : [];
  return worksheetRows(zip, chosen.path, { sharedStrings, dateStyles, date1904 });
}

function xmlPart(zip: ZipArchive, path: string, onClose?: OnClose): XmlElement | undefined {
  const bytes = zip.read(path);
  if (bytes === undefined) return undefined;
  const text = new TextDecoder('utf-8').decode(bytes);
  try {
    return parseXml(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, onClose);
  } catch (error) {
    if (!(error instanceof XmlError)) throw error;
    throw new XlsxError(`${path}: ${error.message}`, { cause: error });
  }
}

function officeDocumentPath(zip: ZipArchive): string {
  const root = readRelationships(zip, '');
  const office = [...root.values()].find((r) => r.type.endsWith('/officeDocument'));
  return office && zip.has(office.target) ? office.target : 'xl/workbook.xml';
}

/** The relationships of a part (`xl/workbook.xml` → `xl/_rels/workbook.xml.rels`), targets resolved to archive paths. */
function readRelationships(zip: ZipArchive, partPath: string): Map<string, { type: string; target: string }> {
  const slash = partPath.lastIndexOf('/');
  const folder = partPath.slice(0, slash + 1);
  const rels = xmlPart(zip, `${folder}_rels/${partPath.slice(slash + 1)}.rels`);
  const map = new Map<string, { type: string; target: string }>();
  for (const element of rels ? childElements(rels, 'Relationship') : []) {
    const id = attribute(element, 'Id');
    const target = attribute(element, 'Target');
    if (id === undefined || target === undefined || attribute(element, 'TargetMode') === 'External') continue;
    map.set(id, { type: attribute(element, 'Type') ?? '', target: resolvePath(folder, target) });
  }
  return map;
}

function resolvePath(folder: string, target: string): string {
  const trimmed = target.trim();
  const segments = (trimmed.startsWith('/') ? trimmed.slice(1) : folder + trimmed).split('/');
  const resolved: string[] = [];
  for (const segment of segments) {
    if (segment === '..') resolved.pop();
    else if (segment !== '.' && segment !== '') resolved.push(segment);
  }
  return resolved.join('/');
}

/** `_x000D_` and friends: characters XML cannot carry, escaped by Excel (upper-case hex, as Excel writes them). */
function unescapeText(text: string): string {
  return text.includes('_x')
    ? text.replace(/_x([0-9A-F]{4})_/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    : text;
}

function textOf(element: XmlElement | undefined): string {
  return element ? unescapeText(ownText(element)) : '';
}

/** A string item (`<si>` or `<is>`): its `<t>`, or its rich-text runs joined; phonetic guides are left out. */
function stringItemText(item: XmlElement): string {
  const runs = childElements(item, 'r');
  if (runs.length > 0) return runs.map((run) => textOf(childElement(run, 't'))).join('');
  return childElements(item, 't').map(textOf).join('');
}

function readSharedStrings(sst: XmlElement | undefined): string[] {
  return sst ? childElements(sst, 'si').map(stringItemText) : [];
}

/** exceljs's built-in number formats (the ones it has a format code for). */
const BUILT_IN_FORMATS: Readonly<Record<number, string>> = {
  1: '0',
  2: '0.00',
  3: '#,##0',
  4: '#,##0.00',
  9: '0%',
  10: '0.00%',
  11: '0.00E+00',
  12: '# ?/?',
  13: '# ??/??',
  14: 'mm-dd-yy',
  15: 'd-mmm-yy',
  16: 'd-mmm',
  17: 'mmm-yy',
  18: 'h:mm AM/PM',
  19: 'h:mm:ss AM/PM',
  20: 'h:mm',
  21: 'h:mm:ss',
  22: 'm/d/yy "h":mm',
  37: '#,##0 ;(#,##0)',
  38: '#,##0 ;[Red](#,##0)',
  39: '#,##0.00 ;(#,##0.00)',
  40: '#,##0.00 ;[Red](#,##0.00)',
  45: 'mm:ss',
  46: '[h]:mm:ss',
  47: 'mmss.0',
  48: '##0.0E+0',
  49: '@',
};

/** Built-in formats whose code depends on the locale (Chinese, Japanese, Korean): all dates or times. */
function isLocaleDateFormat(id: number): boolean {
  return (id >= 27 && id <= 36) || (id >= 50 && id <= 58);
}

/** A format shows a date or time when it has a date token outside quotes, brackets, escapes, padding and fills. */
export function isDateFormat(code: string): boolean {
  const bare = code
    .replace(/\[[^\]]*]/g, '')
    .replace(/"[^"]*"/g, '')
    .replace(/[\\_*]./g, '');
  return /[ymdhsbYMDHS]/.test(bare);
}

/** For each cellXfs index: does its number format show a date? */
function readDateStyles(styles: XmlElement | undefined): boolean[] {
  if (!styles) return [];
  const custom = new Map<number, string>();
  for (const numFmt of childElements(childElement(styles, 'numFmts') ?? styles, 'numFmt')) {
    custom.set(
      Number.parseInt(attribute(numFmt, 'numFmtId') ?? '', 10),
      attribute(numFmt, 'formatCode') ?? '',
    );
  }
  return childElements(childElement(styles, 'cellXfs') ?? styles, 'xf').map((xf) => {
    const id = Number.parseInt(attribute(xf, 'numFmtId') ?? '0', 10);
    if (!id) return false;
    const code = custom.get(id) ?? BUILT_IN_FORMATS[id];
    return code === undefined ? isLocaleDateFormat(id) : isDateFormat(code);
  });
}

interface SheetContext {
  readonly sharedStrings: readonly string[];
  readonly dateStyles: readonly boolean[];
  readonly date1904: boolean;
}

/** Excel's serial day number as exceljs converted it: the wall-clock time as a UTC instant. */
function serialText(serial: number, date1904: boolean): string {
  const date = new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 24 * 3600 * 1000));
  if (!Number.isFinite(date.getTime())) return String(serial);
  return dateText(date.toISOString());
}

function dateText(iso: string): string {
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** A `t="d"` value: an ISO 8601 date, date-time or time, read as the wall-clock time it states. */
function isoDateText(value: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})?(?:T?(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/.exec(
    value.trim(),
  );
  if (!match || (match[1] === undefined && match[2] === undefined)) return value;
  const time = (match[2] ?? '00:00:00').padEnd(8, ':00');
  return dateText(`${match[1] ?? '1899-12-30'}T${time}.000Z`);
}

function numberText(value: string, styleIsDate: boolean, date1904: boolean): string {
  const number = Number.parseFloat(value);
  return styleIsDate ? serialText(number, date1904) : String(number);
}

/** A `<c>` element's text, or undefined for a cell without value or style (exceljs skipped those). */
function readCell(c: XmlElement, context: SheetContext): Cell | undefined {
  const type = attribute(c, 't') ?? 'n';
  const styleId = Number.parseInt(attribute(c, 's') ?? '', 10);
  const styleIsDate = context.dateStyles[styleId] === true;
  const v = childElement(c, 'v');
  const inline = childElement(c, 'is');
  const f = childElement(c, 'f');
  const hasRuns = inline !== undefined && childElement(inline, 'r') !== undefined;
  // The value is `<v>`'s text, or an inline string's (whose runs are read below when the type says so).
  const value = (v ? ownText(v) : '') + (inline && !hasRuns ? stringItemText(inline) : '');

  if (f && (ownText(f) !== '' || attribute(f, 't') !== undefined)) {
    if (value === '') return { text: '', hasValue: true };
    switch (type) {
      case 'str':
        return { text: value, hasValue: true };
      case 'b':
        return { text: String(Number.parseInt(value, 10) !== 0), hasValue: true };
      case 'e':
        return { text: '', hasValue: true };
      default:
        return { text: numberText(value, styleIsDate, context.date1904), hasValue: true };
    }
  }
  if (value === '' && !hasRuns) return styleId ? { text: '', hasValue: false } : undefined;
  switch (type) {
    case 's': {
      const index = Number.parseInt(value, 10);
      const text = context.sharedStrings[index];
      if (text === undefined) {
        throw new XlsxError(
          `cell ${attribute(c, 'r') ?? ''} refers to shared string ${value}, which does not exist`,
        );
      }
      return { text, hasValue: true };
    }
    case 'str':
      return { text: value, hasValue: true };
    case 'inlineStr':
      return { text: inline ? stringItemText(inline) : value, hasValue: true };
    case 'b':
      return { text: String(Number.parseInt(value, 10) !== 0), hasValue: true };
    case 'e':
      return { text: '', hasValue: true };
    case 'd':
      return { text: isoDateText(value), hasValue: true };
    default:
      return { text: numberText(value, styleIsDate, context.date1904), hasValue: true };
  }
}

/** "BC12" → column 55 (upper-case letters, optional `$`); undefined when the reference has no column. */
function columnOf(reference: string): number | undefined {
  const match = /^\$?([A-Za-z]{1,3})\$?\d+$/.exec(reference.trim());
  if (!match) return undefined;
  let column = 0;
  for (const letter of (match[1] as string).toUpperCase()) column = column * 26 + letter.charCodeAt(0) - 64;
  return column;
}

function rowOf(reference: string): number | undefined {
  const match = /^\$?[A-Za-z]{1,3}\$?(\d+)$/.exec(reference.trim());
  return match ? Number.parseInt(match[1] as string, 10) : undefined;
}

/** The sheet's rows are read as each `<row>` closes and then dropped, so the worksheet's tree never holds its cells. */
function worksheetRows(zip: ZipArchive, path: string, context: SheetContext): WorksheetRow[] {
  const rows = new Map<number, (Cell | undefined)[]>();
  let previousRow = 0;
  const worksheet = xmlPart(zip, path, (element, parent) => {
    if (element.name !== 'row' || parent.name !== 'sheetData') return false;
    const stated = Number.parseInt(attribute(element, 'r') ?? '', 10);
    const number = Number.isNaN(stated) ? previousRow + 1 : stated;
    previousRow = number;
    // A row stated twice keeps the later one, as exceljs did.
    if (number >= 1) rows.set(number, readRow(element, context));
    return true;
  });
  if (!worksheet) throw new XlsxError(`worksheet part ${path} is missing`);
  applyMerges(worksheet, rows);

  const withValues = [...rows.entries()]
    .filter(([, cells]) => cells.some((cell) => cell?.hasValue))
    .sort(([a], [b]) => a - b);
  const columnCount = withValues.reduce((widest, [, cells]) => Math.max(widest, cells.length), 0);
  return withValues.map(([number, cells]) => ({
    number,
    cells: Array.from({ length: columnCount }, (_, i) => cells[i]?.text ?? ''),
  }));
}

function readRow(row: XmlElement, context: SheetContext): (Cell | undefined)[] {
  const cells: (Cell | undefined)[] = [];
  let previousColumn = 0;
  for (const c of childElements(row, 'c')) {
    const cell = readCell(c, context);
    if (cell === undefined) continue;
    const column = columnOf(attribute(c, 'r') ?? '') ?? previousColumn + 1;
    previousColumn = column;
    if (column <= MAX_COLUMN) cells[column - 1] = cell;
  }
  return cells;
}

/** Every cell of a merged range but the top-left one shows the top-left cell's text (and counts as a value). */
function applyMerges(worksheet: XmlElement, rows: Map<number, (Cell | undefined)[]>): void {
  const taken = new Set<string>();
  for (const merge of childElements(childElement(worksheet, 'mergeCells') ?? worksheet, 'mergeCell')) {
    const [from = '', to = from] = (attribute(merge, 'ref') ?? '').split(':');
    const [c1, r1, c2, r2] = [columnOf(from), rowOf(from), columnOf(to), rowOf(to)];
    if (c1 === undefined || r1 === undefined || c2 === undefined || r2 === undefined) continue;
    const [top, bottom, left, right] = [
      Math.min(r1, r2),
      Math.max(r1, r2),
      Math.min(c1, c2),
      Math.min(Math.max(c1, c2), MAX_COLUMN),
    ];
    if (top < 1 || (bottom - top + 1) * (right - left + 1) > MAX_MERGED_CELLS) continue;
    const masterRow = rowCells(rows, top);
    const master = masterRow[left - 1] ?? { text: '', hasValue: false };
    masterRow[left - 1] = master;
    for (let r = top; r <= bottom; r++) {
      const cells = rowCells(rows, r);
      for (let col = left; col <= right; col++) {
        if (r === top && col === left) continue;
        const key = `${r}:${col}`;
        if (taken.has(key)) continue;
        taken.add(key);
        cells[col - 1] = { text: master.text, hasValue: true };
      }
    }
  }
}

function rowCells(rows: Map<number, (Cell | undefined)[]>, number: number): (Cell | undefined)[] {
  const existing = rows.get(number);
  if (existing) return existing;
  const cells: (Cell | undefined)[] = [];
  rows.set(number, cells);
  return cells;
}

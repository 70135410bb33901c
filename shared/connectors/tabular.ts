import { parse } from 'csv-parse/sync';
import { readWorksheetRows, type WorksheetRow } from './xlsx-reader.ts';

/** One data row of a CSV/XLSX file, cells keyed by normalised header ("Start date" → "startdate"). */
export interface TableRow {
  /** "line 12" (CSV, physical line) or "row 12" (XLSX). */
  readonly position: string;
  readonly cells: Readonly<Record<string, string>>;
  /** The row as received, keyed by the original headers (kept in quarantine). */
  readonly raw: Readonly<Record<string, string>>;
  /** Non-empty cells beyond the header (an unquoted delimiter shifted the row). */
  readonly overflow: number;
}

export interface Table {
  readonly rows: TableRow[];
  /** Set when the file could not be read as a table at all (the whole file is then quarantined). */
  readonly failure?: string;
}

/** Letters and digits only, lower-cased: "Start Date" / "start_date" / "START-DATE" all match "startdate"; "日期" stays "日期". */
export function normaliseHeader(header: string): string {
  // Letters of every script count (Chinese headers such as 日期 or 金额 stay distinct); spaces,
  // punctuation and case do not. NFKC folds full-width forms (ＩＤ → id).
  return header
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** First non-empty cell among the aliases. */
export function cell(row: TableRow, ...aliases: string[]): string | undefined {
  for (const alias of aliases) {
    const value = row.cells[normaliseHeader(alias)];
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

export function isXlsx(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Decodes UTF-8 text, dropping a byte-order mark. */
export function decodeText(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8').decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function toRows(headerCells: readonly string[], body: { cells: string[]; position: string }[]): TableRow[] {
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

/** Parses CSV text (BOM, CRLF or LF, quoted fields); the first row is the header. */
export function readCsv(text: string): Table {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    return {
      rows: [],
      failure: `not readable as CSV: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const [header, ...body] = parsed;
  if (!header) return { rows: [] };
  const headerCells = header.record.map((h) => h.trim());
  const rows = body
    .filter((item) => item.record.some((value) => value.trim() !== ''))
    .map((item) => ({ cells: item.record, position: `line ${item.info.lines}` }));
  return { rows: toRows(headerCells, rows) };
}

/** Reads the first (or the named) worksheet of an XLSX workbook; the first non-empty row is the header. */
export async function readXlsx(bytes: Uint8Array, sheet?: string): Promise<Table> {
  let all: WorksheetRow[] | undefined;
  try {
    all = readWorksheetRows(bytes, sheet);
  } catch (error) {
    return {
      rows: [],
      failure: `not readable as XLSX: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (!all) return { rows: [], failure: `worksheet ${sheet ?? '1'} not found` };
  const [header, ...body] = all;
  if (!header) return { rows: [] };
  return {
    rows: toRows(
      header.cells.map((h) => h.trim()),
      body
        .filter((r) => r.cells.some((v) => v.trim() !== ''))
        .map((r) => ({ cells: r.cells, position: `row ${r.number}` })),
    ),
  };
}

/** Reads CSV or XLSX (detected by the ZIP signature). */
export async function readTable(bytes: Uint8Array, sheet?: string): Promise<Table> {
  if (isCompoundFile(bytes)) return { rows: [], failure: COMPOUND_FILE_FAILURE };
  return isXlsx(bytes) ? readXlsx(bytes, sheet) : readCsv(decodeText(bytes));
}

/**
 * An OLE2 compound file (signature D0 CF 11 E0 A1 B1 1A E1): what Excel saves a password-protected
 * workbook as (the .xlsx encrypted inside), and the legacy .xls format. Neither is readable here;
 * read as CSV it would give rows of binary noise.
 */
export function isCompoundFile(bytes: Uint8Array): boolean {
  const signature = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
  return signature.every((byte, i) => bytes[i] === byte);
}

const COMPOUND_FILE_FAILURE =
  'a password-protected workbook or a legacy .xls file (an OLE2 compound file), not readable: save it in Excel as .xlsx without a password, or export CSV';

/**
 * Splits off rows with more non-empty cells than the header has columns: their values are shifted
 * (an unquoted comma) and reading them by header would silently misplace fields.
 */
export function splitOverflow(table: Table): { table: Table; overflowing: TableRow[] } {
  return {
    table: { ...table, rows: table.rows.filter((row) => row.overflow === 0) },
    overflowing: table.rows.filter((row) => row.overflow > 0),
  };
}

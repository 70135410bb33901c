/**
 * CSV per RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF, quotes
 * doubled. Prefixed with a UTF-8 byte-order mark so Excel opens Chinese text correctly.
 */
export const BOM = '\uFEFF';

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Rows of fields → one CSV document (BOM, CRLF, trailing CRLF). */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return `${BOM}${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

/**
 * CSV per RFC 4180: CRLF line ends, quotes doubled. Prefixed with a UTF-8 byte-order mark so Excel
 * opens Chinese text correctly. Every CSV the product writes goes through `toCsv`, so every one is
 * safe to open in a spreadsheet (CSV injection, as OWASP describes it):
 *
 * - a field that starts with `=`, `+`, `-`, `@`, tab, CR or LF (after any leading blanks; the
 *   full-width forms too) gets a leading apostrophe, so the spreadsheet shows it as text and runs
 *   nothing — unless the field is a plain decimal number (`-12.50` stays a number);
 * - a field holding a separator a spreadsheet may split on (`,` or `;` by locale, tab), a quote or
 *   a line break is quoted, so a reader that honours quotes keeps it in one cell;
 * - and because a reader splitting on its locale's separator ignores quotes that do not open a
 *   cell, a trigger character right after a separator or line break inside the field (after any
 *   blanks or quotes) gets an apostrophe as well: `a;=cmd` is written `"a;'=cmd"`.
 *
 * The cost is an apostrophe in benign text such as `Discount, -10%` (→ `Discount, '-10%`).
 */
export const BOM = '\uFEFF';

/** A decimal number as the statement writes amounts and quantities: `12`, `-0.50`, `.5`. */
const PLAIN_NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;

/** What makes a spreadsheet read a cell as a formula (or a DDE command), after leading blanks. */
const FORMULA_START = /^[\s"\u00a0\u3000]*[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

/** A trigger after a separator or line break inside a field (where a naive split starts a cell). */
const FORMULA_AFTER_SPLIT = /([,;\t\r\n][\s"'\u00a0\u3000]*)(?=[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/g;

/** Characters that end or split a cell in some spreadsheet's reading of the file. */
const NEEDS_QUOTES = /[",;\t\r\n]/;

/**
 * The text of one cell as a spreadsheet must show it: a would-be formula gets a leading
 * apostrophe (shown as text, not run); plain decimal numbers are left alone.
 */
export function neutraliseFormula(value: string): string {
  if (PLAIN_NUMBER.test(value)) return value;
  const inner = value.replace(FORMULA_AFTER_SPLIT, "$1'");
  return FORMULA_START.test(inner) ? `'${inner}` : inner;
}

/** One field: formula-neutralised, quoted when it holds a separator, quote or line break. */
export function csvField(value: string): string {
  const safe = neutraliseFormula(value);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Rows of fields → one CSV document (BOM, CRLF, trailing CRLF), every field neutralised. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return `${BOM}${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

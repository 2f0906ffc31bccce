/**
 * Text from billing data and CSV files ends up in terminals, error messages, spreadsheets and CRM
 * fields. Each of those reads some characters as commands; these functions make such text inert.
 */

/** C0 controls, DEL and C1 controls: a terminal reads ESC (and CSI, U+009B) as the start of a command. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** The same, sparing tab and line feed, which lay out human output. */
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

const visible = (char: string): string => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** Control characters written as `\xNN`; tab and line feed kept unless `all` is set. */
export function escapeControlCharacters(text: string, options: { all?: boolean } = {}): string {
  return text.replace(options.all === true ? CONTROL : CONTROL_BUT_LAYOUT, visible);
}

/** Longest part of a value shown in a message: a 1 MB cell must not make a 1 MB error. */
export const MESSAGE_VALUE_CHARS = 80;

/**
 * A value as shown in an error message: control characters escaped, cut after
 * MESSAGE_VALUE_CHARS characters (whole code points) with an ellipsis.
 */
export function cutValue(value: string, max = MESSAGE_VALUE_CHARS): string {
  const shown = value.length <= max ? value : Array.from(value);
  const cut = typeof shown === 'string' || shown.length <= max ? value : `${shown.slice(0, max).join('')}…`;
  return escapeControlCharacters(cut, { all: true });
}

/** cutValue in double quotes. */
export function quoteValue(value: string, max = MESSAGE_VALUE_CHARS): string {
  return `"${cutValue(value, max)}"`;
}

/** Where a value holds NUL (which no text column can store), or -1. */
export function nulPosition(value: string): number {
  return value.indexOf('\u0000');
}

/**
 * Spreadsheets (and CRM exports opened in one) run a cell that starts with one of these as a formula
 * (OWASP "CSV injection"); tab and carriage return are on the list because some programs skip them.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Text that would start a formula gets an apostrophe in front, which spreadsheets show as text.
 * Only for text: numbers (a negative amount) are written as they are.
 */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

const FORMULA_OR_APOSTROPHE_START = /^[=+\-@\t\r']/;

/**
 * neutraliseFormula for a file this program reads back: a leading apostrophe is doubled too, so
 * fromFormulaCell gives every value back exactly.
 */
export function toFormulaCell(text: string): string {
  return FORMULA_OR_APOSTROPHE_START.test(text) ? `'${text}` : text;
}

/**
 * The inverse of toFormulaCell. A hand-written `'=1+1` reads as `=1+1` (the spreadsheet convention);
 * an apostrophe before anything else (`'90s Diner`) is part of the text.
 */
export function fromFormulaCell(text: string): string {
  return text.startsWith("'") && FORMULA_OR_APOSTROPHE_START.test(text.slice(1)) ? text.slice(1) : text;
}

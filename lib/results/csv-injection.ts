/**
 * Spreadsheets run a cell that starts with =, +, -, @ (or a tab or CR before one) as a
 * formula: a study name, a swept string or an error message could then run on the reader's
 * machine (CSV injection). Such a cell is written with a leading apostrophe, which
 * spreadsheets show as text; a number (-1.5, +3, -2e-7) stays as it is, so that numeric
 * columns still read as numbers everywhere.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) && !NUMBER.test(value) ? `'${value}` : value;
}

/**
 * CSV per RFC 4180, safe to open in a spreadsheet: fields are quoted when needed, and a field that a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR at the start) is prefixed with a quote, since
 * names and titles come from Gong and may have been typed by anyone (OWASP "CSV injection"); control
 * characters and escape sequences are shown escaped (printable.ts).
 */
import { printable } from "./printable.js";

function cell(value: unknown): string {
  let text = value === null || value === undefined ? "" : printable(String(value));
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[]): string {
  return `${[columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c] as unknown)).join(","))].join("\r\n")}\r\n`;
}

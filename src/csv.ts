/**
 * CSV per RFC 4180, safe to open in a spreadsheet: fields are quoted when needed, and a field that a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR at the start) is prefixed with a quote, since
 * names and titles come from Gong and may have been typed by anyone (OWASP "CSV injection"); control
 * characters and escape sequences are shown escaped (printable.ts).
 */
import { inChunks } from "./pace.js";
import { printable } from "./printable.js";

function cell(value: unknown): string {
  let text = value === null || value === undefined ? "" : printable(String(value));
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function line<T extends object>(row: T, columns: readonly (keyof T & string)[]): string {
  return columns.map((c) => cell(row[c] as unknown)).join(",");
}

export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[]): string {
  return `${[columns.join(","), ...rows.map((r) => line(r, columns))].join("\r\n")}\r\n`;
}

/** The same, a chunk of rows at a time between turns of the event loop (thousands of rows in the app). */
export async function toCsvInChunks<T extends object>(
  rows: readonly T[],
  columns: readonly (keyof T & string)[],
): Promise<string> {
  const lines = [columns.join(",")];
  await inChunks(rows, (chunk) => {
    for (const r of chunk) lines.push(line(r, columns));
  });
  return `${lines.join("\r\n")}\r\n`;
}

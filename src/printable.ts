/**
 * Text from Gong (names, titles, emails, error strings) may carry control characters and ANSI escape
 * sequences, typed by anyone with access to Gong's user settings or a connected CRM. Written raw, they
 * can move the cursor, rewrite earlier lines or retitle the terminal, and some spreadsheets act on them.
 * Every C0 and C1 control except tab and newline is shown escaped instead (`\x1b`), so it stays visible.
 * A carriage return just before a newline is a line end (a CSV's CRLF, RFC 4180) and stays; alone it
 * would move the cursor back over the line, and is escaped.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)/g;

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** "2026-11-27 14:05": an instant to the minute, in UTC, the way messages and tables show it. */
export function utcMinute(at: string | Date): string {
  return (typeof at === "string" ? at : at.toISOString()).slice(0, 16).replace("T", " ");
}

/** "2026-11-27 14:05": an instant to the minute, in UTC, the way messages and tables show it. */
export function utcMinute(at: string | Date): string {
  return (typeof at === "string" ? at : at.toISOString()).slice(0, 16).replace("T", " ");
}

/**
 * A duration in words a person reads at a glance: "96 h", "2.5 h", "45 min", "36 s" (never "0.01 h").
 */
export function durationWords(ms: number): string {
  const hours = ms / 3600_000;
  if (hours >= 1) return `${Number.isInteger(hours) ? hours : Number(hours.toFixed(1))} h`;
  const minutes = ms / 60_000;
  if (minutes >= 1) return `${Math.round(minutes)} min`;
  return `${Math.max(1, Math.round(ms / 1000))} s`;
}

/** Clauses joined with "; ", the empty ones left out (so a reason never reads "…; ; …"). */
export function clauses(...parts: readonly (string | null | undefined)[]): string {
  return parts
    .map((p) => p?.trim())
    .filter((p): p is string => Boolean(p))
    .join("; ");
}

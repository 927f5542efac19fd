/** Small plain-text formatting helpers for terminal output. */
export function activeLabel(active: boolean | null): string {
  return active === true ? "active" : active === false ? "inactive" : "active state unknown";
}

export function table(rows: readonly Record<string, string>[], columns: readonly string[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [
    line([...columns]),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(columns.map((c) => r[c] ?? ""))),
  ].join("\n");
}

export function day(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : "unknown";
}

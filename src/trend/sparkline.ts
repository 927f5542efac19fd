/**
 * A one-line picture of a series for the terminal: ▁▂▃▄▅▆▇█, lowest value to highest. A flat series is
 * drawn at mid height, so "no change" does not read as "none".
 */
const BARS = "▁▂▃▄▅▆▇█";

export function sparkline(values: readonly number[], width = 40): string {
  const shown = values.slice(-width);
  if (shown.length === 0) return "";
  const min = Math.min(...shown);
  const max = Math.max(...shown);
  if (max === min) return BARS[3]!.repeat(shown.length);
  return shown.map((v) => BARS[Math.round(((v - min) / (max - min)) * (BARS.length - 1))]!).join("");
}

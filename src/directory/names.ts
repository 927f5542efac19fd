import { yieldToLoop } from "../pace.js";

/**
 * Name matching that people expect: "jose" finds "José", "odegaard" finds "Ødegaard", case and accents
 * do not matter, and a typo still gets a "did you mean".
 */
const SPECIAL: Record<string, string> = {
  ø: "o",
  ł: "l",
  ß: "ss",
  æ: "ae",
  œ: "oe",
  đ: "d",
  ı: "i",
  þ: "th",
};

/** The key a person's name is searched and compared by (`search_name` in the directory). */
export function nameKey(u: { firstName?: string | null; lastName?: string | null }): string {
  return foldName(`${u.firstName ?? ""} ${u.lastName ?? ""}`);
}

export function foldName(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[øłßæœđıþ]/g, (c) => SPECIAL[c] ?? c)
    .replace(/\s+/g, " ")
    .trim();
}

export function displayName(u: {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  id: string;
}): string {
  const name = [u.firstName, u.lastName].filter((s) => s?.trim()).join(" ");
  return name || u.email || u.id;
}

/** Levenshtein distance, giving up (returning max + 1) once it must exceed `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The closest names to `query` (folded): whole names and single name parts both count. Yields to the
 * event loop every few thousand names: any member can ask, and 50,000 names take tens of milliseconds.
 */
export async function closestNames<T extends { searchName: string }>(
  query: string,
  candidates: readonly T[],
  limit = 3,
): Promise<T[]> {
  const max = Math.max(2, Math.floor(query.length / 3));
  const scored: { c: T; d: number }[] = [];
  let seen = 0;
  for (const c of candidates) {
    if (++seen % 5000 === 0) await yieldToLoop();
    let best = editDistance(query, c.searchName, max);
    for (const part of c.searchName.split(" ")) best = Math.min(best, editDistance(query, part, max));
    if (best <= max) scored.push({ c, d: best });
  }
  scored.sort((x, y) => x.d - y.d || x.c.searchName.localeCompare(y.c.searchName));
  return scored.slice(0, limit).map((s) => s.c);
}

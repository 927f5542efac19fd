import { yieldToLoop } from "../pace.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import { displayName, foldName } from "./names.js";

/** Who someone is, as the directory knows them. */
export interface Named {
  id: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
}

/**
 * A name people can tell apart: when another active user has the same name (accents and case aside), the
 * email follows it ("Ahmed Fernández (ahmed.fernandez2@acme.example)"), in the terminal, in Slack and in
 * the trail alike. A name nobody shares stays as it is.
 */
export function toldApart(name: string, email: string | null | undefined, namesakes: number): string {
  return namesakes > 1 && email ? `${name} (${email})` : name;
}

/** The same, asking the directory's current snapshot how many active users share the name. */
export function tellApart(directory: DirectoryRepo, u: Named): string {
  const name = displayName(u);
  const gen = directory.state()?.gen;
  if (gen === undefined || !(u.firstName || u.lastName)) return name;
  return toldApart(
    name,
    u.email,
    directory.namesakes(gen, foldName(`${u.firstName ?? ""} ${u.lastName ?? ""}`)),
  );
}

/** For a whole list at once (a digest, a report): counts the names of the active people given. */
export function nameTeller(people: Iterable<Named & { active?: boolean | null }>): (u: Named) => string {
  const counts = new Map<string, number>();
  for (const p of people) {
    if (p.active === false || !(p.firstName || p.lastName)) continue;
    const key = foldName(`${p.firstName ?? ""} ${p.lastName ?? ""}`);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return (u) =>
    toldApart(
      displayName(u),
      u.email,
      u.firstName || u.lastName ? (counts.get(foldName(`${u.firstName ?? ""} ${u.lastName ?? ""}`)) ?? 0) : 0,
    );
}

/** How many managers' namesakes one query counts (one scan of the snapshot each, see managersInTurns). */
const MANAGERS_PER_QUERY = 500;

type Managers = Map<string, { name: string; email: string | null }>;

const managerIds = (users: readonly { managerId: string | null }[]) => [
  ...new Set(users.map((u) => u.managerId).filter((m): m is string => Boolean(m))),
];

/**
 * The managers of `users`, by id, from the directory's current snapshot: the name (told apart from
 * namesakes) and the email. The audit's CSV and its Slack summary both show them.
 */
export function managersOf(
  directory: DirectoryRepo,
  users: readonly { managerId: string | null }[],
): Managers {
  return managersById(directory, managerIds(users));
}

/**
 * The same for a whole audit's inactive users in the app: a turn of the event loop before each batch
 * of managers, each batch one query for their rows and one for their namesakes.
 */
export async function managersInTurns(
  directory: DirectoryRepo,
  users: readonly { managerId: string | null }[],
): Promise<Managers> {
  const ids = managerIds(users);
  const out: Managers = new Map();
  for (let i = 0; i < ids.length; i += MANAGERS_PER_QUERY) {
    await yieldToLoop();
    for (const [id, m] of managersById(directory, ids.slice(i, i + MANAGERS_PER_QUERY))) out.set(id, m);
  }
  return out;
}

function managersById(directory: DirectoryRepo, ids: readonly string[]): Managers {
  const gen = directory.state()?.gen;
  const out: Managers = new Map();
  if (gen === undefined) return out;
  const rows = directory.byIds(gen, ids);
  // One count for all their names (a query per manager held the event loop for seconds in a large org).
  const folded = (u: Named) => foldName(`${u.firstName ?? ""} ${u.lastName ?? ""}`);
  const counts = directory.namesakeCounts(gen, rows.filter((r) => r.firstName || r.lastName).map(folded));
  for (const row of rows) {
    const name = displayName(row);
    const namesakes = row.firstName || row.lastName ? (counts.get(folded(row)) ?? 0) : 0;
    out.set(row.id, { name: toldApart(name, row.email, namesakes), email: row.email ?? null });
  }
  return out;
}

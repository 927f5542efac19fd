import { yieldToLoop } from "../pace.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import { displayName, nameKey } from "./names.js";

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

const hasName = (u: Named) => Boolean(u.firstName || u.lastName);

/**
 * Tells `people` apart from everyone active in the directory's current snapshot, the namesakes of all of
 * them counted at once (a count per person scans the snapshot each time: `search_name` has no index).
 */
export function directoryTeller(directory: DirectoryRepo, people: readonly Named[]): (u: Named) => string {
  const gen = directory.state()?.gen;
  const counts =
    gen === undefined
      ? new Map<string, number>()
      : directory.namesakeCounts(gen, people.filter(hasName).map(nameKey));
  return (u) => toldApart(displayName(u), u.email, hasName(u) ? (counts.get(nameKey(u)) ?? 0) : 0);
}

/** For a whole list at once (a digest, a report): counts the names of the active people given. */
export function nameTeller(people: Iterable<Named & { active?: boolean | null }>): (u: Named) => string {
  const counts = new Map<string, number>();
  for (const p of people) {
    if (p.active === false || !hasName(p)) continue;
    const key = nameKey(p);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return (u) => toldApart(displayName(u), u.email, hasName(u) ? (counts.get(nameKey(u)) ?? 0) : 0);
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
  const nameOf = directoryTeller(directory, rows);
  for (const row of rows) out.set(row.id, { name: nameOf(row), email: row.email ?? null });
  return out;
}

import { type Clock, nowDate } from "../clock.js";
import { asCodedError, NotFoundError, UsageError } from "../errors.js";
import type { GongClient } from "../gong/client.js";
import type { GongUser } from "../gong/schemas.js";
import type { Logger } from "../log.js";
import type { DirectoryRepo, DirectoryUserRow } from "../store/directory.repo.js";
import { closestNames, displayName, foldName } from "./names.js";

/**
 * `gongops user <query>`: answers from the local snapshot at once, and from Gong when the snapshot cannot
 * be trusted (the user is missing from it, or it is older than GONGOPS_FRESHNESS_MINUTES). Every answer
 * says where it came from and how fresh it is.
 */

export interface UserCard {
  id: string;
  email: string | null;
  emailAliases: string[];
  firstName: string | null;
  lastName: string | null;
  name: string;
  title: string | null;
  active: boolean | null;
  managerId: string | null;
  manager: { id: string; name: string | null; active: boolean | null; known: boolean } | null;
  created: string | null;
}

export interface Freshness {
  /** "snapshot": the local copy; "gong": fetched from Gong for this answer. */
  source: "snapshot" | "gong";
  syncedAt: string | null;
  stale: boolean;
  note: string;
}

export type QueryKind = "id" | "email" | "name";

export type LookupResult =
  | { match: "one"; query: string; kind: QueryKind; user: UserCard; freshness: Freshness }
  | { match: "many"; query: string; kind: QueryKind; users: UserCard[]; total: number; freshness: Freshness }
  | { match: "none"; query: string; kind: QueryKind; suggestions: string[]; freshness: Freshness };

export interface LookupDeps {
  directory: DirectoryRepo;
  /** The two Gong calls a lookup makes (the composition root loads Gong's client only when one is made). */
  gong: Pick<GongClient, "getUser" | "getUsersExtensive"> | null;
  /** Everyone's folded name (for "did you mean"), from the in-memory directory index. */
  names: () => Promise<readonly { id: string; name: string; searchName: string }[]>;
  /** Refreshes the whole snapshot (a directory sync); null when that is not possible here. */
  refresh: (() => Promise<void>) | null;
  freshnessMinutes: number;
  log: Logger;
  /** The one clock (src/clock.ts). */
  clock: Clock;
  /** Most candidates listed for a name that matches many. */
  maxCandidates?: number;
}

/** Longer than any email (RFC 5321: 254), name or id: refused before it reaches a LIKE pattern. */
export const MAX_QUERY_LENGTH = 320;

/**
 * How far a lookup may go beyond the local snapshot: "full" may sync the whole directory (admins, the
 * CLI), "live" may fetch the few matching users from Gong, "none" answers from the snapshot alone.
 */
export type RefreshMode = "full" | "live" | "none";

export function classifyQuery(raw: string): { kind: QueryKind; value: string } {
  if (raw.length > MAX_QUERY_LENGTH) {
    throw new UsageError(
      `that is ${raw.length} characters, too long for a name, an email or an id (at most ${MAX_QUERY_LENGTH})`,
    );
  }
  const q = raw
    .trim()
    .replace(/^mailto:/i, "")
    .replace(/^<(.*)>$/, "$1")
    .trim();
  if (q === "") throw new UsageError("say who: a Gong user id, an email address or a name");
  if (/^\d{1,20}$/.test(q)) return { kind: "id", value: q };
  if (q.includes("@")) return { kind: "email", value: q.toLowerCase() };
  return { kind: "name", value: foldName(q) };
}

export class DirectoryLookup {
  private readonly now: () => Date;

  constructor(private readonly deps: LookupDeps) {
    this.now = () => nowDate(deps.clock);
  }

  async find(query: string, options: { refresh?: RefreshMode; note?: string } = {}): Promise<LookupResult> {
    const { kind, value } = classifyQuery(query);
    const mode = options.refresh ?? "full";
    const refresh = mode === "full" ? this.deps.refresh : null;
    const gong = mode === "none" ? null : this.deps.gong;
    let state = this.deps.directory.state();
    let synced = false;
    if (!state && refresh) {
      // No snapshot at all: the only way to search by email or name is to take one.
      await refresh();
      state = this.deps.directory.state();
      synced = true;
    }
    const base = { query, kind };
    const syncedAt = state?.syncedAt ?? null;
    const ageMin = state
      ? (this.now().getTime() - Date.parse(state.syncedAt)) / 60_000
      : Number.POSITIVE_INFINITY;
    const stale = ageMin > this.deps.freshnessMinutes;
    const snapshotNote =
      (state
        ? `directory snapshot from ${state.syncedAt}${synced ? " (synced for this lookup)" : ""}`
        : "no directory snapshot yet (an admin runs a sync)") + (options.note ? `; ${options.note}` : "");
    const fromSnapshot = (note = snapshotNote): Freshness => ({ source: "snapshot", syncedAt, stale, note });

    if (kind === "id") {
      const row = state ? this.deps.directory.byId(state.gen, value) : null;
      if (row && !stale)
        return { ...base, match: "one", user: this.card(row, state!.gen), freshness: fromSnapshot() };
      const why = row
        ? `the snapshot is older than ${this.deps.freshnessMinutes} min`
        : "not in the directory snapshot";
      if (gong) {
        try {
          const live = await gong.getUser(value);
          const freshness: Freshness = {
            source: "gong",
            syncedAt,
            stale: false,
            note: `fetched live from Gong (${why})`,
          };
          if (live) return { ...base, match: "one", user: this.liveCard(live, state?.gen), freshness };
          return {
            ...base,
            match: "none",
            suggestions: [],
            freshness: { ...freshness, note: "Gong has no user with this id" },
          };
        } catch (error) {
          if (!row) throw error;
          const note = `Gong could not be asked (${asCodedError(error).message}); showing the snapshot from ${syncedAt}`;
          return { ...base, match: "one", user: this.card(row, state!.gen), freshness: fromSnapshot(note) };
        }
      }
      if (row) return { ...base, match: "one", user: this.card(row, state!.gen), freshness: fromSnapshot() };
      return { ...base, match: "none", suggestions: [], freshness: fromSnapshot() };
    }

    if (!state) return { ...base, match: "none", suggestions: [], freshness: fromSnapshot() };
    let found = this.search(state.gen, kind, value);
    if (!stale) return this.answer(base, found, state.gen, value, fromSnapshot());

    // Stale snapshot: refresh what we found from Gong, or the whole snapshot when we found nothing.
    if (found.rows.length === 0 && refresh) {
      try {
        await refresh();
        const fresh = this.deps.directory.state()!;
        found = this.search(fresh.gen, kind, value);
        const note = `directory synced for this lookup (the snapshot was older than ${this.deps.freshnessMinutes} min)`;
        return this.answer(base, found, fresh.gen, value, {
          source: "gong",
          syncedAt: fresh.syncedAt,
          stale: false,
          note,
        });
      } catch (error) {
        const note = `the snapshot from ${syncedAt} is stale and could not be refreshed (${asCodedError(error).message})`;
        return this.answer(base, found, state.gen, value, fromSnapshot(note));
      }
    }
    if (found.rows.length > 0 && gong) {
      try {
        const live = await gong.getUsersExtensive(found.rows.map((r) => r.id));
        const byId = new Map(live.map((u) => [u.id, u]));
        const gone = found.rows.filter((r) => !byId.has(r.id)).length;
        const cards = found.rows
          .filter((r) => byId.has(r.id))
          .map((r) => this.liveCard(byId.get(r.id)!, state.gen));
        const note =
          `refreshed live from Gong (the snapshot was older than ${this.deps.freshnessMinutes} min)` +
          (gone ? `; ${gone} match(es) no longer exist in Gong` : "");
        const freshness: Freshness = { source: "gong", syncedAt, stale: false, note };
        return this.answerCards(base, cards, found.total - gone, value, freshness);
      } catch (error) {
        const note = `the snapshot from ${syncedAt} is stale; Gong could not be asked (${asCodedError(error).message})`;
        return this.answer(base, found, state.gen, value, fromSnapshot(note));
      }
    }
    return this.answer(base, found, state.gen, value, fromSnapshot());
  }

  /**
   * Exactly one Gong user for a query, or a plain refusal that lists the candidates (several match) or
   * suggests names (none does). Every face resolves "who" through this.
   */
  async resolveOne(
    query: string,
    options: { refresh?: RefreshMode; note?: string } = {},
  ): Promise<{ id: string; lookup: LookupResult }> {
    const lookup = await this.find(query, options);
    if (lookup.match === "one") return { id: lookup.user.id, lookup };
    if (lookup.match === "many") {
      const names = lookup.users.slice(0, 5).map((u) => `${u.name} <${u.email ?? "no email"}> (id ${u.id})`);
      throw new UsageError(
        `"${query}" matches ${lookup.total} Gong users: ${names.join("; ")}${lookup.total > names.length ? "; …" : ""}. ` +
          "Use an email or an id.",
      );
    }
    const hint = lookup.suggestions.length ? ` Did you mean: ${lookup.suggestions.join(", ")}?` : "";
    throw new NotFoundError(`no Gong user matches "${query}".${hint}`);
  }

  private search(gen: number, kind: QueryKind, value: string): { rows: DirectoryUserRow[]; total: number } {
    const limit = this.deps.maxCandidates ?? 10;
    if (kind === "email") {
      const rows = this.deps.directory.byEmail(gen, value);
      return { rows: rows.slice(0, limit), total: rows.length };
    }
    return this.deps.directory.searchName(gen, value, limit);
  }

  private answer(
    base: { query: string; kind: QueryKind },
    found: { rows: DirectoryUserRow[]; total: number },
    gen: number,
    value: string,
    freshness: Freshness,
  ): Promise<LookupResult> {
    return this.answerCards(
      base,
      found.rows.map((r) => this.card(r, gen)),
      found.total,
      value,
      freshness,
    );
  }

  private async answerCards(
    base: { query: string; kind: QueryKind },
    cards: UserCard[],
    total: number,
    value: string,
    freshness: Freshness,
  ): Promise<LookupResult> {
    if (cards.length === 1 && total === 1) return { ...base, match: "one", user: cards[0]!, freshness };
    if (cards.length > 0) return { ...base, match: "many", users: cards, total, freshness };
    const suggestions =
      base.kind === "name" ? (await closestNames(value, await this.deps.names())).map((s) => s.name) : [];
    return { ...base, match: "none", suggestions, freshness };
  }

  private manager(gen: number | undefined, managerId: string | null): UserCard["manager"] {
    if (!managerId) return null;
    const row = gen === undefined ? null : this.deps.directory.byId(gen, managerId);
    return row
      ? { id: managerId, name: displayName(row), active: row.active, known: true }
      : { id: managerId, name: null, active: null, known: false };
  }

  card(row: DirectoryUserRow, gen: number): UserCard {
    return {
      id: row.id,
      email: row.email,
      emailAliases: this.deps.directory.aliases(row.id, row.validFrom),
      firstName: row.firstName,
      lastName: row.lastName,
      name: displayName(row),
      title: row.title,
      active: row.active,
      managerId: row.managerId,
      manager: this.manager(gen, row.managerId),
      created: row.created,
    };
  }

  private liveCard(u: GongUser, gen: number | undefined): UserCard {
    const card = {
      id: u.id,
      email: u.emailAddress ? u.emailAddress.toLowerCase() : null,
      firstName: u.firstName ?? null,
      lastName: u.lastName ?? null,
    };
    return {
      ...card,
      emailAliases: u.emailAliases ?? [],
      name: displayName(card),
      title: u.title ?? null,
      active: u.active ?? null,
      managerId: u.managerId ?? null,
      manager: this.manager(gen, u.managerId ?? null),
      created: u.created ?? null,
    };
  }
}

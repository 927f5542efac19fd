import type { LeaverSource, PersonRef } from "../store/schema.js";

/**
 * Who has left, as a pure function of the directory snapshot, Slack's accounts and the IdP's disabled
 * users, so that the rules are tested without Slack, an IdP or a database:
 *
 * - only Gong users Gong marks active, with an email, are looked at (a deactivated Gong user holds no
 *   seat: nobody's leaver);
 * - a person is matched by every address Gong has for them (primary and aliases), case-insensitively;
 * - bots and guests are never matched: a guest account is someone's, but not proof of anything here;
 * - a live Slack account under any of their addresses means they are here; only deactivated ones (and
 *   no live one) make a leaver; none at all puts them apart, "not in Slack" (contractors, Gong-only
 *   users), never among the leavers;
 * - with an IdP (GONGOPS_DEACTIVATE_VIA=okta|entra), a suspended, deprovisioned or disabled account
 *   there makes a leaver too, whatever Slack says.
 */

/** A Slack account as users.list (or a user_change event) tells it. */
export interface SlackAccount {
  userId: string;
  /** Lower-cased; null when Slack shows none (a bot, or no users:read.email). */
  email: string | null;
  name: string | null;
  deleted: boolean;
  bot: boolean;
  guest: boolean;
  /** Slack's `updated` (epoch seconds): for a deactivated account, about when it was deactivated. */
  updated: number | null;
}

/** An IdP account that is suspended, deprovisioned or disabled. */
export interface IdpAccount {
  source: Exclude<LeaverSource, "slack">;
  /** Lower-cased addresses it is known by (login, email, UPN, mail). */
  emails: string[];
  /** In the IdP's words: SUSPENDED, DEPROVISIONED, disabled. */
  status: string;
  /** When its status changed (ISO), when the IdP says. */
  since: string | null;
}

export interface GongPerson {
  id: string;
  email: string | null;
  aliases: readonly string[];
  name: string;
  active: boolean | null;
  managerId: string | null;
}

export interface LeaverEvidence {
  source: LeaverSource;
  /** ISO; absent when the source does not say when. */
  since?: string;
  /** The Slack account (source slack). */
  slackUserId?: string;
  /** The IdP's status (source okta or entra). */
  status?: string;
}

export interface FoundLeaver {
  id: string;
  email: string;
  name: string;
  managerId: string | null;
  evidence: LeaverEvidence;
}

export interface Found {
  leavers: FoundLeaver[];
  /** Only when Slack was asked. */
  notInSlack: PersonRef[];
}

function addressesOf(p: GongPerson): string[] {
  return [
    ...new Set([p.email, ...p.aliases].filter((a): a is string => Boolean(a)).map((a) => a.toLowerCase())),
  ];
}

/** When Slack says a deactivated account was last changed (its deactivation), as ISO. */
export function slackSince(a: Pick<SlackAccount, "updated">): string | undefined {
  return a.updated ? new Date(a.updated * 1000).toISOString() : undefined;
}

export function findLeavers(
  people: Iterable<GongPerson>,
  slack: readonly SlackAccount[] | null,
  idp: readonly IdpAccount[] | null,
): Found {
  const found: Found = { leavers: [], notInSlack: [] };
  leaverMatcher(slack, idp)(people, found);
  return sortFound(found);
}

/**
 * The same rules, for a snapshot read a page at a time (leavers/check.ts): Slack's and the IdP's accounts
 * are indexed once, then each page of people adds what it finds to `found`; `sortFound` orders the whole.
 */
export function leaverMatcher(
  slack: readonly SlackAccount[] | null,
  idp: readonly IdpAccount[] | null,
): (people: Iterable<GongPerson>, found: Found) => void {
  const slackByEmail = new Map<string, SlackAccount[]>();
  for (const a of slack ?? []) {
    if (!a.email) continue;
    const list = slackByEmail.get(a.email) ?? [];
    list.push(a);
    slackByEmail.set(a.email, list);
  }
  const idpByEmail = new Map<string, IdpAccount>();
  for (const a of idp ?? []) for (const e of a.emails) idpByEmail.set(e.toLowerCase(), a);
  return (people, found) => {
    for (const p of people) {
      if (p.active !== true || !p.email) continue;
      const addresses = addressesOf(p);
      const email = p.email.toLowerCase();
      const accounts = addresses.flatMap((a) => slackByEmail.get(a) ?? []);
      const members = accounts.filter((a) => !a.bot && !a.guest);
      const gone = members.filter((a) => a.deleted).sort((a, b) => (b.updated ?? 0) - (a.updated ?? 0));
      const left = members.every((a) => a.deleted) ? gone[0] : undefined;
      const disabled = addresses.map((a) => idpByEmail.get(a)).find(Boolean);
      const leaver = (evidence: LeaverEvidence, matched = email) =>
        found.leavers.push({ id: p.id, email: matched, name: p.name, managerId: p.managerId, evidence });
      if (left) {
        const since = slackSince(left);
        leaver(
          { source: "slack", ...(since ? { since } : {}), slackUserId: left.userId },
          left.email ?? email,
        );
      } else if (disabled)
        leaver({
          source: disabled.source,
          status: disabled.status,
          ...(disabled.since ? { since: disabled.since } : {}),
        });
      else if (slack && accounts.length === 0) found.notInSlack.push({ id: p.id, email, name: p.name });
    }
  };
}

/** Leavers and "not in Slack" by name, then id. */
export function sortFound(found: Found): Found {
  const byName = (a: { name: string; id: string }, b: { name: string; id: string }) =>
    a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  found.leavers.sort(byName);
  found.notInSlack.sort(byName);
  return found;
}

/** The reason a leaver's request is filed with: "left: Slack account deactivated on 2026-03-02". */
export function leftReason(e: LeaverEvidence, seenAt: string): string {
  const day = (e.since ?? seenAt).slice(0, 10);
  const what =
    e.source === "slack"
      ? "Slack account deactivated"
      : e.source === "okta"
        ? "Okta account suspended or deprovisioned"
        : "Entra ID account disabled";
  // Slack's events come as it happens: the day gongops saw it is the day. An IdP without a date: seen.
  const when = e.since || e.source === "slack" ? `on ${day}` : `(seen ${day})`;
  return `left: ${what} ${when}`;
}

import { displayName } from "../directory/names.js";
import { GongopsError } from "../errors.js";
import { inChunks, readInPages, yieldToLoop } from "../pace.js";
import type { Person } from "../store/directory.repo.js";
import type { LeaverRow } from "../store/leavers.repo.js";
import type { LeaverSource, PersonRef } from "../store/schema.js";
import type { LeaversCore } from "./core.js";
import {
  type Found,
  type FoundLeaver,
  type GongPerson,
  leaverMatcher,
  type SlackAccount,
  slackSince,
  sortFound,
} from "./match.js";

/**
 * Finding leavers: a full check against the directory snapshot (no Gong request) and one users.list
 * pass (kept for the freshness window), or one account at a time as Slack's user_change event tells it.
 * Both store the same rows: a leaver is one row, so one notice and at most one open request.
 */

/**
 * A full check: the directory snapshot (a sync only when there is none yet), Slack's accounts and the
 * IdP's disabled users. New leavers get their notice (a job); leavers whose account came back are taken
 * off and their pending request withdrawn.
 */
export async function check(core: LeaversCore, opts: { refresh: boolean }): Promise<void> {
  const { directory, sync, idp } = core.deps;
  const sources = core.sources();
  if (sources.length === 0)
    throw new GongopsError(
      "CONFIG_INVALID",
      "finding leavers needs Slack (SLACK_BOT_TOKEN, with the scopes users:read and users:read.email) or an IdP (GONGOPS_DEACTIVATE_VIA=okta or entra)",
    );
  let state = directory.state();
  // A snapshot younger than the freshness window answers alone (no Gong request); an older one is
  // refreshed first when someone asked (a face) and Gong can be asked, else used as it is (the faces
  // say as of when). The app's periodic check never syncs: it follows the syncs that happen anyway.
  const stale =
    !state ||
    core.deps.clock.now() - Date.parse(state.syncedAt) > core.deps.settings.freshnessMinutes * 60_000;
  if (opts.refresh && stale && sync && (!state || !sync.running())) {
    await sync.run({ trigger: "leavers" });
    state = directory.state();
  }
  if (!state)
    throw new GongopsError(
      "CONFIG_INVALID",
      "there is no directory snapshot yet, and no Gong credentials to make one",
    );
  const slack = core.slack ? await slackAccounts(core) : null;
  const disabled = idp ? await idp.disabledAccounts() : null;
  // The snapshot is read and matched a page and a chunk at a time, with turns of the event loop between
  // them: the app runs a check after every sync, and 10,000 people at once held it for hundreds of ms.
  const gen = state.gen;
  const people = await readInPages(
    (after: string | null, n) => directory.peopleAfter(gen, after ?? "", n),
    (p) => p.id,
  );
  const match = leaverMatcher(slack, disabled);
  const found: Found = { leavers: [], notInSlack: [] };
  const active = new Set<string>();
  await inChunks(people, (chunk) => {
    match(chunk.map(gongPerson), found);
    for (const p of chunk) if (p.active === true) active.add(p.id);
  });
  sortFound(found);
  await yieldToLoop();
  apply(core, found.leavers, found.notInSlack, sources, gen, active);
}

function gongPerson(p: Person): GongPerson {
  return {
    id: p.id,
    email: p.email,
    aliases: p.aliases,
    name: displayName(p),
    active: p.active,
    managerId: p.managerId,
  };
}

/** One paged users.list pass, or the last one while it is younger than the freshness window. */
async function slackAccounts(core: LeaversCore): Promise<SlackAccount[]> {
  const { clock, settings } = core.deps;
  if (!core.cache || clock.now() - core.cache.at >= settings.freshnessMinutes * 60_000) {
    const accounts = await core.slack!.accounts();
    core.cache = { at: clock.now(), accounts: new Map(accounts.map((a) => [a.userId, a])) };
  }
  return [...core.cache.accounts.values()];
}

/** Stores a check: new leavers (each with its notice job), those gone, the "not in Slack" list. */
function apply(
  core: LeaversCore,
  found: readonly FoundLeaver[],
  notInSlack: readonly PersonRef[],
  sources: LeaverSource[],
  gen: number,
  activeInGong: ReadonlySet<string>,
): void {
  const { repo } = core;
  const at = core.now().toISOString();
  const ids = new Set(found.map((l) => l.id));
  const back: LeaverRow[] = [];
  repo.tx((tx) => {
    for (const row of repo.all()) {
      // A check without Slack (an IdP only) says nothing about Slack's leavers, and the other way.
      if (!sources.includes(row.source) || ids.has(row.userId)) continue;
      repo.remove(tx, row.userId);
      // Still active in Gong: their account came back. Not: Gong deactivated them (done).
      if (activeInGong.has(row.userId)) back.push(row);
    }
    for (const l of found) core.addLeaver(tx, l, at);
    repo.saveCheck(tx, {
      checkedAt: at,
      sources,
      snapshotGen: gen,
      // Only a check without Slack keeps the previous list (read then: it may hold thousands).
      notInSlack: sources.includes("slack") ? [...notInSlack] : (repo.lastCheck()?.notInSlack ?? []),
    });
  });
  for (const row of back) core.cameBack(row);
  core.wake();
}

/**
 * Slack's user_change event: one account changed. Deactivated: each active Gong user with its address
 * (and no other live account of theirs in the last listing) is a leaver now. Live again: those who
 * were leavers by Slack are not any more. No Gong request, no Slack request.
 */
export function slackAccountChanged(core: LeaversCore, a: SlackAccount): { left: string[]; back: string[] } {
  if (core.cache) core.cache.accounts.set(a.userId, a);
  const out = { left: [] as string[], back: [] as string[] };
  const { directory } = core.deps;
  const state = directory.state();
  if (!a.email || a.bot || a.guest || !state) return out;
  const matched = directory.byEmail(state.gen, a.email).filter((u) => u.active === true && u.email);
  const { repo } = core;
  for (const u of matched) {
    if (a.deleted) {
      if (liveElsewhere(core, [u.email!, ...directory.aliases(u.id, u.validFrom)], a.userId)) continue;
      const since = slackSince(a);
      const leaver: FoundLeaver = {
        id: u.id,
        email: a.email,
        name: displayName(u),
        managerId: u.managerId,
        evidence: { source: "slack", ...(since ? { since } : {}), slackUserId: a.userId },
      };
      if (repo.tx((tx) => core.addLeaver(tx, leaver, core.now().toISOString()))) out.left.push(u.id);
    } else if (repo.get(u.id)?.source === "slack") {
      const removed = repo.tx((tx) => repo.remove(tx, u.id));
      if (removed) {
        core.cameBack(removed);
        out.back.push(u.id);
      }
    }
  }
  if (out.left.length || out.back.length) {
    core.log.info("a Slack account changed", { slackUser: a.userId, deleted: a.deleted, ...out });
    core.wake();
  }
  return out;
}

/** Another live Slack account, under any of their addresses, in the last listing. */
function liveElsewhere(core: LeaversCore, addresses: readonly string[], except: string): boolean {
  if (!core.cache) return false;
  const mine = new Set(addresses.map((e) => e.toLowerCase()));
  for (const a of core.cache.accounts.values())
    if (a.userId !== except && a.email && mine.has(a.email) && !a.deleted && !a.bot && !a.guest) return true;
  return false;
}

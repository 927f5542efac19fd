import type { webApi } from "@slack/bolt";
import type { LookupResult, RefreshMode } from "../directory/lookup.service.js";
import { NotFoundError, UsageError } from "../errors.js";
import type { SlackServices } from "./services.js";

/**
 * Turns what someone typed after a subcommand (already decoded, input.ts) into a Gong lookup. A Slack
 * mention (`<@U123>`) is mapped to Gong through the person's Slack profile email. Admins' lookups may
 * refresh the directory; members' lookups answer from the snapshot, with a few live Gong answers each
 * (liveBudget.ts).
 */
const MENTION = /^<@([UW][A-Z0-9]+)>$/;

export interface Asker {
  userId: string;
  client: webApi.WebClient;
}

async function refreshFor(
  services: SlackServices,
  asker: Asker,
): Promise<{ refresh: RefreshMode; note?: string }> {
  if (await services.access.isAdmin(asker.userId, asker.client)) return { refresh: "full" };
  if (services.liveLookups.take(asker.userId)) return { refresh: "live" };
  return {
    refresh: "none",
    note: "your live lookups are used up for a few minutes, so this is the snapshot",
  };
}

/** What to look up: a mention becomes the person's Slack profile email. */
export async function lookupQuery(asker: Asker, who: string): Promise<string> {
  const query = who.trim();
  if (!query) throw new UsageError("say who: an email, a name, a Gong id or @someone");
  const mention = MENTION.exec(query);
  if (!mention) return query;
  const info = await asker.client.users.info({ user: mention[1]! });
  const email = info.user?.profile?.email;
  if (!email) {
    throw new NotFoundError(
      "Slack does not show that person's email address, so they cannot be matched to a Gong user.",
    );
  }
  return email;
}

export async function lookupWho(services: SlackServices, asker: Asker, who: string): Promise<LookupResult> {
  const query = await lookupQuery(asker, who);
  return services.ctx.directory.lookup.find(query, await refreshFor(services, asker));
}

/** Exactly one Gong user id, or a plain explanation of why not (lookup.service.ts resolveOne). */
export async function resolveUserId(services: SlackServices, asker: Asker, who: string): Promise<string> {
  const query = await lookupQuery(asker, who);
  return (await services.ctx.directory.lookup.resolveOne(query, await refreshFor(services, asker))).id;
}

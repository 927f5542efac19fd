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

export async function lookupWho(services: SlackServices, asker: Asker, who: string): Promise<LookupResult> {
  const query = who.trim();
  if (!query) throw new UsageError("say who: an email, a name, a Gong id or @someone");
  const mention = MENTION.exec(query);
  const options = await refreshFor(services, asker);
  if (!mention) return services.ctx.directory.lookup.find(query, options);
  const info = await asker.client.users.info({ user: mention[1]! });
  const email = info.user?.profile?.email;
  if (!email) {
    throw new NotFoundError(
      "Slack does not show that person's email address, so they cannot be matched to a Gong user.",
    );
  }
  return services.ctx.directory.lookup.find(email, options);
}

/** Exactly one Gong user id, or a plain explanation of why not. */
export async function resolveUserId(services: SlackServices, asker: Asker, who: string): Promise<string> {
  const r = await lookupWho(services, asker, who);
  if (r.match === "one") return r.user.id;
  if (r.match === "many") {
    const names = r.users.slice(0, 5).map((u) => `${u.name} (${u.email ?? u.id})`);
    throw new UsageError(
      `“${who}” matches ${r.total} Gong users: ${names.join(", ")}${r.total > 5 ? ", …" : ""}. Use an email or an id.`,
    );
  }
  const hint = r.suggestions.length ? ` Did you mean ${r.suggestions.join(", ")}?` : "";
  throw new NotFoundError(`No Gong user matches “${who}”.${hint}`);
}

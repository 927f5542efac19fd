import type { webApi } from "@slack/bolt";
import type { AppContext } from "../context.js";
import type { LookupResult } from "../directory/lookup.service.js";
import { NotFoundError, UsageError } from "../errors.js";

/**
 * Turns what someone typed after a subcommand into a Gong lookup. A Slack mention (`<@U123|name>`, sent
 * that way because the command escapes) is mapped to Gong through the person's Slack profile email.
 */
const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

export async function lookupWho(
  ctx: AppContext,
  client: webApi.WebClient,
  who: string,
): Promise<LookupResult> {
  const query = who.trim();
  if (!query) throw new UsageError("say who: an email, a name, a Gong id or @someone");
  const mention = MENTION.exec(query);
  if (!mention) return ctx.directory.lookup.find(query);
  const info = await client.users.info({ user: mention[1]! });
  const email = info.user?.profile?.email;
  if (!email) {
    throw new NotFoundError(
      "Slack does not show that person's email address, so they cannot be matched to a Gong user.",
    );
  }
  return ctx.directory.lookup.find(email);
}

/** Exactly one Gong user id, or a plain explanation of why not. */
export async function resolveUserId(ctx: AppContext, client: webApi.WebClient, who: string): Promise<string> {
  const r = await lookupWho(ctx, client, who);
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

import type { Config } from "../config.js";

/** A Slack user mention as gongops stores it (`<@U…>`, or Slack's escaped `<@U…|name>`). */
const MENTION = /<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>/g;

/** At most this many people are looked up for one command's output (one users.info each). */
const MAX_LOOKUPS = 200;

/**
 * Slack mentions made readable for a terminal or a CSV: `<@U0123>` becomes "@Ana Top (U0123)" when the
 * bot token can look the person up (users.info, a few at a time), else "Slack user U0123"; it never
 * appears literally. Looked up once for all `texts`; a lookup Slack refuses only keeps the id.
 */
export async function slackNamer(
  config: Config,
  texts: readonly string[],
): Promise<(text: string) => string> {
  const ids = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(MENTION)) ids.add(m[1]!);
  const names = new Map<string, string>();
  const token = config.slack.botToken;
  if (token && ids.size > 0) {
    // Loaded only when there is someone to look up: most commands print no mention.
    const { webApi } = await import("@slack/bolt");
    const { slackClientOptions } = await import("../slack/webClient.js");
    const client = new webApi.WebClient(token.reveal(), slackClientOptions(config));
    const wanted = [...ids].slice(0, MAX_LOOKUPS);
    for (let i = 0; i < wanted.length; i += 10)
      await Promise.all(
        wanted.slice(i, i + 10).map(async (id) => {
          try {
            const r = await client.users.info({ user: id });
            const u = r.user as
              | { name?: string; real_name?: string; profile?: { real_name?: string } }
              | undefined;
            const name = u?.profile?.real_name || u?.real_name || u?.name;
            if (name) names.set(id, name);
          } catch {
            // Not found, no scope, Slack away: the id alone says who it was.
          }
        }),
      );
  }
  return (text) =>
    text.replace(MENTION, (_, id: string) =>
      names.has(id) ? `@${names.get(id)} (${id})` : `Slack user ${id}`,
    );
}

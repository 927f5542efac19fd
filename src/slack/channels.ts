import type { webApi } from "@slack/bolt";
import { GongopsError, NotFoundError } from "../errors.js";
import { isChannelId } from "../slackIds.js";

/**
 * A channel given as `#name` (or a bare name) turned into its id, through conversations.list (public
 * channels, paged; scope channels:read). An id is returned as it is. A name no public channel has is a
 * NotFoundError; a Slack that refuses to list (a missing scope, a revoked token) says what to do instead.
 */
export async function channelId(client: webApi.WebClient, given: string): Promise<string> {
  const text = given.trim();
  if (isChannelId(text)) return text;
  const name = text.replace(/^#/, "").toLowerCase();
  let cursor: string | undefined;
  do {
    let page: webApi.ConversationsListResponse;
    try {
      page = await client.conversations.list({
        types: "public_channel",
        exclude_archived: true,
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
    } catch (error) {
      const code = (error as { data?: { error?: string; needed?: string } }).data;
      throw new GongopsError(
        "SLACK_UNAVAILABLE",
        `Slack did not list its channels to find #${name} (${code?.error ?? (error as Error).message}${code?.needed ? `: the bot token needs ${code.needed}` : ""}); give the channel's id (C…, in the channel's details) instead`,
      );
    }
    const found = page.channels?.find((c) => c.name?.toLowerCase() === name);
    if (found?.id) return found.id;
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  throw new NotFoundError(`Slack has no public channel #${name} (a private one needs its id: G… or C…)`);
}

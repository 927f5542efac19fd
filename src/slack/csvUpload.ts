import type { webApi } from "@slack/bolt";
import type { Logger } from "../log.js";
import { isSlackUserId } from "../slackIds.js";

/** A CSV to attach: its file name and title in Slack, and its bytes. */
export interface CsvFile {
  filename: string;
  title: string;
  file: Buffer;
}

/**
 * Attaches a CSV in a message's thread. The bot may post in public channels it has not joined
 * (chat:write.public), but a file upload needs membership: it joins a public channel first
 * (channels:join), and when it cannot be there (a private channel it was not invited to) it sends the
 * CSV to `dmTo` as a direct message. Returns where the CSV went, or null; failures are logged with
 * `about` (which run or schedule), never thrown.
 */
export async function uploadCsv(
  client: webApi.WebClient,
  log: Logger,
  o: {
    channel: string;
    ts: string;
    file: CsvFile;
    comment: string;
    /** Who gets it when the channel refuses it (a Slack user id), with what words; null: nobody. */
    dmTo: string | null;
    dmComment: string;
    about: Record<string, unknown>;
  },
): Promise<"thread" | "dm" | null> {
  const reason = (error: unknown) =>
    (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
  try {
    await client.conversations.join({ channel: o.channel }).catch((error: unknown) => {
      // Private channels cannot be joined; the bot may already be in them, so the upload decides.
      log.debug("did not join the channel before uploading", { channel: o.channel, reason: reason(error) });
    });
    await client.filesUploadV2({
      ...o.file,
      channel_id: o.channel,
      thread_ts: o.ts,
      initial_comment: o.comment,
    });
    return "thread";
  } catch (error) {
    log.warn("could not attach the CSV in the channel; sending it as a DM", {
      ...o.about,
      reason: reason(error),
    });
  }
  if (!o.dmTo || !isSlackUserId(o.dmTo)) return null;
  try {
    const dm = await client.conversations.open({ users: o.dmTo });
    if (!dm.channel?.id) return null;
    await client.filesUploadV2({ ...o.file, channel_id: dm.channel.id, initial_comment: o.dmComment });
    return "dm";
  } catch (error) {
    log.warn("could not send the CSV as a DM either", { ...o.about, reason: reason(error) });
    return null;
  }
}

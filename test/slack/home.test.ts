import type { webApi } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import type { SlackAccess } from "../../src/slack/access.js";
import { HomePublisher } from "../../src/slack/home.js";
import { captureLog } from "../helpers/log.js";

/** Repos that fail as better-sqlite3 does once the database is closed. */
function closable() {
  let open = true;
  const read = <T>(value: T) => {
    if (!open) throw new TypeError("The database connection is not open");
    return value;
  };
  return {
    close: () => {
      open = false;
    },
    syncRuns: { lastSucceeded: () => read(null) },
    audits: { latest: () => read({ id: 7 }), postOf: () => read({ channel: "C1", ts: "1.2" }) },
  };
}

describe("App Home as the app stops", () => {
  it("a publish waiting on Slack when the app stops reads nothing from the closed database, and logs nothing", async () => {
    const db = closable();
    const { log, lines } = captureLog();
    let answerPermalink: (v: { permalink: string }) => void = () => {};
    const published: string[] = [];
    const client = {
      chat: { getPermalink: () => new Promise((resolve) => (answerPermalink = resolve)) },
      views: { publish: async (a: { user_id: string }) => void published.push(a.user_id) },
    } as unknown as webApi.WebClient;
    const access = { allowed: async () => true, isAdmin: async () => true } as unknown as SlackAccess;
    const home = new HomePublisher({
      syncRuns: db.syncRuns as never,
      audits: db.audits as never,
      access,
      adminUserIds: ["UADMIN"],
      log,
    });
    // An audit paused by the stop refreshes Home for the admins; Slack is slow to answer.
    const refreshing = home.refreshAll(client);
    await new Promise((r) => setTimeout(r, 10));
    home.stop();
    db.close();
    answerPermalink({ permalink: "https://slack.example/p1" });
    await refreshing;
    await home.publish(client, "UADMIN");
    expect(published).toEqual([]);
    expect(lines.join("\n")).not.toMatch(/not open|could not publish/);
  });
});

import { webApi } from "@slack/bolt";
import type { Config } from "../config.js";
import type { AppContext } from "../context.js";
import { type DoctorDeps, type DoctorLine, gongChecks, storeChecks, wayOutChecks } from "../doctor/doctor.js";
import { API_SCOPES, EXTRA_SCOPES } from "./ids.js";
import { slackClientOptions } from "./webClient.js";

/**
 * Slack's part of `gongops doctor`: the bot token (auth.test), the scopes it was granted (Slack's
 * x-oauth-scopes, which the Web client hands back as response_metadata.scopes) against what manifest.yml
 * asks, every channel gongops posts in (a member, or a public channel it may join: nothing is joined
 * here), and Socket Mode's app token. Read-only; tokens never appear in a line.
 */
export async function slackChecks(config: Config, channels: readonly string[]): Promise<DoctorLine[]> {
  const { slack } = config;
  if (!slack.botToken)
    return [
      {
        area: "Slack",
        check: "bot token",
        status: "info",
        detail: "SLACK_BOT_TOKEN is not set: the Slack app is not checked",
      },
    ];
  const client = new webApi.WebClient(
    slack.botToken.reveal(),
    slackClientOptions(config, { retryConfig: { retries: 0 } }),
  );
  const out: DoctorLine[] = [];
  let granted: string[] = [];
  try {
    const res = await client.auth.test();
    granted = res.response_metadata?.scopes ?? [];
    out.push({
      area: "Slack",
      check: "bot token",
      status: "ok",
      detail: `auth.test: the bot of team ${res.team_id ?? "?"}`,
    });
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    out.push({
      area: "Slack",
      check: "bot token",
      status: "fail",
      detail: `auth.test failed (${code ?? (error as Error).message})`,
      fix: "use the Bot User OAuth Token (xoxb-…) of the installed app as SLACK_BOT_TOKEN",
    });
    return out;
  }
  const wanted = [...new Set([...Object.values(API_SCOPES), ...EXTRA_SCOPES])].sort();
  const missing = wanted.filter((s) => !granted.includes(s));
  out.push(
    missing.length === 0
      ? {
          area: "Slack",
          check: "scopes",
          status: "ok",
          detail: `all ${wanted.length} of manifest.yml's scopes granted`,
        }
      : {
          area: "Slack",
          check: "scopes",
          status: "fail",
          detail: `missing ${missing.join(", ")}`,
          fix: "add them from manifest.yml (OAuth & Permissions) and reinstall the app",
        },
  );
  for (const channel of [...new Set(channels)]) out.push(await channelCheck(client, channel));
  if (slack.appToken) out.push(await socketCheck(config));
  return out;
}

async function channelCheck(client: webApi.WebClient, channel: string): Promise<DoctorLine> {
  try {
    const res = await client.conversations.info({ channel });
    const c = res.channel as {
      is_member?: boolean;
      is_private?: boolean;
      is_archived?: boolean;
      name?: string;
    };
    const name = c.name ? `#${c.name} (${channel})` : channel;
    if (c.is_archived)
      return {
        area: "Slack",
        check: "channel",
        status: "fail",
        detail: `${name} is archived`,
        fix: "pick another channel",
      };
    if (c.is_member || !c.is_private)
      return {
        area: "Slack",
        check: "channel",
        status: "ok",
        detail: c.is_member ? `${name}: a member` : `${name}: public, gongops joins it when it first posts`,
      };
    return {
      area: "Slack",
      check: "channel",
      status: "fail",
      detail: `${name} is private and gongops is not in it`,
      fix: "invite @gongops to it",
    };
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    return {
      area: "Slack",
      check: "channel",
      status: "fail",
      detail: `${channel}: ${code ?? (error as Error).message}`,
      fix:
        code === "channel_not_found"
          ? "invite @gongops to it, or fix the channel id"
          : "check the channel id",
    };
  }
}

async function socketCheck(config: Config): Promise<DoctorLine> {
  const client = new webApi.WebClient(
    config.slack.appToken!.reveal(),
    slackClientOptions(config, { retryConfig: { retries: 0 } }),
  );
  try {
    const res = await client.apps.connections.open();
    if (res.url)
      return {
        area: "Slack",
        check: "app token",
        status: "ok",
        detail: "Socket Mode: Slack gives a connection",
      };
    return {
      area: "Slack",
      check: "app token",
      status: "fail",
      detail: "Socket Mode: Slack gave no connection address",
      fix: "turn Socket Mode on for the app and use an app-level token (xapp-…) with connections:write",
    };
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    return {
      area: "Slack",
      check: "app token",
      status: "fail",
      detail: `apps.connections.open failed (${code ?? (error as Error).message})`,
      fix: "use an app-level token (xapp-…) with connections:write as SLACK_APP_TOKEN",
    };
  }
}

/** Everything at once, in order: Gong, the way out (SCIM or the IdP), Slack, the store. */
export async function runDoctor(ctx: AppContext): Promise<DoctorLine[]> {
  const deps: DoctorDeps = {
    clock: ctx.clock,
    gong: ctx.gong
      ? { client: ctx.gong.client, scim: ctx.gong.scim, baseUrl: ctx.config.gong.baseUrl }
      : null,
    deprovisioner: ctx.approvals.deprovisioner,
    db: ctx.db,
    dbPath: ctx.config.dbPath,
    jobs: ctx.repos.jobs,
  };
  const channels = [
    ...(ctx.config.approvals.channel ? [ctx.config.approvals.channel] : []),
    ...ctx.repos.schedules.list().flatMap((s) => (s.channel ? [s.channel] : [])),
  ];
  return [
    ...(await gongChecks(deps)),
    ...(await wayOutChecks(deps)),
    ...(await slackChecks(ctx.config, channels)),
    ...storeChecks(deps),
  ];
}

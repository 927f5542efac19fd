import { webApi } from "@slack/bolt";
import type { GongContext } from "../../context.js";
import type { LeaverJson } from "../../leavers/types.js";
import type { IdpSimServer } from "../../sim/idpServer.js";
import type { GongSim } from "../../sim/server.js";
import { SlackWorkspaceSim } from "../../sim/slack.js";
import { SlackPeopleDirectory } from "../../slack/approvals.js";
import type { CliIo } from "../io.js";
import { renderLeaversSection } from "./leaversReport.js";

/**
 * The leavers step of `gongops demo`: the simulator's Slack workspace (sim/slack.ts: the org's people,
 * those who left deactivated, some with no account, a bot, a guest) answers the same users.list pass the
 * app makes, through the same Slack adapter; with --via okta|entra the IdP face's suspended or disabled
 * accounts count too. The leavers service matches them against the directory the demo synced: who left
 * and still holds a seat, and what those seats cost. Nobody is told (there is no Slack app here).
 */
export interface DemoLeavers {
  sources: string[];
  leavers: LeaverJson[];
  notInSlack: number;
  yearlyCost: { amount: number; currency: string } | null;
  /** What the check cost: users.list pages, IdP listing pages, Gong requests (none: the snapshot answers). */
  requests: { slack: number; idp: number | null; gong: number };
}

export async function demoLeavers(
  ctx: GongContext,
  sim: GongSim,
  idp: IdpSimServer | null,
  io: CliIo,
  quiet: boolean,
): Promise<DemoLeavers> {
  const slack = await SlackWorkspaceSim.start({ org: sim.org, pageSize: 200 });
  try {
    const client = new webApi.WebClient(slack.token, {
      slackApiUrl: `${slack.apiUrl}/`,
      retryConfig: { retries: 0 },
    });
    ctx.leavers.connect({ slack: new SlackPeopleDirectory(() => client, ctx.log.child("slack"), ctx.clock) });
    const gongBefore = sim.stats.requests;
    const idpBefore = idp?.stats.requests ?? 0;
    const view = await ctx.leavers.check();
    const result: DemoLeavers = {
      sources: view.sources,
      leavers: view.leavers,
      notInSlack: view.notInSlack.length,
      yearlyCost: view.yearlyCost,
      requests: {
        slack: slack.stats.byEndpoint["POST /api/users.list"] ?? 0,
        idp: idp ? idp.stats.requests - idpBefore : null,
        gong: sim.stats.requests - gongBefore,
      },
    };
    if (!quiet) {
      io.stdout(renderLeaversSection(view));
      const r = result.requests;
      io.stdout(
        `Found with ${r.slack} users.list page${r.slack === 1 ? "" : "s"} from the simulated Slack workspace` +
          `${r.idp === null ? "" : ` and ${r.idp} listing request${r.idp === 1 ? "" : "s"} to the simulated IdP`}, ` +
          `${r.gong} Gong requests (the directory snapshot answers); ${result.notInSlack} active Gong users have no Slack account and are listed apart (gongops leavers).\n`,
      );
    }
    return result;
  } finally {
    await slack.close();
  }
}

import type { GongContext } from "../../src/context.js";
import type { SimOrg } from "../../src/sim/org.js";
import type { GongSim, SimOptions } from "../../src/sim/server.js";
import { createSlackApp, type SlackAppHandle, type SlackAppOptions } from "../../src/slack/app.js";
import { simContext } from "./context.js";
import { FakeSlack } from "./fakeSlack.js";
import { startSim } from "./gong.js";

/**
 * What the Slack end-to-end suites share: the Gong simulator, the strict fake Slack Web API, a context
 * pointed at both with a synced directory, and a real Bolt app on its HTTP receiver (port 0) whose
 * /slack/events takes requests signed with `secret`.
 */
export interface SlackRig {
  sim: GongSim;
  fake: FakeSlack;
  ctx: GongContext & { lines: string[] };
  slack: SlackAppHandle;
  /** The app's /slack/events URL. */
  events: string;
  stop(): Promise<void>;
}

export async function startSlackRig(options: {
  org: SimOrg;
  secret: string;
  admin: string;
  sim?: SimOptions;
  /** Settings beyond the Slack ones. */
  env?: Record<string, string>;
  app?: SlackAppOptions;
  /** Runs before the context is made (FakeSlack's users by email, say). */
  before?: (sim: GongSim, fake: FakeSlack) => void;
}): Promise<SlackRig> {
  const sim = await startSim({ org: options.org, ...options.sim });
  const fake = await FakeSlack.start();
  options.before?.(sim, fake);
  const ctx = simContext(sim, {
    SLACK_BOT_TOKEN: "xoxb-test-token",
    SLACK_SIGNING_SECRET: options.secret,
    SLACK_API_URL: `${fake.url}/api`,
    GONGOPS_ADMIN_USER_IDS: options.admin,
    ...options.env,
  });
  await ctx.directory.sync!.run();
  const slack = createSlackApp(ctx, { port: 0, updateEveryMs: 20, ...options.app });
  const { port } = await slack.start();
  return {
    sim,
    fake,
    ctx,
    slack,
    events: `http://127.0.0.1:${port}/slack/events`,
    async stop() {
      await slack.stop();
      await ctx.close();
      await fake.close();
      await sim.close();
    },
  };
}

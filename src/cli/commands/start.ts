import { createSlackApp } from "../../slack/app.js";
import { type Command, intOption } from "../command.js";
import { withContext } from "../context.js";

export const startCommand: Command = {
  name: "start",
  summary: "run the Slack app (/gong, buttons, App Home)",
  usage: `gongops start [--port N]

Connects to Slack with Socket Mode when SLACK_APP_TOKEN is set, otherwise listens for Slack's requests on
PORT (/slack/events, signed with SLACK_SIGNING_SECRET). Both serve GET /health. Needs SLACK_BOT_TOKEN
and the Gong credentials. Runs until Ctrl-C.`,
  maxPositionals: 0,
  options: { port: { type: "string" } },
  async run(args, io) {
    return withContext(io, ["gong", "slack"], async (ctx) => {
      const slack = createSlackApp(
        ctx,
        args.values.port === undefined ? {} : { port: intOption(args, "port", 3000, 0, 65535) },
      );
      // The last line of defence: a fault in one request (a library throwing outside any handler) is
      // logged with its stack and costs that request, never the process and every audit it runs.
      const lastResort = (error: unknown) =>
        ctx.log.error("unhandled failure; gongops keeps serving", {
          reason: error instanceof Error ? error.message : String(error),
          stack: error instanceof Error ? error.stack : undefined,
        });
      process.on("uncaughtException", lastResort);
      process.on("unhandledRejection", lastResort);
      await slack.start();
      await io.interrupted;
      ctx.log.info("stopping");
      await slack.stop();
      return 0;
    });
  },
};

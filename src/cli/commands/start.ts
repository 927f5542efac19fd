import { type CommandCode, intOption } from "../command.js";
import { withContext } from "../context.js";

/** How long a stop may take before gongops exits anyway (Docker's default grace is 10 s). */
const STOP_GRACE_MS = 8_000;

export const startCommand: CommandCode = {
  async run(args, io) {
    return withContext(io, ["gong", "slack"], async (ctx) => {
      // Bolt and the Slack face load only for this command: every other command starts faster.
      const { createSlackApp } = await import("../../slack/app.js");
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
      // SIGTERM or Ctrl-C: stop taking work, let what is in flight pause or finish, give leases back,
      // close the database (withContext), exit 0. Bounded: a stop that hangs still ends.
      ctx.log.info("stopping: running audits pause and resume on the next start");
      const stopped = await Promise.race([
        slack.stop().then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), STOP_GRACE_MS).unref()),
      ]);
      if (!stopped)
        ctx.log.warn("stopping took longer than allowed; exiting anyway", { graceMs: STOP_GRACE_MS });
      else ctx.log.info("stopped");
      return 0;
    });
  },
};

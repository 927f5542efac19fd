import { configSecrets } from "../../config.js";
import { createLogger } from "../../log.js";
import { redactor } from "../../secret.js";
import { isClosedOutput } from "../../stdio.js";
import { type CommandCode, flag, intOption } from "../command.js";
import { withContext } from "../context.js";
import { printJson } from "../io.js";

/**
 * After a clean stop, how long the process may take to end on its own before it is ended: whatever
 * still holds it open then (a Slack retry's timer, Socket Mode's reconnection) has nothing left to do.
 */
const LINGER_MS = 1_000;

/** A timer that ends the process; the stop's outer bound (a stop that hangs still ends). */
function exitTimer(onExpire: () => void) {
  let timer: NodeJS.Timeout | undefined;
  return {
    /** Ends the process in `ms` unless it ends sooner (the timer alone never keeps it alive). */
    set(ms: number) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        onExpire();
        // The command's own exit code once it has one (bin/gongops.js sets it), else 0: a stop was asked.
        process.exit();
      }, ms);
      timer.unref();
    },
  };
}

export const startCommand: CommandCode = {
  async run(args, io) {
    let abandon = () => {};
    const exit = exitTimer(() => abandon());
    try {
      return await withContext(io, ["gong", "slack"], async (ctx) => {
        const graceMs = ctx.config.stopGraceSeconds * 1000;
        // Bolt and the Slack face load only for this command: every other command starts faster.
        const { createSlackApp } = await import("../../slack/app.js");
        const slack = createSlackApp(
          ctx,
          args.values.port === undefined ? {} : { port: intOption(args, "port", 3000, 0, 65535) },
        );
        // Whatever way the process ends (a second signal exits at once), running jobs go back to the queue.
        abandon = () => slack.abandon();
        process.once("exit", abandon);
        // The last line of defence: a fault in one request (a library throwing outside any handler) is
        // logged with its stack and costs that request, never the process and every audit it runs. A
        // closed output is never logged: that log line would hit the same closed pipe, and so on.
        const lastResort = (error: unknown) => {
          if (isClosedOutput(error)) return;
          ctx.log.error("unhandled failure; gongops keeps serving", {
            reason: error instanceof Error ? error.message : String(error),
            stack: error instanceof Error ? error.stack : undefined,
          });
        };
        process.on("uncaughtException", lastResort);
        process.on("unhandledRejection", lastResort);
        // A reader of the logs that went away (`gongops start 2>&1 | head`) is said once, on the other stream.
        io.onOutputClosed?.((stream) => {
          if (stream === "stdout") ctx.log.warn("stdout was closed (its reader went away)");
          else
            createLogger({
              level: "warn",
              redact: redactor(configSecrets(ctx.config)),
              sink: (line) => io.stdout(`${line}\n`),
            }).warn("stderr was closed (its reader went away): no more log lines");
        });
        // Stopped while still starting (Socket Mode retries a connection Slack refuses without end): stop.
        const starting = slack.start();
        const started = await Promise.race([starting.then(() => true), io.interrupted.then(() => false)]);
        if (!started) starting.catch(() => {});
        else await io.interrupted;
        // SIGTERM or Ctrl-C: stop taking work, let what is in flight pause or finish, give leases back,
        // close the database (withContext), exit 0. Bounded: whatever hangs (a Slack or Gong that stopped
        // answering, an IdP's rate-limit hold), the process ends within the grace.
        exit.set(graceMs);
        ctx.log.info("stopping: running audits pause and resume on the next start", { graceMs });
        const stopped = await Promise.race([
          slack.stop().then(() => true),
          new Promise<false>((resolve) =>
            setTimeout(() => resolve(false), graceMs - Math.min(LINGER_MS, graceMs / 5)).unref(),
          ),
        ]);
        if (stopped) ctx.log.info("stopped");
        else {
          ctx.log.warn("stopping took longer than allowed; giving the running jobs back and exiting", {
            graceMs,
          });
          slack.abandon();
        }
        if (flag(args, "json")) printJson(io, { stopped: true, graceful: stopped });
        return 0;
      });
    } finally {
      // Everything is closed; anything still holding the process open is a timer with nothing to do.
      exit.set(LINGER_MS);
    }
  },
};

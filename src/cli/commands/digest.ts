import { renderDigest } from "../../digest/render.js";
import { InterruptedError } from "../../errors.js";
import { RetryAfterError } from "../../jobs/errors.js";
import { TREND_DAYS } from "../../trend/trend.service.js";
import { type Command, flag, intOption } from "../command.js";
import { withContext } from "../context.js";
import { printJson } from "../io.js";
import { EXIT_PAUSED } from "./audit.js";

export const digestCommand: Command = {
  name: "digest",
  summary: "the audit digest: inactive seats, their cost, what changed since the last digest",
  usage: `gongops digest [--days 90] [--json]

Runs the inactive-user audit and prints the digest a schedule posts in Slack: inactive seats out of
active users (and their yearly cost with GONGOPS_SEAT_PRICE_PER_YEAR), what changed since the newest
scheduled digest, the managers with the most inactive reports, and a one-line sparkline of inactive
seats over the last 180 days (gongops trend shows it all). The digest itself is not saved: schedules keep
comparing with their own previous digest; its audit is a point of the trend. --json includes the full
inactive list.`,
  maxPositionals: 0,
  options: { days: { type: "string" }, json: { type: "boolean" } },
  async run(args, io) {
    return withContext(io, ["gong"], async (ctx) => {
      const days = intOption(args, "days", ctx.config.audit.days, 1, 2700);
      const controller = new AbortController();
      void io.interrupted.then(() => controller.abort(new InterruptedError()));
      let digest: Awaited<ReturnType<NonNullable<typeof ctx.digests>["build"]>>["digest"];
      try {
        ({ digest } = await ctx.digests!.build({
          days,
          trigger: "cli digest",
          scheduleId: null,
          signal: controller.signal,
        }));
      } catch (error) {
        // The audit paused (Gong's quota, a long Retry-After, an outage): `gongops digest` resumes it.
        if (!(error instanceof RetryAfterError)) throw error;
        const at = error.at(ctx.clock.now()).toISOString();
        const message = `${error.message}; run gongops digest again after ${at} to continue`;
        io.stderr(`${message}\n`);
        if (flag(args, "json")) printJson(io, { status: "paused", resumeAt: at, message });
        return EXIT_PAUSED;
      }
      if (flag(args, "json")) printJson(io, { digest });
      else io.stdout(renderDigest(digest, ctx.trend.sparkline(TREND_DAYS)));
      return 0;
    });
  },
};

import { renderDigest } from "../../digest/render.js";
import { InterruptedError } from "../../errors.js";
import { RetryAfterError } from "../../jobs/errors.js";
import { TREND_DAYS } from "../../trend/trend.service.js";
import { type CommandCode, flag, intOption } from "../command.js";
import { withContext } from "../context.js";
import { printJson } from "../io.js";
import { EXIT_PAUSED } from "./audit.js";

export const digestCommand: CommandCode = {
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
        if (flag(args, "json"))
          printJson(io, { error: { code: "PAUSED", message }, status: "paused", resumeAt: at, message });
        return EXIT_PAUSED;
      }
      if (flag(args, "json")) printJson(io, { digest });
      else io.stdout(renderDigest(digest, ctx.trend.sparkline(TREND_DAYS)));
      return 0;
    });
  },
};

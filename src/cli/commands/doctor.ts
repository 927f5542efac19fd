import { doctorPassed, renderDoctor } from "../../doctor/doctor.js";
import { runDoctor } from "../../slack/doctor.js";
import { type CommandCode, flag } from "../command.js";
import { withContext } from "../context.js";
import { printJson } from "../io.js";

export const doctorCommand: CommandCode = {
  async run(args, io) {
    return withContext(io, [], async (ctx) => {
      const lines = await runDoctor(ctx);
      const ok = doctorPassed(lines);
      if (flag(args, "json")) printJson(io, { ok, checks: lines });
      else io.stdout(`${renderDoctor(lines)}\n${ok ? "All checks passed." : "Some checks failed."}\n`);
      return ok ? 0 : 1;
    });
  },
};

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
      const failed = lines.filter((l) => l.status === "fail");
      // The one contract: a failing check is the document's error too (exit 1, never usage).
      if (flag(args, "json"))
        printJson(io, {
          ok,
          checks: lines,
          ...(ok
            ? {}
            : {
                error: {
                  code: "REFUSED",
                  message: `${failed.length} check${failed.length === 1 ? "" : "s"} failed: ${failed.map((l) => `${l.area} ${l.check}`).join(", ")}`,
                },
              }),
        });
      else io.stdout(`${renderDoctor(lines)}\n${ok ? "All checks passed." : "Some checks failed."}\n`);
      return ok ? 0 : 1;
    });
  },
};

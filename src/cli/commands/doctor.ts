import { doctorPassed, renderDoctor } from "../../doctor/doctor.js";
import { runDoctor } from "../../slack/doctor.js";
import { type Command, flag } from "../command.js";
import { withContext } from "../context.js";
import { printJson } from "../io.js";

export const doctorCommand: Command = {
  name: "doctor",
  summary: "check the whole install at once: Gong, SCIM or the IdP, Slack, the store",
  usage: `gongops doctor [--json]

One line per check, ✓ or ✗ with the fix (– is worth knowing, not a failure): Gong's credentials, the
${"api:stats:user-actions"} scope, the base URL's region and the clock's skew (2 Gong requests); SCIM's token
(one read); the way out (GONGOPS_DEACTIVATE_VIA), as deactivate --check with nobody named; Slack's bot
token, its scopes against manifest.yml, every channel gongops posts in, Socket Mode's app token; the
database, its migrations and the job worker's heartbeat. Nothing is written to Gong, SCIM or the IdP.
Exits 0 only when nothing failed.`,
  maxPositionals: 0,
  options: { json: { type: "boolean" } },
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

import { GongSim } from "../../sim/server.js";
import { type CommandCode, choiceOption, flag, intOption } from "../command.js";
import { printJson } from "../io.js";

export const simCommand: CommandCode = {
  async run(args, io) {
    const noLimits = flag(args, "no-limits");
    const sim = await GongSim.start({
      port: intOption(args, "port", 4010, 0, 65535),
      orgOptions: { users: intOption(args, "users", 300, 1, 1_000_000), seed: intOption(args, "seed", 1) },
      latencyMs: intOption(args, "latency", 0),
      jitterMs: intOption(args, "jitter", 0),
      mode: choiceOption(args, "mode", ["seed", "public-docs"] as const, "seed"),
      ...(noLimits ? { maxConcurrent: null, maxRps: null, dailyQuota: null } : {}),
    });
    const env = sim.env();
    if (flag(args, "json")) {
      printJson(io, { url: sim.url, users: sim.org.users().length, calls: sim.org.callCount(), env });
    } else {
      io.stderr(
        `Gong simulator on ${sim.url}: ${sim.org.users().length} users, ${sim.org.callCount()} calls.\n` +
          `Point gongops at it with:\n${Object.entries(env)
            .map(([k, v]) => `  export ${k}=${v}`)
            .join("\n")}\nCtrl-C stops it.\n`,
      );
    }
    await io.interrupted;
    await sim.close();
    return 0;
  },
};

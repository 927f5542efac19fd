import { GongSim } from "../../sim/server.js";
import { type Command, choiceOption, flag, intOption } from "../command.js";
import { printJson } from "../io.js";

export const simCommand: Command = {
  name: "sim",
  summary: "run the built-in Gong simulator on loopback",
  usage: `gongops sim [--port 4010] [--users 300] [--seed 1] [--latency MS] [--jitter MS]
            [--mode seed|public-docs] [--no-limits] [--json]

Serves Gong's REST API (/v2/...) and SCIM (/scim/v2/...) for a generated org until Ctrl-C, enforcing
Gong's limits (3 in flight, 3 per second, 10,000 a day). Prints the environment that points gongops at it.`,
  maxPositionals: 0,
  options: {
    port: { type: "string" },
    users: { type: "string" },
    seed: { type: "string" },
    latency: { type: "string" },
    jitter: { type: "string" },
    mode: { type: "string" },
    "no-limits": { type: "boolean" },
    json: { type: "boolean" },
  },
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

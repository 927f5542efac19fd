import { accessSync, constants, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { AuditProgress } from "../../audit/audit.service.js";
import { loadConfig } from "../../config.js";
import { createContext, requireGong } from "../../context.js";
import { UsageError } from "../../errors.js";
import { DAY_MS, splitWindowsNewestFirst } from "../../gong/windows.js";
import { createLogger } from "../../log.js";
import { GraphSim } from "../../sim/graph.js";
import { OktaSim } from "../../sim/okta.js";
import { GongSim } from "../../sim/server.js";
import { type CommandCode, choiceOption, flag, intOption, stringOption } from "../command.js";
import { printJson } from "../io.js";
import { progressReporter } from "../progress.js";
import { auditJson, printAudit } from "./audit.js";
import { type DemoIdp, demoApproval } from "./demoApproval.js";
import { demoLeavers } from "./demoLeavers.js";
import { demoTrend } from "./demoTrend.js";

/** The seat price the demo assumes (GONGOPS_SEAT_PRICE_PER_YEAR), for the costs in its chart. */
const DEMO_SEAT_PRICE = 1200;

/**
 * Where trend.png goes: --out (a folder that must exist and be writable), else the current folder, else
 * (a read-only one, as in the Docker image) the system's temporary folder.
 */
function demoOutDir(out: string | undefined): string {
  const writable = (dir: string) => {
    try {
      accessSync(dir, constants.W_OK);
      return statSync(dir).isDirectory();
    } catch {
      return false;
    }
  };
  if (out !== undefined) {
    const dir = resolve(out);
    if (!writable(dir)) throw new UsageError(`--out must be a folder gongops can write to, got ${dir}`);
    return dir;
  }
  return writable(process.cwd()) ? process.cwd() : tmpdir();
}

export const demoCommand: CommandCode = {
  async run(args, io) {
    const users = intOption(args, "users", 1000, 1, 200_000);
    const outDir = demoOutDir(stringOption(args, "out"));
    const days = intOption(args, "days", 90, 1, 2000);
    // Every option is checked before anything starts: a simulator left listening kept the process
    // alive after its usage error, deaf to the first Ctrl-C.
    const via = choiceOption(args, "via", ["scim", "okta", "entra"] as const, "scim");
    const seed = intOption(args, "seed", 1);
    const latencyMs = intOption(args, "latency", 50, 0, 10_000);
    const sim = await GongSim.start({ orgOptions: { users, seed }, latencyMs });
    let idp: DemoIdp | null = null;
    if (via === "okta") {
      // The least-privilege way in: a service app with a private key, and DPoP, as new Okta apps require.
      const okta = await OktaSim.start({ org: sim.org, pushDelayMs: 300, oauth: { requireDpop: true } });
      idp = {
        via,
        label: "Okta",
        sim: okta,
        unassign: "DELETE /api/v1/apps/{appId}/users/{userId}",
        reassign: "POST /api/v1/apps/{appId}/users",
        signIn: () => ({
          how: `a service app with a private key (${Object.entries(okta.oauth.stats.byOutcome)
            .map(([outcome, n]) => `${outcome} ×${n}`)
            .join(", ")})`,
          tokenRequests: okta.oauth.stats.tokenRequests,
        }),
      };
    } else if (via === "entra") {
      const graph = await GraphSim.start({ org: sim.org, pushDelayMs: 300 });
      idp = {
        via,
        label: "Entra ID",
        sim: graph,
        unassign: "DELETE /servicePrincipals/{spId}/appRoleAssignedTo/{id}",
        reassign: "POST /servicePrincipals/{spId}/appRoleAssignedTo",
        signIn: () => ({
          how: "an app registration with a client secret (MSAL client credentials)",
          tokenRequests: graph.tokenStats.requests,
        }),
      };
    }
    const idpEnv =
      idp?.sim instanceof OktaSim ? idp.sim.oauthEnv() : idp?.sim instanceof GraphSim ? idp.sim.env() : {};
    const dir = mkdtempSync(join(tmpdir(), "gongops-demo-"));
    const config = loadConfig({
      ...sim.env(),
      ...idpEnv,
      GONGOPS_DB_PATH: join(dir, "gongops.db"),
      GONGOPS_LOG_LEVEL: "warn",
      // A made-up price, so that the demo's chart shows what seats cost (the report says so).
      GONGOPS_SEAT_PRICE_PER_YEAR: String(DEMO_SEAT_PRICE),
    });
    const ctx = requireGong(
      createContext({
        config,
        log: createLogger({ level: "warn", sink: (l) => io.stderr(`${l}\n`) }),
        // MSAL signs in at the Graph face's login authority, https by name and loopback in fact.
        idp: idp?.sim instanceof GraphSim ? { msalNetwork: idp.sim.msalNetwork() } : undefined,
      }),
    );
    const progress = progressReporter(io);
    try {
      io.stderr(
        `Gong simulator on ${sim.url}: ${users} users, ${sim.org.callCount()} calls over the past year.\n`,
      );
      const sync = await ctx.directory.sync.run({
        trigger: "demo",
        onProgress: (p) => progress.update({ ...p, phase: `sync: ${p.phase}` }),
      });
      progress.end();
      io.stderr(`Directory synced: ${sync.run.usersSeen} users in ${sync.run.requestsUsed} requests.\n`);
      const report = await ctx.audit.start({
        days,
        trigger: "demo",
        onProgress: (p: AuditProgress) => progress.update({ ...p, phase: `audit: ${p.phase}` }),
      });
      progress.end();
      // What listing every call would have cost, from the simulator's own data (for comparison only).
      const to = Date.parse(report.to);
      const listing = splitWindowsNewestFirst(
        new Date(to - days * DAY_MS),
        new Date(to),
        config.gong.windowDays,
      ).reduce(
        (n, w) =>
          n + Math.max(1, Math.ceil(sim.org.callsBetween(w.from.getTime(), w.to.getTime()).length / 100)),
        0,
      );
      if (flag(args, "json")) {
        // Before the approval: its requests are for the audit's inactive users, a leaver's approver is
        // never the leaver.
        const leavers = await demoLeavers(ctx, sim, idp?.sim ?? null, io, true);
        const approval =
          report.status === "succeeded" ? await demoApproval(ctx, sim, report, io, true, idp) : null;
        const trend = await demoTrend(ctx, outDir);
        const simulator = {
          requests: sim.stats.requests,
          rateLimited429: sim.stats.sent429,
          maxInFlight: sim.stats.maxInFlight,
          maxStartsPerSecond: sim.stats.maxStartsPerSecond,
        };
        printJson(io, {
          ...auditJson(report),
          demo: {
            users,
            syncRequests: sync.run.requestsUsed,
            listingEveryCallWouldCost: listing,
            simulator,
            leavers,
            approval,
            trend,
          },
        });
        return 0;
      }
      const code = printAudit(io, report, "table");
      io.stdout(
        `\nThe whole demo cost ${sync.run.requestsUsed + report.summary.apiRequests} Gong requests ` +
          `(sync ${sync.run.requestsUsed}, audit ${report.summary.apiRequests}); listing every call of the ` +
          `${days} days would have taken ${listing} requests for the audit alone.\n`,
      );
      await demoLeavers(ctx, sim, idp?.sim ?? null, io, false);
      if (report.status === "succeeded") await demoApproval(ctx, sim, report, io, false, idp);
      const trend = await demoTrend(ctx, outDir);
      io.stdout(
        `\nReclaimed so far: ${trend.reclaimed} (at a demo seat price of $${DEMO_SEAT_PRICE.toLocaleString("en-US")} a year).\n` +
          `The trend chart a digest uploads to Slack: ${trend.chart}\n`,
      );
      return code;
    } finally {
      progress.end();
      await ctx.close();
      await idp?.sim.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

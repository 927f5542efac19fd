/**
 * npm run bench:audit: the inactive-user audit on simulated orgs of 1,000 and 10,000 users with
 * realistic call volume (and, to show the other side of the trade-off, sparse ones), 50 ms latency,
 * 90 and 365 days. Every strategy runs on the same org in the same process, side by side.
 *
 * Both activity rules: "hosted" (calls only) and "any" (Gong's activity statistics, plus today's calls).
 * Targets: auto within 5% of the cheaper of per-user and bulk in requests on every scenario, and wall
 * time within 1.25x of requests / the per-second limit. All strategies of one rule must find the same
 * users.
 *
 *   npx tsx bench/audit.bench.ts [--quick] [--only=<scenario text>]
 *   (--quick: no latency, no rate limit: request counts only)
 */
import type { Strategy } from "../src/audit/audit.service.js";
import type { ActivityRule } from "../src/audit/state.js";
import { loadConfig } from "../src/config.js";
import { createContext } from "../src/context.js";
import { silentLogger } from "../src/log.js";
import { type OrgOptions, SimOrg } from "../src/sim/org.js";
import { GongSim } from "../src/sim/server.js";

const quick = process.argv.includes("--quick");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const RPS = 40;
const CONCURRENT = 3;
const LATENCY_MS = quick ? 0 : 50;

interface Scenario {
  label: string;
  org: OrgOptions;
  days: number[];
}

const scenarios: Scenario[] = [
  { label: "1,000 users, realistic", org: { users: 1_000, seed: 1 }, days: [90, 365] },
  { label: "10,000 users, realistic", org: { users: 10_000, seed: 2 }, days: [90, 365] },
  {
    label: "1,000 users, sparse",
    org: { users: 1_000, seed: 3, callsPerHostPerWeek: 0.05, noCallShare: 0.9 },
    days: [90, 365],
  },
  {
    label: "10,000 users, sparse",
    org: { users: 10_000, seed: 4, callsPerHostPerWeek: 0.05, noCallShare: 0.9 },
    days: [90, 365],
  },
];

const rows: Record<string, string | number>[] = [];
const verdicts: string[] = [];
for (const scenario of scenarios.filter((s) => !only || s.label.includes(only))) {
  const org = SimOrg.generate(scenario.org);
  const sim = await GongSim.start({
    org,
    latencyMs: LATENCY_MS,
    maxConcurrent: CONCURRENT,
    maxRps: quick ? null : RPS,
    dailyQuota: null,
  });
  for (const [days, rule] of scenario.days.flatMap((d) =>
    (["hosted", "any"] as const).map((r) => [d, r] as const),
  )) {
    const results = new Map<Strategy, { requests: number; seconds: number; inactive: string }>();
    for (const strategy of ["per-user", "bulk", "auto"] as Strategy[]) {
      const config = loadConfig({
        ...sim.env(),
        GONGOPS_DB_PATH: ":memory:",
        GONG_MAX_CONCURRENT: String(CONCURRENT),
        GONG_MAX_RPS: String(quick ? 100_000 : RPS),
        GONG_DAILY_QUOTA: "10000000",
      });
      const ctx = createContext({ config, log: silentLogger });
      await ctx.directory.sync!.run({ trigger: "bench" });
      sim.stats.reset();
      const started = performance.now();
      const report = await ctx.audit!.start({
        days,
        strategy,
        activity: rule as ActivityRule,
        trigger: "bench",
      });
      const seconds = (performance.now() - started) / 1000;
      // From the first Gong request to the end: the same run without reading the directory and writing
      // every subject to SQLite first (fixed costs that dominate audits of a second or less).
      const work = sim.stats.requests > 0 ? (Date.now() - sim.stats.firstAt) / 1000 : seconds;
      await ctx.close();
      results.set(strategy, {
        requests: report.summary.apiRequests,
        seconds,
        inactive: report.inactive.map((u) => u.id).join(","),
      });
      const ideal = report.summary.apiRequests / RPS;
      rows.push({
        scenario: scenario.label,
        days,
        rule,
        strategy,
        used: report.summary.strategy,
        requests: report.summary.apiRequests,
        "wall s": seconds.toFixed(1),
        "requests/limit s": ideal.toFixed(1),
        "wall / ideal": quick ? "-" : (seconds / ideal).toFixed(2),
        "requests s": quick ? "-" : work.toFixed(1),
        "requests / ideal": quick ? "-" : (work / ideal).toFixed(2),
        inactive: report.summary.inactive,
      });
    }
    const per = results.get("per-user")!;
    const bulk = results.get("bulk")!;
    const auto = results.get("auto")!;
    const cheaper = Math.min(per.requests, bulk.requests);
    const same = per.inactive === bulk.inactive && bulk.inactive === auto.inactive;
    verdicts.push(
      `${scenario.label}, ${days} days, ${rule}: auto ${auto.requests} vs cheaper ${cheaper} ` +
        `(${((100 * (auto.requests - cheaper)) / cheaper).toFixed(1)}%, target <= 5%); ` +
        `same inactive set from every strategy: ${same ? "yes" : "NO"}`,
    );
  }
  await sim.close();
}
console.table(rows);
for (const v of verdicts) console.log(v);

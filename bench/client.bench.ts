/**
 * npm run bench:client: the Gong client against the simulator with 50 ms latency. With work queued,
 * how close does the client run to the configured per-second limit, and does it ever exceed the
 * concurrency limit? Target: at least 90% of the limit, never above it, zero 429s.
 */
import { connectGong } from "../src/gong/connect.js";
import { silentLogger } from "../src/log.js";
import { Secret } from "../src/secret.js";
import { GongSim } from "../src/sim/server.js";

interface Scenario {
  maxConcurrent: number;
  maxRps: number;
  requests: number;
}

const scenarios: Scenario[] = [
  { maxConcurrent: 3, maxRps: 3, requests: 60 },
  { maxConcurrent: 3, maxRps: 10, requests: 150 },
  { maxConcurrent: 3, maxRps: 40, requests: 400 },
];

async function run(s: Scenario) {
  const sim = await GongSim.start({
    orgOptions: { users: 300, seed: 1, callsPerHostPerWeek: 0 },
    latencyMs: 50,
    maxConcurrent: s.maxConcurrent,
    maxRps: s.maxRps,
    dailyQuota: null,
  });
  const gong = connectGong({
    baseUrl: sim.url,
    auth: {
      kind: "basic",
      accessKey: new Secret(sim.credentials.accessKey),
      accessKeySecret: new Secret(sim.credentials.accessKeySecret),
    },
    maxConcurrent: s.maxConcurrent,
    maxRps: s.maxRps,
    dailyQuota: 1_000_000,
    windowDays: 90,
    log: silentLogger,
  });
  const ids = sim.org.users().map((u) => u.id);
  const started = performance.now();
  await Promise.all(Array.from({ length: s.requests }, (_, i) => gong.client.getUser(ids[i % ids.length]!)));
  const wallS = (performance.now() - started) / 1000;
  const st = sim.stats;
  // Steady state: the first request starts the clock, so n requests span n-1 intervals.
  const steady = (st.requests - 1) / ((st.lastAt - st.firstAt) / 1000);
  const row = {
    limit: `${s.maxConcurrent} in flight, ${s.maxRps}/s`,
    requests: st.requests,
    "wall s": wallS.toFixed(2),
    "achieved /s": steady.toFixed(2),
    "% of limit": `${((100 * steady) / s.maxRps).toFixed(1)}%`,
    "max in flight": st.maxInFlight,
    "max starts in 1 s": st.maxStartsPerSecond,
    "429s": st.sent429,
  };
  await gong.close();
  await sim.close();
  return row;
}

const rows = [];
for (const s of scenarios) rows.push(await run(s));
console.table(rows);

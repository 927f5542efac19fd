import { afterEach, describe, expect, it } from "vitest";
import type { AuditService } from "../../src/audit/audit.service.js";
import type { AuditReport } from "../../src/audit/report.js";
import type { AppContext } from "../../src/context.js";
import type { GongSim } from "../../src/sim/server.js";
import type { Evidence } from "../../src/store/audits.repo.js";
import { ShiftableClock } from "../helpers/clock.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";

/**
 * The audit works in slices between turns of the event loop (issue 22 §3): what it writes in chunks must
 * never let a run that stopped between two chunks pass for done, and the slices change no answer.
 */
let sim: GongSim;
let ctx: AppContext;
afterEach(async () => {
  await ctx?.close();
  await sim?.close();
});

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const ids = (r: AuditReport) => r.inactive.map((u) => u.id);

/** A sparse org: most users hosted nothing, so a bulk window clears over a thousand at its end. */
async function setup() {
  sim = await startSim({
    orgOptions: { users: 1500, seed: 5, now: NOW, callsPerHostPerWeek: 0.05, noCallShare: 0.9 },
  });
  clock = new ShiftableClock(NOW);
  ctx = simContext(sim, { GONGOPS_AUDIT_ACTIVITY: "hosted" }, { clock });
}

let clock: ShiftableClock;
/** Each audit starts at NOW, so that two runs look at exactly the same days. */
function startAtNow(options: Parameters<AuditService["start"]>[0]) {
  clock.jumpTo(NOW.getTime());
  return ctx.audit!.start(options);
}

describe("an audit in slices", () => {
  it("stopped between two chunks of a window's cleared users, leaves the window open and resumes to the same answer", async () => {
    await setup();
    const clean = await startAtNow({ days: 90, strategy: "bulk" });
    expect(clean.inactive.length).toBeGreaterThan(1000);

    // The second chunk of cleared users fails to save, as a database that went away would.
    const audits = ctx.repos.audits;
    const record = audits.record.bind(audits);
    let clearedChunks = 0;
    audits.record = (runId: number, evidence: Evidence) => {
      if (evidence.cleared && ++clearedChunks === 2)
        throw Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
      record(runId, evidence);
    };
    const paused = await startAtNow({ days: 90, strategy: "bulk" });
    expect(paused.status).toBe("paused");
    expect(paused.inactive).toEqual([]);
    // The first chunk was saved, and only it: the window is not done.
    const window = audits.windows(paused.runId)[0]!;
    expect(window.status).not.toBe("done");
    const saved = audits.subjects(paused.runId, "candidate").filter((s) => s.clearedMask === 1).length;
    expect(saved).toBeGreaterThan(0);
    expect(saved).toBeLessThan(clean.inactive.length);

    audits.record = record;
    const resumed = await ctx.audit!.resume(paused.runId);
    expect(resumed.status).toBe("succeeded");
    expect(ids(resumed)).toEqual(ids(clean));
  });

  it("reads a run's subjects in pages to the same report as reading them at once", async () => {
    await setup();
    const report = await startAtNow({ days: 90 });
    expect(report).toEqual(ctx.audit!.report(report.runId));
    expect(await ctx.audit!.reportInPages(report.runId)).toEqual(ctx.audit!.report(report.runId));
  });
});

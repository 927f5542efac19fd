import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { oneJson, runGongops, spawnGongops, until } from "../helpers/process.js";
import { cliRig } from "./cliRig.js";

/**
 * The CLI as a real process against the simulator, fault by fault (the commands themselves and bad
 * input are in cli.process.test.ts): each ends with a clear message, the
 * right exit code, nothing lost, and the right answer once the fault is gone.
 */
const rig = cliRig();
const { freshDb, env } = rig;

describe("the database", () => {
  it("a folder, a file that is not SQLite, a path under a file, or inside /proc: one plain line, exit 1", async () => {
    mkdirSync(join(rig.dir, "folder.db"));
    writeFileSync(
      join(rig.dir, "text.db"),
      "not a database at all, but longer than a header would be".repeat(20),
    );
    writeFileSync(join(rig.dir, "plainfile"), "x");
    const cases: [string, RegExp][] = [
      [join(rig.dir, "folder.db"), /is a folder/],
      [join(rig.dir, "text.db"), /is not a gongops database/],
      [join(rig.dir, "plainfile", "g.db"), /a part of its path is a file/],
      ["/proc/gongops-nowhere/g.db", /cannot be created/],
    ];
    const runs = await Promise.all(
      cases.map(([path]) => runGongops(["exempt", "list"], { GONGOPS_DB_PATH: path }, 15_000)),
    );
    for (const [i, [path, message]] of cases.entries()) {
      const r = runs[i]!;
      expect({ path, code: r.code, signal: r.signal }).toEqual({ path, code: 1, signal: null });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(path);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  }, 60_000);

  it("three processes started together on a database that does not exist yet all succeed", async () => {
    // Four new databases, three processes racing on each, all at once.
    const rounds = await Promise.all(
      [0, 1, 2, 3].map(() => {
        const db = freshDb();
        return Promise.all([0, 1, 2].map(() => runGongops(["exempt", "list", "--json"], env(db))));
      }),
    );
    for (const r of rounds.flat())
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  }, 60_000);
});

describe("Gong faults", () => {
  it("cut bodies, malformed JSON, resets and an expired cursor: the sync retries and gets everything", async () => {
    const db = freshDb();
    rig.sim.addFault({ fault: { kind: "truncate" }, endpoint: "GET /v2/users", after: 1 });
    rig.sim.addFault({ fault: { kind: "malformed" }, endpoint: "GET /v2/users", after: 1 });
    rig.sim.addFault({ fault: { kind: "reset" }, endpoint: "GET /v2/users", after: 1 });
    rig.sim.addFault({ fault: { kind: "expireCursor" }, endpoint: "GET /v2/users", withCursor: true });
    try {
      const r = await runGongops(["sync", "--json"], env(db, { GONG_MAX_RETRIES: "4" }));
      expect(r.code, r.stderr).toBe(0);
      expect((oneJson(r.stdout) as { run: { usersSeen: number } }).run.usersSeen).toBe(
        rig.sim.org.users().length,
      );
    } finally {
      rig.sim.clearFaults();
    }
  }, 60_000);

  it("a 429 storm and a 5xx outage pause the audit (exit 3, says when and how to resume); --resume finishes it", async () => {
    const db = freshDb();
    // The hosted rule: these faults are on the calls endpoints it reads.
    const clean = await runGongops(
      ["audit", "--days", "60", "--activity", "hosted", "--json"],
      env(freshDb()),
    );
    const expected = (oneJson(clean.stdout) as { inactive: { id: string }[] }).inactive.map((u) => u.id);
    await runGongops(["sync"], env(db));
    for (const fault of [
      { kind: "status" as const, status: 429, retryAfter: "0" },
      { kind: "status" as const, status: 503 },
    ]) {
      rig.sim.addFault({ fault, endpoint: "POST /v2/calls/extensive", after: 1, times: 1000 });
      const paused = await runGongops(
        ["audit", "--days", "60", "--activity", "hosted", "--strategy", "per-user"],
        env(db),
      );
      rig.sim.clearFaults();
      expect(paused.code, paused.stderr).toBe(3);
      expect(paused.stderr).toMatch(/paused/);
      expect(paused.stderr).toMatch(/gongops audit --resume/);
      expect(paused.stderr).not.toMatch(/unexpected failure/);
      const resumed = await runGongops(["audit", "--resume", "--json"], env(db));
      expect(resumed.code, resumed.stderr).toBe(0);
      expect((oneJson(resumed.stdout) as { inactive: { id: string }[] }).inactive.map((u) => u.id)).toEqual(
        expected,
      );
    }
  }, 90_000);

  it("an expired OAuth token: a plain explanation of how to renew it, and no token anywhere", async () => {
    const r = await runGongops(["sync"], {
      GONG_API_BASE_URL: rig.sim.url,
      GONG_OAUTH_TOKEN: "expired-token-abcdef",
      GONGOPS_DB_PATH: freshDb(),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GONG_OAUTH_TOKEN may have expired/);
    expect(r.stdout + r.stderr).not.toContain("expired-token-abcdef");
  }, 30_000);
});

describe("stopping", () => {
  it("Ctrl-C during a sync stops it promptly, keeps the previous snapshot, and leaves no lock", async () => {
    const db = freshDb();
    expect((await runGongops(["sync"], env(db))).code).toBe(0);
    rig.sim.addFault({ fault: { kind: "slow", delayMs: 400 }, endpoint: "GET /v2/users", times: 1000 });
    try {
      rig.sim.stats.reset();
      const run = spawnGongops(["sync"], env(db));
      // Signalled once the sync is listing users (its first page is slow).
      await until(() => (rig.sim.stats.byEndpoint["GET /v2/users"] ?? 0) > 0, 15_000);
      run.child.kill("SIGINT");
      const done = await run.done;
      expect(done.code).toBe(1);
      expect(done.ms).toBeLessThan(15_000);
      expect(done.stderr).toMatch(/interrupted; the snapshot from .* stays current/);
      const check = new Database(db, { readonly: true });
      try {
        expect(check.prepare("SELECT count(*) AS n FROM locks").get()).toEqual({ n: 0 });
        expect(check.prepare("SELECT outcome FROM sync_runs ORDER BY id").all()).toEqual([
          { outcome: "succeeded" },
          { outcome: "failed" },
        ]);
      } finally {
        check.close();
      }
    } finally {
      rig.sim.clearFaults();
    }
  }, 60_000);
});

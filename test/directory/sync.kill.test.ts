import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/context.js";
import type { GongSim } from "../../src/sim/server.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";

/**
 * A real `kill -9` of `gongops sync` while it writes the new snapshot: the previous snapshot must stay
 * current and intact, and the next sync must clean up and succeed.
 */
const BIN = fileURLToPath(new URL("../../bin/gongops.js", import.meta.url));
let sim: GongSim;
let dir: string;
let ctx: AppContext;

beforeAll(async () => {
  sim = await startSim({ orgOptions: { users: 5_000, seed: 5, callsPerHostPerWeek: 0, messy: true } });
  dir = mkdtempSync(join(tmpdir(), "gongops-kill-"));
  ctx = simContext(sim, { GONGOPS_DB_PATH: join(dir, "gongops.db") });
});
afterAll(async () => {
  await ctx.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("kill -9 during a sync", () => {
  it("leaves the previous snapshot current and intact; the next sync recovers", async () => {
    const first = await ctx.directory.sync!.run();
    const gen = first.run.id;
    const current = () =>
      ctx.db.$client
        .prepare(
          `SELECT u.id, title, raw FROM directory_users u
           JOIN directory_records r ON r.id = u.id AND r.valid_from = u.valid_from
           WHERE u.valid_from <= @g AND (valid_to IS NULL OR valid_to > @g) ORDER BY u.id`,
        )
        .all({ g: gen });
    const before = current();
    // Every user changes, so the killed sync has 5,000 versions to close and 5,000 to write.
    for (const u of sim.org.users()) sim.org.updateUser(u.id, { title: "Changed" });

    const child = spawn(process.execPath, [BIN, "sync"], {
      env: {
        ...process.env,
        ...sim.env(),
        GONGOPS_DB_PATH: join(dir, "gongops.db"),
        GONG_MAX_RPS: "10000",
        GONG_DAILY_QUOTA: "1000000",
        GONGOPS_LEASE_SECONDS: "2",
      },
      stdio: "ignore",
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => resolve(signal)),
    );
    const watcher = new Database(join(dir, "gongops.db"), { readonly: true });
    let killedWhileWriting = false;
    for (let i = 0; i < 6000 && child.exitCode === null; i++) {
      const running = watcher
        .prepare("SELECT id FROM sync_runs WHERE outcome = 'running' ORDER BY id DESC LIMIT 1")
        .get() as { id: number } | undefined;
      const written = running
        ? (
            watcher
              .prepare("SELECT count(*) AS n FROM directory_users WHERE valid_from = ?")
              .get(running.id) as { n: number }
          ).n
        : 0;
      if (written > 0) {
        child.kill("SIGKILL");
        killedWhileWriting = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    watcher.close();
    expect(await exited).toBe("SIGKILL");
    expect(killedWhileWriting).toBe(true);

    // What readers see: the first snapshot, unchanged.
    expect(ctx.repos.directory.state()!.gen).toBe(gen);
    expect(current()).toEqual(before);
    const killed = ctx.repos.syncRuns.recent(1)[0]!;
    expect(killed.outcome).toBe("running");

    // Once the dead process's lease has run out, the next sync marks its run failed, deletes its rows,
    // and succeeds.
    await new Promise((r) => setTimeout(r, 2100));
    const next = await ctx.directory.sync!.run();
    expect(next.run.counts.title_changed).toBe(5_000);
    expect(ctx.repos.syncRuns.get(killed.id)).toMatchObject({
      outcome: "failed",
      error: expect.stringMatching(/interrupted/),
    });
    const leftovers = ctx.db.$client
      .prepare("SELECT count(*) AS n FROM directory_users WHERE valid_from = @g OR valid_to = @g")
      .get({ g: killed.id });
    expect(leftovers).toEqual({ n: 0 });
    expect(ctx.repos.directory.count(next.run.id)).toBe(5_000);
  }, 60_000);
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../src/store/db.js";
import { JobsRepo } from "../../src/store/jobs.repo.js";
import { cli } from "../helpers/cli.js";

let dir: string;
let env: Record<string, string>;
const ids: Record<"queued" | "running" | "retrying" | "dead" | "succeeded", number> = {} as never;
const T = new Date("2026-03-01T09:00:00Z");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gongops-jobs-cli-"));
  env = { GONGOPS_DB_PATH: join(dir, "g.db"), GONGOPS_LOG_LEVEL: "warn" };
  const db = openDatabase(env.GONGOPS_DB_PATH!);
  const repo = new JobsRepo(db);
  const add = (key: string) =>
    repo.enqueue({ kind: "k", payload: { key }, runAt: T, maxAttempts: 1, idempotencyKey: key }, T).job.id;
  const claim = () =>
    repo.claim({ owner: "p1", token: `p1:${Math.random()}`, kinds: ["k"], now: T, leaseMs: 60_000 })!;
  ids.dead = add("dead");
  repo.fail(ids.dead, claim().leaseToken!, "GONG_AUTH: Gong refused the key", null, T);
  ids.succeeded = add("ok");
  repo.succeed(ids.succeeded, claim().leaseToken!, T);
  ids.retrying = add("retry");
  repo.giveBack(ids.retrying, claim().leaseToken!, new Date(T.getTime() + 60_000), "waiting: 429", T);
  ids.running = add("running");
  claim();
  ids.queued = add("queued");
  await closeDatabase(db);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("gongops jobs", () => {
  it("lists queued, running, retrying and dead jobs (not succeeded ones) as one JSON document", async () => {
    const r = await cli(["jobs", "--json"], env);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.counts).toEqual({ queued: 1, running: 1, retrying: 1, succeeded: 1, dead: 1 });
    expect(doc.jobs.map((j: { id: number }) => j.id)).toEqual([
      ids.queued,
      ids.running,
      ids.retrying,
      ids.dead,
    ]);
    expect(doc.jobs.find((j: { id: number }) => j.id === ids.dead)).toMatchObject({
      status: "dead",
      lastError: "GONG_AUTH: Gong refused the key",
      idempotencyKey: "dead",
      finishedAt: T.toISOString(),
    });
  });

  it("filters by status; failed means retrying", async () => {
    const r = await cli(["jobs", "list", "--status", "failed,dead", "--json"], env);
    expect(r.json().jobs.map((j: { status: string }) => j.status)).toEqual(["retrying", "dead"]);
    const table = await cli(["jobs", "--status", "running"], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/running 1/);
    expect(table.stdout).toMatch(/lease until 2026-03-01 09:01:00\s+p1/);
  });

  it("retry puts a dead job back to queued now, with fresh attempts", async () => {
    const r = await cli(["jobs", "retry", String(ids.dead), "--json"], env);
    expect(r.code).toBe(0);
    expect(r.json().job).toMatchObject({ id: ids.dead, status: "queued", attempts: 0, finishedAt: null });
    const again = await cli(["jobs", "retry", String(ids.dead)], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is queued; only dead or retrying jobs can be retried/);
  });

  it("exits 1 for a job that does not exist and 2 for bad usage, with one JSON document under --json", async () => {
    const missing = await cli(["jobs", "retry", "9999", "--json"], env);
    expect(missing.code).toBe(1);
    expect(missing.json().error.code).toBe("NOT_FOUND");
    for (const argv of [
      ["jobs", "frob"],
      ["jobs", "retry"],
      ["jobs", "retry", "x1"],
      ["jobs", "--status", "bogus"],
      ["jobs", "--limit", "0"],
    ]) {
      const r = await cli([...argv, "--json"], env);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.json().error.code).toBe("USAGE");
    }
  });
});

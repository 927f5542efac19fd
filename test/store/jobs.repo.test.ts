import { beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/db.js";
import { type Claim, JobsRepo } from "../../src/store/jobs.repo.js";

const T0 = Date.parse("2026-03-01T09:00:00Z");
const at = (ms: number) => new Date(T0 + ms);
let repo: JobsRepo;
let db: ReturnType<typeof openDatabase>;

beforeEach(() => {
  db = openDatabase(":memory:");
  repo = new JobsRepo(db);
});

function add(kind = "k", key: string | null = null, runAt = at(0), maxAttempts = 3) {
  return repo.enqueue({ kind, payload: { n: 1 }, runAt, maxAttempts, idempotencyKey: key }, at(0)).job;
}
const claimAs = (owner: string, ms: number, extra: Partial<Claim> = {}) =>
  repo.claim({ owner, token: `${owner}:${ms}`, kinds: ["k"], now: at(ms), leaseMs: 1_000, ...extra });

describe("JobsRepo claims", () => {
  it("gives a due job to one claimant only, and only once it is due", () => {
    const job = add("k", null, at(500));
    expect(claimAs("a", 499)).toBeUndefined();
    const a = claimAs("a", 500);
    expect(a).toMatchObject({ id: job.id, status: "running", attempts: 1, leaseOwner: "a" });
    expect(a!.leaseExpiresAt!.getTime()).toBe(T0 + 1_500);
    expect(claimAs("b", 600)).toBeUndefined();
  });

  it("takes over a job whose lease expired, and the old holder then writes nothing", () => {
    const job = add();
    const a = claimAs("a", 0)!;
    expect(claimAs("b", 999)).toBeUndefined();
    const b = claimAs("b", 1_000)!;
    expect(b).toMatchObject({ id: job.id, attempts: 2, leaseOwner: "b" });
    expect(repo.renew(job.id, a.leaseToken!, at(3_000), at(1_001))).toBe(false);
    expect(repo.succeed(job.id, a.leaseToken!, at(1_001))).toBe(false);
    expect(repo.fail(job.id, a.leaseToken!, "x", null, at(1_001))).toBe(false);
    expect(repo.get(job.id)).toMatchObject({ status: "running", leaseOwner: "b" });
    expect(repo.succeed(job.id, b.leaseToken!, at(1_002))).toBe(true);
    expect(repo.get(job.id)).toMatchObject({ status: "succeeded", leaseOwner: null, leaseToken: null });
  });

  it("renewing keeps a job from being taken over", () => {
    add();
    const a = claimAs("a", 0)!;
    expect(repo.renew(a.id, a.leaseToken!, at(1_800), at(800))).toBe(true);
    expect(claimAs("b", 1_500)).toBeUndefined();
    expect(claimAs("b", 1_800)).toMatchObject({ leaseOwner: "b" });
  });

  it("claims only the kinds it is given, oldest due first", () => {
    add("other");
    const late = add("k", null, at(10));
    const early = add("k", null, at(5));
    expect(claimAs("a", 20)?.id).toBe(early.id);
    expect(claimAs("a", 20)?.id).toBe(late.id);
    expect(claimAs("a", 20)).toBeUndefined();
    expect(claimAs("a", 20, { kinds: [] })).toBeUndefined();
  });

  it("buries a job whose owner died on its last attempt instead of running it again", () => {
    const job = add("k", null, at(0), 1);
    claimAs("a", 0);
    expect(claimAs("b", 5_000)).toBeUndefined();
    const dead = repo.buryExpired(["k"], at(5_000));
    expect(dead.map((j) => j.id)).toEqual([job.id]);
    expect(repo.get(job.id)).toMatchObject({
      status: "dead",
      lastError: expect.stringMatching(/lease expired/),
    });
  });
});

describe("JobsRepo enqueue", () => {
  it("an existing idempotency key returns the existing job, whatever its status", () => {
    const first = repo.enqueue(
      { kind: "k", payload: { n: 1 }, runAt: at(0), maxAttempts: 3, idempotencyKey: "x" },
      at(0),
    );
    const a = claimAs("a", 0)!;
    repo.succeed(a.id, a.leaseToken!, at(1));
    const again = repo.enqueue(
      { kind: "k", payload: { n: 2 }, runAt: at(9), maxAttempts: 3, idempotencyKey: "x" },
      at(9),
    );
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.job).toMatchObject({ id: first.job.id, status: "succeeded", payload: { n: 1 } });
    // Jobs without a key never collide.
    add();
    add();
    expect(repo.counts()).toMatchObject({ queued: 2, succeeded: 1 });
  });

  it("joins the caller's transaction: rolled back with it, committed with it", () => {
    expect(() =>
      db.transaction((tx) => {
        repo.enqueue(
          { kind: "k", payload: {}, runAt: at(0), maxAttempts: 1, idempotencyKey: "t" },
          at(0),
          tx,
        );
        throw new Error("the state change failed");
      }),
    ).toThrow(/state change/);
    expect(repo.list()).toEqual([]);
    db.transaction((tx) => {
      repo.enqueue({ kind: "k", payload: {}, runAt: at(0), maxAttempts: 1, idempotencyKey: "t" }, at(0), tx);
    });
    expect(repo.list()).toHaveLength(1);
  });
});

describe("JobsRepo outcomes", () => {
  it("giveBack returns the attempt; retryNow revives dead jobs with fresh attempts", () => {
    const job = add();
    const a = claimAs("a", 0)!;
    expect(repo.giveBack(job.id, a.leaseToken!, at(60_000), "waiting: 429", at(1))).toBe(true);
    expect(repo.get(job.id)).toMatchObject({ status: "retrying", attempts: 0, lastError: "waiting: 429" });
    expect(repo.get(job.id)!.runAt.getTime()).toBe(T0 + 60_000);

    const b = claimAs("b", 60_000)!;
    expect(repo.fail(job.id, b.leaseToken!, "boom", null, at(60_001))).toBe(true);
    expect(repo.get(job.id)).toMatchObject({ status: "dead", attempts: 1, lastError: "boom" });
    expect(repo.retryNow(job.id, at(70_000))).toMatchObject({
      status: "queued",
      attempts: 0,
      finishedAt: null,
    });
    expect(repo.retryNow(job.id, at(70_000))).toBeUndefined(); // queued: nothing to retry
    expect(repo.list({ statuses: ["dead"] })).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { oneJson, runGongops } from "../helpers/process.js";
import { cliRig } from "./cliRig.js";

/**
 * The CLI as a real process against the simulator, fault by fault: each ends with a clear message, the
 * right exit code, nothing lost, and the right answer once the fault is gone.
 */
const rig = cliRig();
const { freshDb, env } = rig;

describe("every command, as a process", () => {
  it("exits 0 after a correct answer, and --json prints exactly one document, success or failure", async () => {
    const db = freshDb();
    const u = rig.sim.org.users().find((x) => x.active && x.managerId)!;
    const ok = async (args: string[]) => {
      const r = await runGongops(args, env(db));
      expect(r.code, `gongops ${args.join(" ")} said: ${r.stderr}`).toBe(0);
      oneJson(r.stdout);
    };
    await ok(["sync", "--json"]);
    // Independent commands at once (processes mostly wait here); the exempt list's steps in order.
    await Promise.all([
      ...[
        ["user", u.emailAddress, "--json"],
        ["chain", u.id, "--json"],
        ["reports", u.managerId!, "--json"],
        ["org-health", "--json"],
        ["audit", "--days", "30", "--json"],
      ].map(ok),
      (async () => {
        await ok(["exempt", "add", "someone@elsewhere.example", "--json"]);
        await ok(["exempt", "list", "--json"]);
        await ok(["exempt", "remove", "someone@elsewhere.example", "--json"]);
      })(),
    ]);
    await ok(["audit", "--history", "--json"]);
    const failing: [string[], number][] = [
      [["frobnicate", "--json"], 2],
      [["sync", "extra", "--json"], 2],
      [["audit", "--days", "abc", "--json"], 2],
      [["audit", "--resume", "--days", "3", "--json"], 2],
      [["user", "nobody-here-zzz", "--json"], 1],
      [["exempt", "add", "title:Vice", "President*", "--json"], 2],
    ];
    await Promise.all(
      failing.map(async ([args, code]) => {
        const r = await runGongops(args, env(db));
        expect({ args, code: r.code }).toEqual({ args, code });
        expect(oneJson(r.stdout)).toBeTypeOf("object");
      }),
    );
  }, 90_000);

  it("bad input changes nothing and says so plainly", async () => {
    const db = freshDb();
    await runGongops(["sync"], env(db));
    const inputs = ["", "x".repeat(5000), "🙂🙂", `"quoted'`, "'; DROP TABLE exemptions; --", "<@U123|name>"];
    await Promise.all(
      inputs.map(async (input) => {
        const r = await runGongops(["user", input], env(db));
        expect([1, 2]).toContain(r.code);
        expect(r.stderr).not.toMatch(/unexpected failure|at .*\.ts:\d+/);
        const e = await runGongops(["exempt", "add", input], env(db));
        expect(e.code).toBe(2);
        expect(e.stderr).not.toMatch(/unexpected failure/);
      }),
    );
    const list = await runGongops(["exempt", "list", "--json"], env(db));
    expect(oneJson(list.stdout)).toEqual([]);
  }, 90_000);
});

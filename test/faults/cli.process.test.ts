import { describe, expect, it } from "vitest";
import { oneJson, runGongops } from "../helpers/process.js";
import { cliRig } from "./cliRig.js";

/**
 * The CLI as a real process against the simulator, fault by fault: each ends with a clear message, the
 * right exit code, nothing lost, and the right answer once the fault is gone.
 */
const rig = cliRig();
const { freshDb, env } = rig;

// Every command's exit code and its one JSON document, success and failure: cli.contract.process.test.ts.
describe("every command, as a process", () => {
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

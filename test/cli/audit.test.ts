import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GongSim } from "../../src/sim/server.js";
import { cli } from "../helpers/cli.js";
import { startSim } from "../helpers/gong.js";

let sim: GongSim;
let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  sim = await startSim({ orgOptions: { users: 300, seed: 3 } });
  dir = mkdtempSync(join(tmpdir(), "gongops-cli-audit-"));
  env = { ...sim.env(), GONGOPS_DB_PATH: join(dir, "g.db"), GONG_MAX_RPS: "1000", GONGOPS_LOG_LEVEL: "warn" };
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("gongops audit and exempt", () => {
  it("exempt add/list/remove, with clear refusals", async () => {
    expect(
      (
        await cli(["exempt", "add", "@contractors.acme.example", "--reason", "agency"], {
          ...env,
          GONGOPS_OPERATOR: "jane@laptop",
        })
      ).code,
    ).toBe(0);
    expect((await cli(["exempt", "add", "title:VP*"], env)).code).toBe(0);
    const again = await cli(["exempt", "add", "title:VP*"], env);
    expect(again.stdout).toMatch(/Already exempt/);
    const list = await cli(["exempt", "list", "--json"], env);
    expect(list.json()).toEqual(
      expect.arrayContaining([
        // Who added it, by name: the terminal's operator, never "cli".
        expect.objectContaining({
          kind: "domain",
          value: "contractors.acme.example",
          reason: "agency",
          createdBy: "jane@laptop (terminal)",
        }),
        expect.objectContaining({ kind: "title", value: "VP*" }),
      ]),
    );
    const bad = await cli(["exempt", "add", "not-a-rule"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot tell what "not-a-rule" exempts/);
    expect((await cli(["exempt", "remove", "title:VP*"], env)).code).toBe(0);
    expect((await cli(["exempt", "remove", "title:VP*"], env)).code).toBe(1);
  });

  it("audit --json prints the documented document", async () => {
    const r = await cli(["audit", "--days", "90", "--json"], env);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining(["from", "to", "lookbackDays", "inactive", "exempt", "summary"]),
    );
    expect(doc.lookbackDays).toBe(90);
    expect(Object.keys(doc.summary).sort()).toEqual([
      "apiRequests",
      "candidates",
      "exempt",
      "inactive",
      "rule",
      "strategy",
    ]);
    expect(doc.rule).toBe("any");
    expect(doc.days).toMatch(/whole days .* in America\/Los_Angeles/);
    expect(doc.summary.inactive).toBe(doc.inactive.length);
    expect(Object.keys(doc.inactive[0]).sort()).toEqual([
      "activity",
      "created",
      "email",
      "firstName",
      "id",
      "lastHostedCall",
      "lastName",
      "managerId",
      "title",
    ]);
    // Users kept only because of activity other than hosting say what it was.
    expect(doc.activeOtherThanHosting.length).toBeGreaterThan(0);
    expect(doc.activeOtherThanHosting[0].reason).toMatch(
      /listened|attended|scorecard|comment|feedback|shared/,
    );
    expect(Object.keys(doc.exempt[0]).sort()).toEqual(["email", "id", "reason"]);
    expect(r.stderr).toMatch(/checking activity/);
  });

  it("--format csv prints one row per inactive user; --history lists the runs", async () => {
    const csv = await cli(["audit", "--format", "csv", "--strategy", "bulk"], env);
    const lines = csv.stdout.trim().split("\r\n");
    // Every column carries something: the manager by name and email, the last activity in words (an
    // inactive user's activity counts are all 0 under "any", so none is listed).
    const header =
      "id,email,firstName,lastName,title,managerId,managerName,managerEmail,created,lastActivity";
    expect(lines[0]).toBe(header);
    const rows = lines.slice(1).map(csvFields);
    expect(rows.every((c) => /^(none in 90 days|hosted a call \d{4}-\d\d-\d\d)$/.test(c.at(-1)!))).toBe(true);
    // A manager the directory knows has a name and an email (one id points at nobody: left blank).
    const managed = rows.filter((c) => c[5] !== "" && c[5] !== "9999999999999999999");
    expect(managed.length).toBeGreaterThan(0);
    expect(managed.filter((c) => c[6] === "" || !/@/.test(c[7]!))).toEqual([]);
    const hosted = await cli(["audit", "--format", "csv", "--activity", "hosted"], env);
    expect(hosted.stdout.split("\r\n")[0]).toBe(header);
    const json = (await cli(["audit", "--json"], env)).json();
    expect(lines).toHaveLength(json.inactive.length + 1);
    const history = await cli(["audit", "--history"], env);
    expect(history.stdout).toMatch(/succeeded/);
    expect(history.stdout.split("\n").length).toBeGreaterThanOrEqual(5);
  });

  it("bad arguments change nothing and say what is expected", async () => {
    for (const [argv, message] of [
      [["audit", "--days", "0"], /--days must be between 1/],
      [["audit", "--strategy", "fast"], /--strategy must be one of auto, per-user, bulk/],
      [["audit", "--format", "xml"], /--format must be one of table, csv, json/],
      [["audit", "--run", "3"], /--run goes with --resume/],
      [["audit", "--activity", "some"], /--activity must be one of any, hosted/],
    ] as const) {
      const r = await cli([...argv], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const none = await cli(["audit", "--resume"], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no unfinished audit to resume/);
  });
});

/** One CSV line's fields (RFC 4180 quoting: a quoted field may hold commas and doubled quotes). */
function csvFields(line: string): string[] {
  return [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) =>
    m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replaceAll('""', '"') : m[1]!,
  );
}

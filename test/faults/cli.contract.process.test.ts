import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { commands } from "../../src/cli/commands/index.js";
import { exitCodeOf } from "../../src/cli.js";
import type { ErrorCode } from "../../src/errors.js";
import { FakeSlack } from "../helpers/fakeSlack.js";
import { type Finished, listeningPort, runGongops, spawnGongops, until } from "../helpers/process.js";
import { cliRig } from "./cliRig.js";

/**
 * One contract for every command (README, "One contract for every command"): each command, run as a
 * process with --json, succeeding and failing, prints exactly one JSON document on stdout, `error`
 * only on failure, and exits with the code the README's table gives the error's code. One simulator,
 * one database, a few processes at a time.
 */
const rig = cliRig();
let fake: FakeSlack;
let db: string;
const CHANNEL = "C0CONTRACT1";

beforeAll(async () => {
  fake = await FakeSlack.start();
  fake.channelNames.set("general", "C0GENERAL01");
  fake.channelNames.set("random", "C0RANDOM001");
  fake.channelNames.set("revops", CHANNEL);
});
afterAll(async () => {
  await fake.close();
});

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The README's table: each error code with its exit code. */
function readmeExits(): Map<string, number> {
  const section = README.slice(README.indexOf("### One contract for every command"));
  const table = new Map<string, number>();
  for (const line of section.split("\n").slice(0, 30)) {
    const m = /^\| (\d) \|.*\|(.*)\|$/.exec(line);
    if (!m) continue;
    for (const code of m[2]!.matchAll(/`([A-Z_]+)`/g)) table.set(code[1]!, Number(m[1]));
  }
  return table;
}

function env(extra: Record<string, string> = {}) {
  return rig.env(db, { GONGOPS_ALLOW_SELF_APPROVAL: "true", ...extra });
}
const slackEnv = () => ({
  SLACK_BOT_TOKEN: "xoxb-contract",
  SLACK_SIGNING_SECRET: "contract-secret",
  SLACK_API_URL: `${fake.url}/api`,
});

interface Case {
  args: string[];
  /** The exit code, and on failure the error's code. */
  exit: number;
  error?: ErrorCode;
  env?: Record<string, string>;
}
interface Seen extends Case {
  run: Finished;
  doc: Record<string, any>;
}
const seen: Seen[] = [];

async function run(c: Case): Promise<Seen> {
  const r = await runGongops(c.args, c.env ?? env(), 60_000);
  let doc: Record<string, any>;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new Error(
      `gongops ${c.args.join(" ")}: stdout is not one JSON document:\n${r.stdout.slice(0, 400)}\n${r.stderr.slice(-400)}`,
    );
  }
  const s = { ...c, run: r, doc };
  seen.push(s);
  return s;
}

/** Runs the cases, at most `n` processes at a time. */
async function pool(cases: Case[], n = 4): Promise<Seen[]> {
  const out: Seen[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < cases.length) out.push(await run(cases[next++]!));
    }),
  );
  return out;
}

const j = (...args: string[]) => [...args, "--json"];

describe("every command with --json, succeeding and failing", () => {
  it("one JSON document, `error` exactly on failure, the exit code of the README's table", async () => {
    // Its own database and backup file each attempt: a retry (vitest.config.ts) starts from nothing.
    db = rig.freshDb();
    seen.length = 0;
    const backupFile = join(rig.dir, `contract-backup-${rig.n}.db`);
    const users = rig.sim.org.users();
    const u = users.find((x) => x.active && x.managerId)!;
    // The simulator (runs until stopped) and the demo (runs it all, on its own simulator and database)
    // need nothing of the rest: they run alongside it.
    const alone = (async () => {
      const sim = spawnGongops(j("sim", "--port", "0", "--users", "20"), {});
      await until(() => sim.stdout().trim().endsWith("}"), 20_000);
      sim.child.kill("SIGINT");
      const simDone = await sim.done;
      seen.push({ args: j("sim"), exit: 0, run: simDone, doc: JSON.parse(simDone.stdout) });
      await run({ args: j("demo", "--users", "30", "--days", "14", "--out", rig.dir), exit: 0, env: {} });
    })();
    // Should the rest fail first, this still ends within the attempt (a retry empties `seen`), and its
    // own failure is not left unhandled.
    const aloneSettled = alone.then(
      () => undefined,
      () => undefined,
    );
    onTestFinished(() => aloneSettled);
    await run({ args: j("sync"), exit: 0 });
    // What needs only the directory, and the failures that need nothing (in any order).
    await pool([
      { args: j("user", u.emailAddress), exit: 0 },
      { args: j("user", "nobody-here-zzz"), exit: 1, error: "NOT_FOUND" },
      { args: j("chain", u.id), exit: 0 },
      { args: j("chain", "nobody-here-zzz"), exit: 1, error: "NOT_FOUND" },
      { args: j("reports", u.managerId!), exit: 0 },
      { args: j("reports", u.managerId!, "--depth", "x"), exit: 2, error: "USAGE" },
      { args: j("org-health"), exit: 0 },
      { args: j("org-health", "extra"), exit: 2, error: "USAGE" },
      { args: j("sync", "extra"), exit: 2, error: "USAGE" },
      { args: j("audit", "--days", "30"), exit: 0 },
      { args: j("audit", "--days", "abc"), exit: 2, error: "USAGE" },
      { args: j("audit", "--resume", "--run", "999"), exit: 1, error: "NOT_FOUND" },
      { args: j("exempt", "add", "someone@elsewhere.example"), exit: 0 },
      { args: j("exempt", "remove", "nobody@elsewhere.example"), exit: 1, error: "NOT_FOUND" },
      { args: j("exempt", "add", "@acme.example"), exit: 1, error: "REFUSED" },
      { args: j("exempt", "list"), exit: 0 },
      { args: j("trend"), exit: 0 },
      { args: j("trend", "--out", "x.csv"), exit: 2, error: "USAGE" },
      { args: j("jobs"), exit: 0 },
      { args: j("jobs", "retry", "999"), exit: 1, error: "NOT_FOUND" },
      { args: j("leavers"), exit: 0, env: env(slackEnv()) },
      { args: j("doctor"), exit: 0, env: env(slackEnv()) },
      {
        args: j("doctor"),
        exit: 1,
        error: "REFUSED",
        env: env({ ...slackEnv(), GONG_SCIM_TOKEN: "wrong-token" }),
      },
      { args: j("leavers"), exit: 2, error: "USAGE" },
      { args: j("newcomers", "extra"), exit: 2, error: "USAGE" },
      { args: j("digest", "--days", "abc"), exit: 2, error: "USAGE" },
      { args: j("backup", backupFile), exit: 0 },
      { args: j("start"), exit: 2, error: "CONFIG_INVALID" },
      { args: j("sim", "--port", "abc"), exit: 2, error: "USAGE" },
      { args: j("demo", "--via", "foo"), exit: 2, error: "USAGE" },
      { args: j("deactivate", u.emailAddress), exit: 2, error: "USAGE" },
      { args: j("reactivate", "nobody-here-zzz", "--reason", "x"), exit: 1, error: "NOT_FOUND" },
      { args: j("reactivate", u.emailAddress, "--reason", "x"), exit: 1, error: "REFUSED" },
      { args: j("trail", "--since", "not a date"), exit: 2, error: "USAGE" },
      { args: j("requests", "show", "999"), exit: 1, error: "NOT_FOUND" },
      { args: j("requests", "release", "999.1", "--reason", "x"), exit: 1, error: "NOT_FOUND" },
      {
        args: j("schedule", "add", "--cron", "0 9 * * MON", "--tz", "EST", "--channel", CHANNEL),
        exit: 2,
        error: "USAGE",
      },
      {
        args: j("schedule", "add", "--cron", "0 9 * * MON", "--channel", "#revops"),
        exit: 2,
        error: "CONFIG_INVALID",
      },
      {
        args: j("schedule", "add", "--cron", "0 9 * * MON", "--channel", "#nowhere"),
        exit: 1,
        error: "NOT_FOUND",
        env: env(slackEnv()),
      },
      { args: j("schedule", "remove", "999"), exit: 1, error: "NOT_FOUND" },
      { args: j("frobnicate"), exit: 2, error: "USAGE" },
    ]);
    await run({ args: j("backup", backupFile), exit: 1, error: "CONFLICT" });
    const added = await run({
      args: j("schedule", "add", "--cron", "0 9 * * MON", "--tz", "America/New_York", "--channel", "#revops"),
      exit: 0,
      env: env(slackEnv()),
    });
    expect(added.doc.schedule.channel).toBe(CHANNEL);
    // Who made it, by name (the operator at the terminal), never "cli".
    expect(added.doc.schedule.createdBy).toMatch(/^\S+ \(terminal\)$/);
    const sid = String(added.doc.schedule.id);

    // A request from the audit's inactive users; the same person again is refused with the reason alone.
    const audit = seen.find((s) => s.args[0] === "audit" && s.exit === 0)!.doc;
    const [a, b] = audit.inactive as { email: string }[];
    const filed = await run({
      args: j("deactivate", a!.email, b!.email, "--reason", "contract", "--audit", String(audit.runId)),
      exit: 0,
    });
    const request = filed.doc.request.id as number;
    expect(filed.doc.subjects.map((s: { ref: string }) => s.ref)).toEqual([`${request}.1`, `${request}.2`]);
    await pool([
      { args: j("deactivate", a!.email, "--reason", "again"), exit: 1, error: "REFUSED" },
      { args: j("requests"), exit: 0 },
      { args: j("requests", "show", `#${request}`), exit: 0 },
      { args: j("requests", "release", a!.email, "--reason", "x"), exit: 1, error: "REFUSED" },
      { args: j("requests", "release", String(request), "--reason", "x"), exit: 2, error: "USAGE" },
      { args: j("requests", "approve", `${request}.2`, "--reason", "contract"), exit: 0 },
      { args: j("requests", "retry", `${request}.1`), exit: 1, error: "REFUSED" },
      { args: j("newcomers"), exit: 0 },
      { args: j("digest", "--days", "30"), exit: 0 },
      { args: j("schedule", "pause", sid), exit: 0 },
      { args: j("schedule"), exit: 0 },
      { args: j("trail"), exit: 0 },
      { args: j("exempt", "remove", "someone@elsewhere.example"), exit: 0 },
    ]);
    const refusal = seen.find((s) => s.error === "REFUSED" && s.args[0] === "deactivate")!;
    expect(refusal.doc.error.message).toMatch(new RegExp(`already in open request #${request}`));
    expect(refusal.run.stderr).not.toMatch(/Usage:/);
    const trail = seen.find((s) => s.args[0] === "trail" && s.exit === 0)!.doc as unknown as {
      subject: string;
    }[];
    expect(new Set(trail.map((t) => t.subject))).toEqual(new Set([`${request}.1`, `${request}.2`]));

    // The running app carries out the approval; stopped, it prints its one document.
    const app = spawnGongops(j("start"), env({ ...slackEnv(), PORT: "0", GONGOPS_LOG_LEVEL: "info" }));
    try {
      await listeningPort(app, 30_000);
      await until(async () => {
        const r = await runGongops(j("requests", "show", String(request)), env());
        return JSON.parse(r.stdout).subjects[1].state === "done";
      }, 30_000);
    } finally {
      app.child.kill("SIGTERM");
    }
    const stopped = await app.done;
    seen.push({ args: j("start"), exit: 0, run: stopped, doc: JSON.parse(stopped.stdout) });
    expect(stopped.stderr).not.toMatch(/database connection is not open/);
    await pool([
      { args: j("reactivate", b!.email, "--reason", "contract"), exit: 0 },
      { args: j("jobs", "retry", "1"), exit: 1 },
    ]);
    await run({ args: j("schedule", "run", sid), exit: 0 });
    await run({ args: j("schedule", "remove", sid), exit: 0 });

    await alone;
    const exits = readmeExits();
    if (process.env.CONTRACT_TIMES) for (const s of seen) console.log(s.run.ms, s.args.join(" "));
    for (const s of seen) {
      const what = `gongops ${s.args.join(" ")}: ${s.run.stderr.slice(-300)}`;
      expect(s.run.code, what).toBe(s.exit);
      if (s.exit === 0) expect(s.doc.error, what).toBeUndefined();
      else {
        expect(typeof s.doc.error?.message, what).toBe("string");
        if (s.error) expect(s.doc.error.code, what).toBe(s.error);
        expect(exits.get(s.doc.error.code), what).toBe(s.exit);
        if (s.exit === 1) expect(s.run.stderr, what).not.toMatch(/Usage:/);
      }
    }
    // Every command, both ways.
    for (const c of commands) {
      const mine = seen.filter((s) => s.args[0] === c.name);
      expect({ command: c.name, ok: mine.some((s) => s.exit === 0) }).toEqual({ command: c.name, ok: true });
      expect({ command: c.name, fails: mine.some((s) => s.exit !== 0) }).toEqual({
        command: c.name,
        fails: true,
      });
    }
  }, 150_000);

  it("the README's table lists every error code with the exit code the CLI gives it", () => {
    const codes = [
      ...readFileSync(new URL("../../src/errors.ts", import.meta.url), "utf8").matchAll(
        /^ {2}\| "([A-Z_]+)"/gm,
      ),
    ].map((m) => m[1]! as ErrorCode);
    expect(codes.length).toBeGreaterThan(20);
    const exits = readmeExits();
    for (const code of codes)
      expect({ code, exit: exits.get(code) }).toEqual({ code, exit: exitCodeOf(code) });
  });

  it("output into a pipe that closes (`gongops requests show 1 | head`) ends quietly, with the command's code", async () => {
    for (const args of [["requests", "show", "1"], j("trail"), ["requests"]]) {
      const r = spawnGongops(args, env());
      r.child.stdout!.destroy();
      const done = await r.done;
      expect({ args, code: done.code, stderr: done.stderr }).toEqual({ args, code: 0, stderr: "" });
    }
  }, 30_000);
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createContext } from "../../src/context.js";
import { JobWorker } from "../../src/jobs/index.js";
import type { GongSim } from "../../src/sim/server.js";
import { CHAINED } from "../helpers/chained.js";
import { cli } from "../helpers/cli.js";
import { startSim } from "../helpers/gong.js";
import { captureLog } from "../helpers/log.js";
import { ID, knownOrg } from "../helpers/org.js";
import { PATCH, slackIdOf } from "./helpers.js";

/** The terminal face: a request filed from the CLI is stored, and the app (another context) posts it. */
let sim: GongSim;
let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  sim = await startSim({ org: knownOrg() });
  dir = mkdtempSync(join(tmpdir(), "gongops-approvals-cli-"));
  env = {
    ...sim.env(),
    GONGOPS_DB_PATH: join(dir, "g.db"),
    GONG_MAX_RPS: "1000",
    GONGOPS_LOG_LEVEL: "warn",
    GONGOPS_OPERATOR: "ana@desk",
    GONGOPS_APPROVALS_CHANNEL: "C0APPROVALS",
  };
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const email = (id: string) => sim.org.user(id)!.emailAddress;

describe("what the terminal files", CHAINED, () => {
  // A database of its own: the suite below counts the requests the app posts.
  const env2 = (): Record<string, string> => ({ ...env, GONGOPS_DB_PATH: join(dir, "terminal.db") });
  it("GONGOPS_DRY_RUN=true files a dry run that an app without it does not carry out", async () => {
    const dry = await cli(["deactivate", email(ID.will), "--reason", "rehearsal", "--json"], {
      ...env2(),
      GONGOPS_DRY_RUN: "true",
    });
    expect(dry.code, dry.stderr).toBe(0);
    const doc = dry.json();
    expect(doc.request.dryRun).toBe(true);
    expect(doc.subjects[0].dryRun).toBe(true);
    // The app runs without GONGOPS_DRY_RUN: the stored request still decides.
    const { log } = captureLog();
    const app = createContext({ config: loadConfig(env2()), log });
    try {
      expect(app.approvals.view(doc.request.id)!.dryRun).toBe(true);
      const patches = sim.stats.byEndpoint[PATCH] ?? 0;
      const [o] = await app.approvals.decide({
        subjectIds: [doc.subjects[0].id],
        decision: "approve",
        actor: { slackUserId: "UADMIN9", label: "<@UADMIN9>", isAdmin: true },
        override: true,
        reason: "rehearsal approved",
      });
      expect(o!.outcome).toBe("approved");
      await app.approvals.execute(doc.subjects[0].id);
      expect(app.repos.approvals.subject(doc.subjects[0].id)!.state).toBe("done");
      expect(sim.stats.byEndpoint[PATCH] ?? 0).toBe(patches);
      expect(sim.org.user(ID.will)!.active).toBe(true);
      // A dry run holds nothing: a real request for the same person can be filed beside it.
      const real = await cli(["deactivate", email(ID.will), "--reason", "for real", "--json"], env2());
      expect(real.code, real.stderr).toBe(0);
      expect(real.json().request.dryRun).toBe(false);
    } finally {
      await app.close();
    }
    const shown = await cli(["requests", "show", String(doc.request.id)], env2());
    expect(shown.stdout).toMatch(/DRY RUN/);
    expect(shown.stdout).toMatch(/Will Under: would be deactivated/);
    expect(shown.stdout).not.toMatch(/: deactivated/);
  });

  it("no approvals channel and nobody up the line: refused at filing, with the reason", async () => {
    const { GONGOPS_APPROVALS_CHANNEL: _, ...noChannel } = env2();
    const r = await cli(["deactivate", email(ID.zed), "--reason", "left"], noChannel);
    // A refusal: exit 1, its reason alone (never the usage).
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/Usage:/);
    expect(r.stderr).toMatch(/Zed Lost: nobody up Zed Lost's reporting line can decide/);
    expect(r.stderr).toMatch(/no approvals channel is set \(GONGOPS_APPROVALS_CHANNEL\)/);
  });
});

describe("gongops deactivate | requests | trail | reactivate", CHAINED, () => {
  it("refuses without a reason, and names who cannot be included", async () => {
    const noReason = await cli(["deactivate", email(ID.fay)], env);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason/);
    const inactive = await cli(["deactivate", email(ID.vpA), "--reason", "x"], env);
    expect(inactive.code).toBe(1);
    expect(inactive.stderr).toMatch(/Ben Down is not active in Gong/);
  });

  it("files from the CLI; the app assigns approvers and posts; the approval PATCHes once", async () => {
    const filed = await cli(["deactivate", email(ID.fay), "--reason", "left the team", "--json"], env);
    expect(filed.code).toBe(0);
    const doc = filed.json();
    expect(doc.subjects[0].approverKind).toBe("unassigned");
    const subjectId = doc.subjects[0].id as number;

    // The running app: its own context on the same database, with Slack people and a job worker.
    const { log } = captureLog();
    const app = createContext({ config: loadConfig(env), log });
    const posted: number[] = [];
    const worker = new JobWorker({
      repo: app.repos.jobs,
      jobs: app.jobKinds,
      clock: app.clock,
      pollMs: 10,
    });
    app.approvals.connect({
      slack: {
        byEmail: async (e) => ({
          userId: slackIdOf(sim.org.users().find((u) => u.emailAddress === e)!.id),
          deleted: false,
        }),
      },
      notifier: { notify: async (e) => void (e.kind === "filed" && posted.push(e.requestId)) },
      wake: () => worker.wake(),
    });
    worker.start();
    const t0 = Date.now();
    while (posted.length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    expect(posted).toEqual([doc.request.id]);
    expect(app.repos.approvals.subject(subjectId)!.approverSlackId).toBe(slackIdOf(ID.mgr));
    const [o] = await app.approvals.decide({
      subjectIds: [subjectId],
      decision: "approve",
      actor: { slackUserId: slackIdOf(ID.mgr), label: "mgr", isAdmin: false },
    });
    expect(o!.outcome).toBe("approved");
    while (app.repos.approvals.subject(subjectId)!.state !== "done" && Date.now() - t0 < 5000)
      await new Promise((r) => setTimeout(r, 10));
    await worker.stop();
    await app.close();
    expect(sim.stats.byEndpoint[PATCH]).toBe(1);

    const shown = await cli(["requests", "show", String(doc.request.id)], env);
    expect(shown.stdout).toMatch(/Fay Ng/);
    expect(shown.stdout).toMatch(/done/);
    const trail = await cli(["trail", "--format", "json"], env);
    const rows = JSON.parse(trail.stdout) as { to: string; actor: string; why: string }[];
    // "executing" twice: the PATCH is recorded before it goes out, then the move to done.
    expect(rows.map((t) => t.to)).toEqual([
      "pending",
      "pending",
      "approved",
      "executing",
      "executing",
      "done",
    ]);
    // Filed by the terminal's operator; the app's assignment is a trail row naming the approver.
    expect(rows[0]!.actor).toBe("ana@desk (terminal)");
    expect(rows[1]!.why).toMatch(new RegExp(`assigned: approver: Émile Zola <@${slackIdOf(ID.mgr)}>`));
    const csv = await cli(["trail", "--since", "2000-01-01"], env);
    expect(csv.stdout.split("\r\n")[0]).toBe("at,request,subject,user,email,actor,from,to,why,override");

    const again = await cli(["reactivate", email(ID.fay), "--reason", "back from leave"], env);
    expect(again.code).toBe(0);
    expect(sim.org.user(ID.fay)!.active).toBe(true);
    const list = await cli(["requests", "--json"], env);
    expect(list.json().requests[0].subjects[0].state).toBe("reactivated");
  });

  it("an admin override from the CLI needs a reason and is recorded as one, with the operator", async () => {
    const filed = await cli(
      ["deactivate", email(ID.olga), "--reason", "seat review", "--dry-run", "--json"],
      env,
    );
    expect(filed.code).toBe(0);
    // A subject is named within its request (request #N's first is N.1), or by the person's email.
    const subject = filed.json().subjects[0].ref as string;
    expect(subject).toBe(`${filed.json().request.id}.1`);
    expect((await cli(["requests", "keep", subject], env)).code).toBe(2);
    // A number alone would read as a request: refused, saying how to name the subject.
    const bare = await cli(["requests", "keep", String(filed.json().request.id), "--reason", "x"], env);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(new RegExp(`like ${subject.replace(".", "\\.")}`));
    // Olga has no manager: the approvals channel decides; from a terminal that is an override.
    const own = await cli(["requests", "keep", email(ID.olga), "--reason", "mine"], env);
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/you asked for this deactivation/);
    const other = { ...env, GONGOPS_OPERATOR: "bo@laptop" };
    const kept = await cli(["requests", "keep", subject, "--reason", "still needed for Q1"], other);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(/kept by bo@laptop \(terminal\)/);
    const trail = JSON.parse((await cli(["trail", "--format", "json"], env)).stdout) as {
      to: string;
      override: boolean;
      why: string;
      actor: string;
    }[];
    expect(trail.at(-1)).toMatchObject({
      to: "kept",
      override: true,
      why: "still needed for Q1",
      actor: "bo@laptop (terminal)",
    });
  });

  it("requests retry runs a failed deactivation again once its cause is fixed: no new request or approval", async () => {
    const filed = await cli(["deactivate", email(ID.big), "--reason", "seat review", "--json"], env);
    expect(filed.code, filed.stderr).toBe(0);
    const id = filed.json().subjects[0].id as number;
    const ref = filed.json().subjects[0].ref as string;
    const { log } = captureLog();
    const app = createContext({ config: loadConfig(env), log });
    try {
      const [o] = await app.approvals.decide({
        subjectIds: [id],
        decision: "approve",
        actor: { slackUserId: "UADMIN9", label: "<@UADMIN9>", isAdmin: true },
        override: true,
        reason: "the manager is away",
      });
      expect(o!.outcome).toBe("approved");
      // SCIM refuses the token once (it was replaced in Gong): the deactivation fails, nothing changed.
      sim.addFault({ fault: { kind: "status", status: 401 }, endpoint: "GET /scim/v2/Users", times: 1 });
      await app.approvals.execute(id);
      expect(app.repos.approvals.subject(id)!.state).toBe("failed");
      expect(sim.org.user(ID.big)!.active).toBe(true);

      // A subject that did not fail is refused, in words; a number that is no subject is not found.
      const pending = await cli(["deactivate", email(ID.dana), "--reason", "x", "--json"], env);
      const notFailed = await cli(["requests", "retry", pending.json().subjects[0].ref], env);
      expect(notFailed.code).toBe(1);
      expect(notFailed.stderr).toMatch(/only a failed deactivation can be run again/);
      expect(notFailed.stderr).not.toMatch(/Usage:/);
      const nobody = await cli(["requests", "retry", "99999.1"], env);
      expect(nobody.code).toBe(1);
      expect(nobody.stderr).toMatch(/there is no request #99999/);

      const retried = await cli(["requests", "retry", ref, "--reason", "token replaced"], env);
      expect(retried.code, retried.stderr).toBe(0);
      expect(retried.stdout).toMatch(
        new RegExp(`Subject ${ref.replace(".", "\\.")} \\(Max Id\\) is approved again`),
      );
      expect(app.repos.approvals.subject(id)!.state).toBe("approved");
      const rows = JSON.parse((await cli(["trail", "--format", "json"], env)).stdout) as {
        subject: string;
        from: string;
        to: string;
        actor: string;
        why: string;
      }[];
      // JSON keeps Slack's ids for machines; the CSV and the terminal, read by people, never show
      // "<@U…>": without a bot token to look them up, they say whose id it is.
      expect(rows.some((t) => t.actor === "<@UADMIN9>")).toBe(true);
      const csv = (await cli(["trail"], env)).stdout;
      expect(csv).not.toContain("<@");
      expect(csv).toContain("Slack user UADMIN9");
      const shown = (await cli(["requests", "show", ref.split(".")[0]!], env)).stdout;
      expect(shown).not.toContain("<@");
      expect(rows.filter((t) => t.subject === ref).at(-1)).toMatchObject({
        from: "failed",
        to: "approved",
        actor: "ana@desk (terminal)",
        why: expect.stringMatching(/every check before a change runs again: token replaced$/),
      });
      // The execute job is queued to run again; the app runs it with every check first.
      const job = app.repos.jobs
        .list()
        .find((j) => j.kind === "approval-execute" && j.idempotencyKey === `approval-execute:${id}`);
      expect(job?.status).toBe("queued");
      await app.approvals.execute(id);
      expect(app.repos.approvals.subject(id)!.state).toBe("done");
      expect(sim.org.user(ID.big)!.active).toBe(false);
    } finally {
      await app.close();
    }
  });
});

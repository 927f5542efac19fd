import type { ApprovalEvent } from "../../approvals/approvals.service.js";
import { STATE_LABEL } from "../../approvals/states.js";
import type { AuditReport } from "../../audit/report.js";
import type { AppContext } from "../../context.js";
import { JobRegistry, JobWorker } from "../../jobs/index.js";
import type { IdpSimServer } from "../../sim/idpServer.js";
import type { GongSim } from "../../sim/server.js";
import type { CliIo } from "../io.js";

/**
 * The approval path of `gongops demo`, on the simulator and without Slack: the first inactive users of
 * the audit are put in a request, each approver "clicks" Approve in the terminal, and the job worker
 * makes the SCIM PATCH that the simulator counts.
 */
export interface DemoApproval {
  requestId: number;
  subjects: { name: string; approver: string; state: string }[];
  scimPatches: number;
  /** With --via okta|entra: the calls the IdP face received, and whether the sync proved each step. */
  idp?: {
    via: string;
    unassigns: number;
    verifiedBySync: boolean;
    reassigns: number;
    activeAgainAfterUndo: boolean;
    signIn: { how: string; tokenRequests: number };
  };
}

/** The simulator's IdP face the demo deprovisions through (`gongops demo --via okta|entra`). */
export interface DemoIdp {
  via: "okta" | "entra";
  label: string;
  sim: IdpSimServer;
  unassign: string;
  reassign: string;
  /** How gongops signed in to the IdP, and how many token requests that took (token caching shows). */
  signIn: () => { how: string; tokenRequests: number };
}

export async function demoApproval(
  ctx: AppContext,
  sim: GongSim,
  report: AuditReport,
  io: CliIo,
  quiet: boolean,
  idp: DemoIdp | null = null,
): Promise<DemoApproval | null> {
  const picked = report.inactive.filter((u) => u.email).slice(0, 3);
  if (picked.length === 0) return null;
  const say = (t: string) => {
    if (!quiet) io.stdout(`${t}\n`);
  };
  // Only the approvals' jobs: a leaver's notice waits for an app that can tell the admins (none here).
  const worker = new JobWorker({
    repo: ctx.repos.jobs,
    jobs: new JobRegistry(ctx.approvals.jobs),
    pollMs: 20,
    clock: ctx.clock,
  });
  const seen: ApprovalEvent[] = [];
  // Everyone "is in Slack" under a made-up id, so approvers are found up the simulated reporting line.
  ctx.approvals.connect({
    slack: {
      byEmail: async (email) => ({
        userId: `U${email
          .replace(/[^a-z0-9]/gi, "")
          .toUpperCase()
          .slice(0, 12)}`,
        deleted: false,
      }),
    },
    notifier: { notify: async (e) => void seen.push(e) },
    wake: () => worker.wake(),
  });
  worker.start();
  try {
    const before = sim.stats.byEndpoint["PATCH /scim/v2/Users/{id}"] ?? 0;
    const { view } = await ctx.approvals.request({
      who: picked.map((u) => u.id),
      reason: `no hosted call in ${report.lookbackDays} days (demo)`,
      actor: { slackUserId: "UDEMOADMIN", label: "demo admin", isAdmin: true },
      source: "cli",
      auditRunId: report.runId,
    });
    say(
      `\nDeactivation request #${view.request.id} for ${view.subjects.length} of the audit's inactive users:`,
    );
    for (const s of view.subjects) {
      say(`  ${s.name}: asks ${s.approverName ?? "the approvals channel"} (${s.approverReason})`);
      const actor =
        s.approverKind === "user"
          ? { slackUserId: s.approverSlackId, label: s.approverName ?? "approver", isAdmin: false }
          : { slackUserId: "UDEMOADMIN2", label: "another admin", isAdmin: true };
      const [o] = await ctx.approvals.decide({ subjectIds: [s.id], decision: "approve", actor });
      say(`  [simulated click] ${actor.label} approves ${s.name}: ${o?.message}`);
    }
    // Waits are durations, measured on the monotonic clock.
    const end = performance.now() + 30_000;
    while (
      performance.now() < end &&
      ctx.approvals
        .view(view.request.id)!
        .subjects.some((s) => s.state === "approved" || s.state === "executing")
    )
      await new Promise((r) => setTimeout(r, 20));
    const after = ctx.approvals.view(view.request.id)!;
    const patches = (sim.stats.byEndpoint["PATCH /scim/v2/Users/{id}"] ?? 0) - before;
    for (const s of after.subjects)
      say(`  ${s.name}: ${STATE_LABEL[s.state]}${s.stateReason ? ` (${s.stateReason})` : ""}`);
    if (!idp)
      say(
        `SCIM PATCHes sent to the simulator: ${patches}. See them with: gongops trail (on a real database).`,
      );
    const idpResult = idp ? await idpSteps(ctx, sim, idp, view.request.id, say) : undefined;
    return {
      requestId: view.request.id,
      subjects: ctx.approvals.view(view.request.id)!.subjects.map((s) => ({
        name: s.name,
        approver: s.approverName ?? "approvals channel",
        state: s.state,
      })),
      scimPatches: patches,
      ...(idpResult ? { idp: idpResult } : {}),
    };
  } finally {
    await worker.stop();
  }
}

/** Unassigned in the IdP face: wait for its push to Gong, sync to prove it, then undo the first one. */
async function idpSteps(
  ctx: AppContext,
  sim: GongSim,
  idp: DemoIdp,
  requestId: number,
  say: (t: string) => void,
): Promise<NonNullable<DemoApproval["idp"]>> {
  const count = (e: string) => idp.sim.stats.byEndpoint[e] ?? 0;
  const waiting = ctx.approvals.view(requestId)!.subjects.filter((s) => s.state === "awaiting_idp");
  say(`${idp.label} (simulated) received ${count(idp.unassign)} unassignment(s): ${idp.unassign}.`);
  const wait = async (ok: () => boolean) => {
    const end = performance.now() + 10_000;
    while (performance.now() < end && !ok()) await new Promise((r) => setTimeout(r, 50));
  };
  await wait(() => waiting.every((s) => sim.org.user(s.userId)?.active === false));
  const sync = ctx.directory.sync;
  if (sync) {
    const run = await sync.run({ trigger: "demo" });
    say(`Directory sync (${run.run.usersSeen} users) after ${idp.label} pushed the change to Gong:`);
  }
  const after = ctx.approvals.view(requestId)!.subjects;
  for (const s of after.filter((x) => waiting.some((w) => w.id === x.id)))
    say(`  ${s.name}: ${STATE_LABEL[s.state]}${s.stateReason ? ` (${s.stateReason})` : ""}`);
  const verified =
    waiting.length > 0 &&
    after.filter((s) => waiting.some((w) => w.id === s.id)).every((s) => s.state === "done");
  let activeAgain = false;
  const first = after.find((s) => s.state === "done" && s.idpSnapshot);
  if (first) {
    await ctx.approvals.reactivateSubject({
      subjectId: first.id,
      reason: "demo: undo",
      actor: { slackUserId: "UDEMOADMIN", label: "demo admin", isAdmin: true },
    });
    say(`Undo for ${first.name}: ${idp.reassign} (${count(idp.reassign)} sent).`);
    await wait(() => sim.org.user(first.userId)?.active === true);
    if (sync) await sync.run({ trigger: "demo" });
    activeAgain = sim.org.user(first.userId)?.active === true;
    say(`  ${first.name} is ${activeAgain ? "active in Gong again" : "not active in Gong yet"}.`);
  }
  const signIn = idp.signIn();
  say(
    `Signed in to ${idp.label} as ${signIn.how}: ${signIn.tokenRequests} token request${signIn.tokenRequests === 1 ? "" : "s"} in all; the token they got served every call above.`,
  );
  return {
    via: idp.via,
    signIn,
    unassigns: count(idp.unassign),
    verifiedBySync: verified,
    reassigns: count(idp.reassign),
    activeAgainAfterUndo: activeAgain,
  };
}

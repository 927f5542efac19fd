import type { Actor, ApprovalEvent } from "../../src/approvals/approvals.service.js";
import type { SlackPeople } from "../../src/approvals/approver.js";
import type { ContextOptions, GongContext } from "../../src/context.js";
import { JobWorker } from "../../src/jobs/index.js";
import type { GongSim } from "../../src/sim/server.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";
import { ID, knownOrg } from "../helpers/org.js";

/**
 * The known org (test/helpers/org.ts) on the simulator, synced, with Slack people mapped by email and a
 * job worker on fast timings. Slack: everyone with a Gong email has U<last 3 digits of the id>.
 */
export const PATCH = "PATCH /scim/v2/Users/{id}";
export const CHANNEL = "C0APPROVALS";
export { ID };

export const slackIdOf = (gongId: string) => `U${gongId.slice(-3)}`;

export interface Rig {
  sim: GongSim;
  ctx: GongContext & { lines: string[] };
  events: ApprovalEvent[];
  worker: JobWorker;
  people: Map<string, { userId: string; deleted: boolean }>;
  settle(): Promise<void>;
  patches(): number;
  emailOf(id: string): string;
  close(): Promise<void>;
}

export const admin: Actor = { slackUserId: "UADMIN", label: "<@UADMIN>", isAdmin: true };
export const cli: Actor = { slackUserId: null, label: "cli", isAdmin: true };
export const asUser = (slackUserId: string, isAdmin = false): Actor => ({
  slackUserId,
  label: `<@${slackUserId}>`,
  isAdmin,
});

export async function rig(
  env: Record<string, string> = {},
  extra: {
    /** Starts something beside the simulator (an IdP face) and returns its environment. */
    beside?: (sim: GongSim) => Promise<Record<string, string>>;
    context?: Partial<ContextOptions>;
  } = {},
): Promise<Rig> {
  const org = knownOrg();
  const sim = await startSim({ org });
  const besideEnv = extra.beside ? await extra.beside(sim) : {};
  const ctx = simContext(sim, { GONGOPS_APPROVALS_CHANNEL: CHANNEL, ...besideEnv, ...env }, extra.context);
  await ctx.directory.sync!.run({ trigger: "test" });
  const people = new Map<string, { userId: string; deleted: boolean }>();
  for (const u of sim.org.users())
    people.set(u.emailAddress.toLowerCase(), { userId: slackIdOf(u.id), deleted: false });
  const slack: SlackPeople = { byEmail: async (email) => people.get(email.toLowerCase()) ?? null };
  const events: ApprovalEvent[] = [];
  const worker = new JobWorker({
    repo: ctx.repos.jobs,
    jobs: ctx.jobKinds,
    clock: ctx.clock,
    pollMs: 10,
    leaseMs: 5_000,
    backoff: { baseMs: 5, maxMs: 20 },
  });
  ctx.approvals.connect({
    slack,
    notifier: { notify: async (e) => void events.push(e) },
    wake: () => worker.wake(),
  });
  worker.start();
  const settle = async () => {
    for (let i = 0; i < 500; i++) {
      await worker.idle();
      // Due now, or soon: a failed attempt backs off a few ms here (a wait of hours is not "soon").
      const soon = ctx.clock.now() + 1000;
      const due = ctx.repos.jobs
        .list({ statuses: ["queued", "running", "retrying"] })
        .filter((j) => j.status === "running" || j.runAt.getTime() <= soon);
      if (due.length === 0 && worker.active() === 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("jobs did not settle");
  };
  return {
    sim,
    ctx,
    events,
    worker,
    people,
    settle,
    patches: () => sim.stats.byEndpoint[PATCH] ?? 0,
    emailOf: (id) => sim.org.user(id)!.emailAddress,
    close: async () => {
      await worker.stop();
      await ctx.close();
      await sim.close();
    },
  };
}

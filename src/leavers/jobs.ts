import * as z from "zod";
import { defineJob, type JobDefinition } from "../jobs/index.js";

/**
 * The leavers' job kinds, run by the Slack app's worker (it registers them: only a face can tell the
 * admins). Enqueued wherever a leaver or a finished audit is seen, in the same transaction as what
 * implies them, so that a restart loses none and an idempotency key makes each one once.
 */
export interface LeaverJobs {
  /** Tell the admins about one leaver (and file at once with GONGOPS_LEAVERS_AUTO_REQUEST). */
  notice: JobDefinition;
  /** Update a leaver's notice: their account came back. */
  back: JobDefinition;
  /** A full check (every freshness window, and after a sync). */
  check: JobDefinition;
  /** DM the admins about a finished audit's stuck newcomers. */
  newcomers: JobDefinition;
}

const post = z.object({ channel: z.string(), ts: z.string() });

/** What each kind does (the service's rooms). */
export interface LeaverJobRunners {
  notice(userId: string): Promise<void>;
  back(p: { name: string; why: string; posts: { channel: string; ts: string }[] }): Promise<void>;
  check(): Promise<void>;
  newcomers(runId: number): Promise<void>;
}

export function defineLeaverJobs(run: LeaverJobRunners): LeaverJobs {
  return {
    notice: defineJob({
      kind: "leaver-notice",
      payload: z.object({ userId: z.string() }),
      run: (p) => run.notice(p.userId),
    }),
    back: defineJob({
      kind: "leaver-back",
      payload: z.object({ name: z.string(), why: z.string(), posts: z.array(post) }),
      run: (p) => run.back(p),
    }),
    check: defineJob({
      kind: "leavers-check",
      payload: z.object({}),
      run: () => run.check(),
      // One check at a time: two would list Slack twice for nothing.
      concurrency: 1,
    }),
    newcomers: defineJob({
      kind: "newcomer-notices",
      payload: z.object({ runId: z.number().int() }),
      run: (p) => run.newcomers(p.runId),
    }),
  };
}

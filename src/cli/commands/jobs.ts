import { terminalLabel } from "../../approvals/types.js";
import { GongopsError, NotFoundError, UsageError } from "../../errors.js";
import type { JobRow } from "../../store/jobs.repo.js";
import { JOB_STATUSES, type JobStatus } from "../../store/schema.js";
import { type CommandCode, flag, intOption, stringOption } from "../command.js";
import { withContext } from "../context.js";
import { table } from "../format.js";
import { printJson } from "../io.js";

const DEFAULT_STATUSES: readonly JobStatus[] = ["queued", "running", "retrying", "dead"];

/** `--status dead,retrying`; "failed" is what people call a job waiting to be retried; "all" is all. */
function parseStatuses(raw: string | undefined): readonly JobStatus[] {
  if (raw === undefined) return DEFAULT_STATUSES;
  const statuses = new Set<JobStatus>();
  for (const word of raw.split(",").map((w) => w.trim().toLowerCase())) {
    if (word === "all") for (const s of JOB_STATUSES) statuses.add(s);
    else if (word === "failed") statuses.add("retrying");
    else if ((JOB_STATUSES as readonly string[]).includes(word)) statuses.add(word as JobStatus);
    else
      throw new UsageError(`--status takes ${[...JOB_STATUSES, "failed", "all"].join(", ")}; got "${word}"`);
  }
  return [...statuses];
}

function parseId(raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw)) throw new UsageError("retry takes a job id (a number)");
  return Number(raw);
}

function when(job: JobRow): string {
  const at =
    job.status === "running"
      ? job.leaseExpiresAt
      : job.status === "dead" || job.status === "succeeded"
        ? job.finishedAt
        : job.runAt;
  const label = job.status === "running" ? "lease until " : "";
  return at ? `${label}${at.toISOString().slice(0, 19).replace("T", " ")}` : "";
}

function oneLine(text: string | null, max = 60): string {
  if (!text) return "";
  const flat = text.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export const jobsCommand: CommandCode = {
  async run(args, io) {
    const [action = "list", ...rest] = args.positionals;
    const json = flag(args, "json");
    if (action === "list") {
      if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
      const statuses = parseStatuses(stringOption(args, "status"));
      const limit = intOption(args, "limit", 100, 1, 10_000);
      return withContext(io, [], async (ctx) => {
        const repo = ctx.repos.jobs;
        const counts = repo.counts();
        const jobs = repo.list({ statuses, limit });
        if (json) {
          printJson(io, { counts, jobs });
          return 0;
        }
        io.stdout(`${JOB_STATUSES.map((s) => `${s} ${counts[s]}`).join(" · ")}\n`);
        if (jobs.length === 0) io.stdout(`No ${statuses.join(", ")} jobs.\n`);
        else
          io.stdout(
            `${table(
              jobs.map((j) => ({
                id: String(j.id),
                kind: j.kind,
                status: j.status,
                attempts: `${j.attempts}/${j.maxAttempts}`,
                when: when(j),
                owner: j.leaseOwner ?? "",
                key: j.idempotencyKey ?? "",
                error: oneLine(j.lastError),
              })),
              ["id", "kind", "status", "attempts", "when", "owner", "key", "error"],
            )}\n`,
          );
        return 0;
      });
    }
    if (action === "retry") {
      if (rest.length !== 1) throw new UsageError("retry takes one job id");
      const id = parseId(rest[0]);
      return withContext(io, [], async (ctx) => {
        const repo = ctx.repos.jobs;
        const existing = repo.get(id);
        if (!existing) throw new NotFoundError(`no job ${id}`);
        if (existing.status !== "dead" && existing.status !== "retrying")
          throw new GongopsError(
            "CONFLICT",
            `job ${id} is ${existing.status}; only dead or retrying jobs can be retried`,
          );
        // What the retry means for the job's work (a failed deactivation goes back to approved), with
        // who asked in the trail, before the job runs.
        const definition = ctx.jobKinds.get(existing.kind);
        const payload = definition?.payload.safeParse(existing.payload);
        if (definition?.onRetry && payload?.success)
          definition.onRetry(payload.data, terminalLabel(ctx.config.approvals.operator));
        const job = repo.retryNow(id, new Date(ctx.clock.now()));
        if (!job)
          throw new GongopsError("CONFLICT", `job ${id} changed meanwhile; look again with gongops jobs`);
        if (json) printJson(io, { job });
        else io.stdout(`Job ${job.id} (${job.kind}) is queued to run now.\n`);
        return 0;
      });
    }
    throw new UsageError(`unknown action "${action}": use list or retry`);
  },
};

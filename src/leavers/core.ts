import type { ApprovalsService } from "../approvals/approvals.service.js";
import { type Clock, nowDate } from "../clock.js";
import { displayName } from "../directory/names.js";
import type { DirectorySync } from "../directory/sync.service.js";
import { GongopsError } from "../errors.js";
import { enqueueJob } from "../jobs/index.js";
import { type Logger, silentLogger } from "../log.js";
import type { AuditsRepo } from "../store/audits.repo.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import type { DbOrTx, JobsRepo } from "../store/jobs.repo.js";
import type { LeaverRow, LeaversRepo } from "../store/leavers.repo.js";
import type { LeaverSource } from "../store/schema.js";
import type { LeaverJobs } from "./jobs.js";
import type { FoundLeaver, LeaverEvidence, SlackAccount } from "./match.js";
import type {
  IdpLeaverSource,
  LeaverJson,
  LeaversNotifier,
  LeaversSettings,
  SlackWorkspace,
} from "./types.js";

export interface LeaversDeps {
  repo: LeaversRepo;
  directory: DirectoryRepo;
  audits: AuditsRepo;
  jobs: JobsRepo;
  approvals: ApprovalsService;
  /** Only to make a first snapshot when there is none (a fresh directory answers without Gong). */
  sync: DirectorySync | null;
  /** The IdP's disabled users, with GONGOPS_DEACTIVATE_VIA=okta|entra. */
  idp?: IdpLeaverSource | null;
  settings: LeaversSettings;
  clock: Clock;
  log?: Logger;
}

export const SOURCE_WORDS: Record<LeaverSource, string> = { slack: "Slack", okta: "Okta", entra: "Entra ID" };

/**
 * What every room of leavers/ shares (after approvals/core.ts): the dependencies, the face that plugged
 * in (Slack's accounts, a notifier, the worker's wake-up), the last users.list pass, and the moves each
 * room makes: a leaver added with its notice job in one transaction, a leaver whose account came back.
 */
export class LeaversCore {
  readonly log: Logger;
  slack: SlackWorkspace | null = null;
  notifier: LeaversNotifier | null = null;
  wake: () => void = () => {};
  /** The last users.list pass, by Slack user id (events keep it current), for the freshness window. */
  cache: { at: number; accounts: Map<string, SlackAccount> } | null = null;
  /** Set once by the service (jobs.ts) before any room runs. */
  jobs!: LeaverJobs;

  constructor(readonly deps: LeaversDeps) {
    this.log = deps.log ?? silentLogger;
  }

  get repo(): LeaversRepo {
    return this.deps.repo;
  }

  now(): Date {
    return nowDate(this.deps.clock);
  }

  /** What a check can read here: Slack (a face plugged it in) and the IdP (okta, entra). */
  sources(): LeaverSource[] {
    return [...(this.slack ? (["slack"] as const) : []), ...(this.deps.idp ? [this.deps.idp.source] : [])];
  }

  /** Their manager in Gong, by name, in snapshot `gen`. */
  managerOf(gen: number, userId: string): string | null {
    const u = this.deps.directory.byId(gen, userId);
    const m = u?.managerId ? this.deps.directory.byId(gen, u.managerId) : null;
    return m ? displayName(m) : null;
  }

  requireNotifier(): LeaversNotifier {
    if (!this.notifier) throw new GongopsError("INTERNAL", "no face is connected to tell the admins");
    return this.notifier;
  }

  /** Adds one leaver with its notice job, in the caller's transaction; false when already known. */
  addLeaver(tx: DbOrTx, l: FoundLeaver, at: string): boolean {
    const added = this.repo.add(tx, {
      userId: l.id,
      email: l.email,
      name: l.name,
      source: l.evidence.source,
      since: l.evidence.since ?? null,
      slackUserId: l.evidence.slackUserId ?? null,
      foundAt: at,
    });
    if (added)
      enqueueJob(
        this.deps.jobs,
        this.jobs.notice,
        { userId: l.id },
        { tx, now: new Date(at), idempotencyKey: `leaver-notice:${l.id}:${at}` },
      );
    return added;
  }

  /** An account came back: a pending request filed for the departure is withdrawn, the notice says so. */
  cameBack(row: LeaverRow): void {
    const why =
      row.source === "slack"
        ? "their Slack account was reactivated"
        : `their ${SOURCE_WORDS[row.source]} account is no longer suspended or disabled`;
    if (row.subjectId) {
      const withdrawn = this.deps.approvals.withdraw(row.subjectId, `withdrawn: ${why}`);
      if (withdrawn) this.log.info("leaver request withdrawn", { user: row.userId, subject: row.subjectId });
    }
    if (row.notice?.length)
      enqueueJob(
        this.deps.jobs,
        this.jobs.back,
        { name: row.name, why, posts: row.notice },
        { now: this.now(), idempotencyKey: `leaver-back:${row.userId}:${row.foundAt}` },
      );
  }

  enqueueCheck(runAt: Date, key: string): void {
    enqueueJob(this.deps.jobs, this.jobs.check, {}, { now: this.now(), runAt, idempotencyKey: key });
    this.wake();
  }
}

export function evidenceOf(row: LeaverRow): LeaverEvidence {
  return { source: row.source, ...(row.since ? { since: row.since } : {}) };
}

export function leaverJson(row: LeaverRow): LeaverJson {
  return { id: row.userId, email: row.email, name: row.name, evidence: evidenceOf(row) };
}

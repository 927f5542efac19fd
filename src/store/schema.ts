import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { ActivityCounts } from "../gong/schemas.js";

/**
 * The SQLite schema. Migrations in drizzle/ are generated from this file by drizzle-kit
 * (`npm run db:generate`) and applied at start.
 *
 * The directory is versioned by sync run: a user row is one version of a Gong user, valid from the sync
 * that first saw it that way (`valid_from`) until the sync that saw it change or vanish (`valid_to`). The
 * snapshot of sync G is every version with valid_from <= G < valid_to (or no valid_to), and the current
 * snapshot is the one `directory_state.current_gen` names. A sync writes only what changed (new versions,
 * and valid_to on the versions they replace) and then moves that one pointer in a tiny transaction:
 * readers see the old snapshot until then and the new one after, never a mix; a sync that dies halfway
 * leaves only rows that the next sync rolls back.
 */

/** One version of a Gong user. Ids are exact strings: Gong ids are int64s. */
export const directoryUsers = sqliteTable(
  "directory_users",
  {
    id: text("id").notNull(),
    validFrom: integer("valid_from").notNull(),
    validTo: integer("valid_to"),
    /** Primary email, lower-cased; null when Gong sent none. */
    email: text("email"),
    firstName: text("first_name"),
    lastName: text("last_name"),
    title: text("title"),
    /** null when Gong did not say. */
    active: integer("active", { mode: "boolean" }),
    managerId: text("manager_id"),
    created: text("created"),
    /** Accent- and case-folded "first last", for name search. */
    searchName: text("search_name").notNull(),
    /** sha256 of the raw record: a sync compares hashes, not 50,000 records. */
    rawHash: text("raw_hash").notNull(),
    /** When any sync first saw this user (carried from version to version). */
    firstSeenAt: text("first_seen_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.validFrom] }),
    index("directory_users_valid_to").on(t.validTo),
    index("directory_users_email").on(t.email),
    index("directory_users_manager").on(t.managerId),
  ],
);

/**
 * The record of each user version exactly as Gong sent it (JSON, unknown fields included). Kept apart
 * from directory_users because it is most of the bytes and hardly ever read: whole-directory walks scan
 * the narrow table (measured: 50,000 users read in ~300 ms with the records inline).
 */
export const directoryRecords = sqliteTable(
  "directory_records",
  {
    id: text("id").notNull(),
    validFrom: integer("valid_from").notNull(),
    raw: text("raw").notNull(),
  },
  (t) => [primaryKey({ columns: [t.id, t.validFrom] })],
);

/** Every email of a user version (primary and aliases), lower-cased, for lookups by any of them. */
export const directoryEmails = sqliteTable(
  "directory_emails",
  {
    email: text("email").notNull(),
    userId: text("user_id").notNull(),
    validFrom: integer("valid_from").notNull(),
    kind: text("kind", { enum: ["primary", "alias"] }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.email, t.userId, t.validFrom] }),
    index("directory_emails_user").on(t.userId, t.validFrom),
  ],
);

/** The one pointer that makes a snapshot current. Single row, id = 1. */
export const directoryState = sqliteTable("directory_state", {
  id: integer("id").primaryKey(),
  currentGen: integer("current_gen").notNull(),
  syncedAt: text("synced_at").notNull(),
});

export const syncRuns = sqliteTable("sync_runs", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  startedAt: text("started_at").notNull(),
  finishedAt: text("finished_at"),
  outcome: text("outcome", { enum: ["running", "succeeded", "failed"] }).notNull(),
  error: text("error"),
  trigger: text("trigger").notNull().default("cli"),
  usersSeen: integer("users_seen").notNull().default(0),
  changes: integer("changes").notNull().default(0),
  /** How many of each change: { joined, left, deactivated, ... } (a typed JSON column). */
  counts: text("counts", { mode: "json" }).$type<Record<string, number>>().notNull().default({}),
  requestsUsed: integer("requests_used").notNull().default(0),
});

export const directoryChanges = sqliteTable(
  "directory_changes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    syncRunId: integer("sync_run_id")
      .notNull()
      .references(() => syncRuns.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    kind: text("kind", {
      enum: [
        "joined",
        "left",
        "deactivated",
        "reactivated",
        "manager_changed",
        "email_changed",
        "title_changed",
      ],
    }).notNull(),
    before: text("before"),
    after: text("after"),
    /** Display name at the time, so history reads well after the user is gone. */
    name: text("name"),
  },
  (t) => [index("directory_changes_run").on(t.syncRunId), index("directory_changes_user").on(t.userId)],
);

/** Gong requests counted per company and UTC day: the daily budget survives restarts. */
export const gongBudget = sqliteTable(
  "gong_budget",
  {
    scope: text("scope").notNull(),
    day: text("day").notNull(),
    used: integer("used").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.scope, t.day] })],
);

/**
 * Recent Gong request starts per company: the per-second limit, shared by every process on this
 * database (the Slack app and a cron `gongops sync`). A start occupies the window until `until_ms`
 * (its second plus the safety margin); rows a few seconds old are pruned by the next claim.
 */
export const gongRateWindow = sqliteTable(
  "gong_rate_window",
  {
    id: integer("id").primaryKey(),
    scope: text("scope").notNull(),
    startedAt: integer("started_at").notNull(),
    until: integer("until_ms").notNull(),
  },
  (t) => [index("gong_rate_window_scope_until").on(t.scope, t.until)],
);

/** Leases that keep two syncs (or audits) from running at once, across processes. */
export const locks = sqliteTable("locks", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  acquiredAt: text("acquired_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  note: text("note"),
});

/** Users the inactive audit never flags, managed with `gongops exempt`. */
export const exemptions = sqliteTable(
  "exemptions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind", { enum: ["id", "email", "domain", "title"] }).notNull(),
    /** Lower-cased for emails and domains; a glob or /regex/ for titles. */
    value: text("value").notNull(),
    reason: text("reason"),
    createdAt: text("created_at").notNull(),
    createdBy: text("created_by"),
  },
  (t) => [uniqueIndex("exemptions_kind_value").on(t.kind, t.value)],
);

/** One inactive-user audit: what was asked, how far it got, what it cost. */
export const auditRuns = sqliteTable("audit_runs", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  status: text("status", { enum: ["running", "paused", "succeeded", "failed"] }).notNull(),
  trigger: text("trigger").notNull().default("cli"),
  startedAt: text("started_at").notNull(),
  finishedAt: text("finished_at"),
  /** Look-back window [from, to): fixed at the start so a resumed run audits the same period. */
  fromAt: text("from_at").notNull(),
  toAt: text("to_at").notNull(),
  lookbackDays: integer("lookback_days").notNull(),
  /** The directory snapshot (sync run id) the candidates came from. */
  snapshotGen: integer("snapshot_gen").notNull(),
  strategyRequested: text("strategy_requested", { enum: ["auto", "per-user", "bulk"] }).notNull(),
  /** What was used, e.g. "per-user" or "mixed (per-user 3, bulk 2)". */
  strategyUsed: text("strategy_used"),
  /** JSON: grace days, window days, batch size, manager exemption. */
  options: text("options", { mode: "json" })
    .$type<{ graceDays?: number; windowDays?: number; batchSize?: number; exemptManagers?: boolean }>()
    .notNull()
    .default({}),
  /** Subjects and windows are all written (they are written in chunks before the run starts working). */
  prepared: integer("prepared", { mode: "boolean" }).notNull().default(false),
  candidates: integer("candidates").notNull().default(0),
  inactive: integer("inactive").notNull().default(0),
  exempt: integer("exempt").notNull().default(0),
  requestsUsed: integer("requests_used").notNull().default(0),
  /** Time spent working (ms), summed over resumes. */
  activeMs: integer("active_ms").notNull().default(0),
  error: text("error"),
  /** When a paused run can continue (Gong's quota resets, Retry-After ends, a back-off runs out). */
  resumeAt: text("resume_at"),
  /** Why it paused: what decides whether it may resume before resumeAt (see audit/pause.ts). */
  pauseKind: text("pause_kind", { enum: ["quota", "retry-after", "transient", "interrupted"] }),
  /** Back-off pauses in a row without progress: each one waits twice as long. */
  transientPauses: integer("transient_pauses").notNull().default(0),
  /**
   * What counts as activity: "hosted" (a hosted call in [from, to)) or "any" (anything in Gong's
   * activity statistics over whole company days [fromDate, toDate), plus calls hosted in the part of
   * the look-back after the start of toDate). Runs from before this column were "hosted".
   */
  activityRule: text("activity_rule", { enum: ["hosted", "any"] })
    .notNull()
    .default("hosted"),
  /** The company's time zone the days are counted in ("any" only). */
  timeZone: text("time_zone"),
  /** First day (inclusive) and last day (exclusive) of the activity statistics, YYYY-MM-DD. */
  fromDate: text("from_date"),
  toDate: text("to_date"),
  /** The activity statistics were read for every candidate. */
  activityDone: integer("activity_done", { mode: "boolean" }).notNull().default(false),
  /** How they were read: one listing of everyone ("bulk") or batches of candidates ("per-user"). */
  activityStrategy: text("activity_strategy", { enum: ["bulk", "per-user"] }),
  activityRequests: integer("activity_requests").notNull().default(0),
});

/** The look-back split into windows of at most GONG_CALLS_WINDOW_DAYS, audited newest first. */
export const auditWindows = sqliteTable(
  "audit_windows",
  {
    runId: integer("run_id")
      .notNull()
      .references(() => auditRuns.id, { onDelete: "cascade" }),
    idx: integer("idx").notNull(),
    fromAt: text("from_at").notNull(),
    toAt: text("to_at").notNull(),
    status: text("status", { enum: ["pending", "done"] })
      .notNull()
      .default("pending"),
    strategy: text("strategy", { enum: ["per-user", "bulk", "skipped"] }),
    /** Calls in the window per Gong's totalRecords, when a bulk page was read. */
    totalRecords: integer("total_records"),
    /** A bulk window listed as this many equal time slices (in parallel, each resumable on its own). */
    slices: integer("slices"),
    /** Bit i set: slice i was listed to the end. */
    slicesDone: integer("slices_done").notNull().default(0),
    requestsUsed: integer("requests_used").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.runId, t.idx] })],
);

/**
 * Everyone the audit looked at: candidates with what was learned about them (a call found, or the
 * windows in which they were shown to have none, as a bit mask), and exempt users with the reason.
 * Written as evidence arrives, so a resumed run redoes nothing it already knows.
 */
export const auditSubjects = sqliteTable(
  "audit_subjects",
  {
    runId: integer("run_id")
      .notNull()
      .references(() => auditRuns.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    kind: text("kind", { enum: ["candidate", "exempt"] }).notNull(),
    reason: text("reason"),
    email: text("email"),
    firstName: text("first_name"),
    lastName: text("last_name"),
    title: text("title"),
    managerId: text("manager_id"),
    created: text("created"),
    /** A call hosted in the look-back was found. */
    hostedCall: integer("hosted_call", { mode: "boolean" }).notNull().default(false),
    lastCallAt: text("last_call_at"),
    /** Bit i set: shown to have hosted no call in window i. */
    clearedMask: integer("cleared_mask").notNull().default(0),
    /** "any" runs: Gong's activity statistics answered for this user (with counts, or with none). */
    activityChecked: integer("activity_checked", { mode: "boolean" }).notNull().default(false),
    /** "any" runs: the statistics show activity (see hasActivity: a missing count is not a zero). */
    activitySeen: integer("activity_seen", { mode: "boolean" }).notNull().default(false),
    /** The counts Gong sent for the days of the run; null when it listed nothing for this user. */
    activity: text("activity", { mode: "json" }).$type<ActivityCounts>(),
    /**
     * Set aside as new, but created at least GONGOPS_ONBOARDING_DAYS before the run: the activity
     * statistics are read for them too ("any" runs), to find newcomers who never started (src/leavers/).
     */
    newcomer: integer("newcomer", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.runId, t.userId] }), index("audit_subjects_kind").on(t.runId, t.kind)],
);

/** Where a Slack-started audit posted its message, so App Home can link to it and pages can be turned. */
export const auditPosts = sqliteTable("audit_posts", {
  runId: integer("run_id")
    .primaryKey()
    .references(() => auditRuns.id, { onDelete: "cascade" }),
  channel: text("channel").notNull(),
  ts: text("ts").notNull(),
  startedBy: text("started_by").notNull(),
  /** Where the CSV went once it was delivered: the message's thread, or a DM to whoever started it. */
  csvDelivered: text("csv_delivered", { enum: ["thread", "dm"] }),
  /** The final message (summary or where it stopped) went out; a restart re-renders it when not. */
  finalRendered: integer("final_rendered", { mode: "boolean" }).notNull().default(false),
});

export const JOB_STATUSES = ["queued", "running", "retrying", "succeeded", "dead"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * The durable job queue (src/jobs/). A job is claimed by compare-and-set: the claim writes a fresh
 * `lease_token` and `lease_expires_at`, and every later write by that worker (renew, finish) names the
 * token, so a worker whose lease expired and was taken over changes nothing. `lease_owner` only says which
 * process holds it (PROCESS_OWNER_ID). `retrying` is a job whose last attempt failed and that waits for
 * `run_at`; `dead` ran out of attempts. Succeeded rows stay, so an idempotency key keeps working after
 * its job is done. Times are epoch milliseconds: claims compare them numerically.
 */
export const jobs = sqliteTable(
  "jobs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind").notNull(),
    /** Validated by the kind's zod schema at enqueue and again at claim. */
    payload: text("payload", { mode: "json" }).$type<unknown>().notNull(),
    status: text("status", { enum: JOB_STATUSES }).notNull().default("queued"),
    runAt: integer("run_at", { mode: "timestamp_ms" }).notNull(),
    /** Attempts started (a claim counts one; a RetryAfter or a graceful release gives it back). */
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    leaseOwner: text("lease_owner"),
    leaseToken: text("lease_token"),
    leaseExpiresAt: integer("lease_expires_at", { mode: "timestamp_ms" }),
    idempotencyKey: text("idempotency_key"),
    lastError: text("last_error"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("jobs_idempotency_key").on(t.idempotencyKey),
    index("jobs_due").on(t.status, t.runAt),
    index("jobs_lease").on(t.status, t.leaseExpiresAt),
  ],
);

/**
 * Each job worker's last sign of life (jobs/worker.ts), so that `gongops doctor` can say whether one is
 * running: written at start and then at most every HEARTBEAT_EVERY_MS while it polls.
 */
export const workerHeartbeats = sqliteTable("worker_heartbeats", {
  owner: text("owner").primaryKey(),
  startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
  beatAt: integer("beat_at", { mode: "timestamp_ms" }).notNull(),
  /** Set when it stopped on purpose (SIGTERM): not running, and not dead either. */
  stoppedAt: integer("stopped_at", { mode: "timestamp_ms" }),
  kinds: text("kinds", { mode: "json" }).$type<string[]>().notNull(),
});

// ---- deactivation requests (src/approvals/) -------------------------------------------------------

export const SUBJECT_STATES = [
  "notice",
  "pending",
  "approved",
  "kept",
  "expired",
  "cancelled",
  "executing",
  "awaiting_idp",
  "done",
  "failed",
  "reactivated",
] as const;
export type SubjectState = (typeof SUBJECT_STATES)[number];

/**
 * Subjects still in flight: a user in one of these cannot be put in another request. The one list: the
 * unique index below is built from it, and approvals/states.ts reads it from here.
 */
export const OPEN_STATES = [
  "notice",
  "pending",
  "approved",
  "executing",
  "awaiting_idp",
] as const satisfies readonly SubjectState[];

/** Whatever an IdP adapter needs to undo its unassignment, stored as JSON on the subject. */
export interface IdpSnapshot {
  kind: "scim" | "okta" | "entra" | "manual";
  [key: string]: unknown;
}

/** A request to deactivate some Gong users: who asked, why, and whether it is a dry run. */
export const approvalRequests = sqliteTable("approval_requests", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  /** Where it was filed: Slack, the terminal, or a Workflow Builder step (workflow_steps). */
  source: text("source", { enum: ["slack", "cli", "workflow"] }).notNull(),
  /** The requester's Slack user id (null from the CLI). */
  requestedBySlack: text("requested_by_slack"),
  /** Who asked, in words ("<@U123>", "cli (jane@laptop)"). */
  requestedBy: text("requested_by").notNull(),
  /** The terminal's operator who filed it (GONGOPS_OPERATOR, or user@host); null from Slack. */
  requestedByOperator: text("requested_by_operator"),
  reason: text("reason").notNull(),
  dryRun: integer("dry_run", { mode: "boolean" }).notNull().default(false),
  /**
   * The audit it came from, and that audit's end: a hosted call after it cancels the subject. Each
   * subject also keeps its own evidence (a direct filing checks each person itself).
   */
  auditRunId: integer("audit_run_id"),
  activitySince: text("activity_since").notNull(),
  /** The audit's look-back, for "no call in N days". */
  lookbackDays: integer("lookback_days"),
  createdAt: text("created_at").notNull(),
});

/** One user in one request, with what the approver sees and where the subject stands. */
export const approvalSubjects = sqliteTable(
  "approval_subjects",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    requestId: integer("request_id")
      .notNull()
      .references(() => approvalRequests.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    email: text("email"),
    name: text("name").notNull(),
    title: text("title"),
    managerId: text("manager_id"),
    lastCallAt: text("last_call_at"),
    created: text("created"),
    /** Every address Gong has for them besides `email` (aliases): they are the subject by any of them. */
    aliases: text("aliases", { mode: "json" }).$type<string[]>().notNull().default([]),
    /** Copied from the request: a dry-run subject never holds the user's one open request. */
    dryRun: integer("dry_run", { mode: "boolean" }).notNull().default(false),
    /** The evidence they were filed on: the audit that found them inactive (null: their own check). */
    auditRunId: integer("audit_run_id"),
    /** The end of that evidence: activity after it means they came back. */
    activitySince: text("activity_since"),
    lookbackDays: integer("lookback_days"),
    /** The evidence in words ("audit #3: no activity on the whole days …"; "--force: listened to …"). */
    evidence: text("evidence"),
    state: text("state", { enum: SUBJECT_STATES }).notNull(),
    /** Who decides: a Slack user, or the approvals channel (any admin). */
    approverKind: text("approver_kind", { enum: ["user", "channel", "unassigned"] }).notNull(),
    approverSlackId: text("approver_slack_id"),
    approverGongId: text("approver_gong_id"),
    approverName: text("approver_name"),
    /** Why it came to them, in words. */
    approverReason: text("approver_reason").notNull(),
    /** Approver keys (Slack user ids, or "channel") it was taken from: their messages say who decides now. */
    formerApprovers: text("former_approvers", { mode: "json" }).$type<string[]>().notNull().default([]),
    escalations: integer("escalations").notNull().default(0),
    decidedBy: text("decided_by"),
    decidedAt: text("decided_at"),
    /** The last transition's reason (a keep's reason, "hosted a call on …", a SCIM failure). */
    stateReason: text("state_reason"),
    /** Set while an approved subject waits for tomorrow's PATCH allowance. */
    waitingNote: text("waiting_note"),
    /** An admin let it past the daily cap. */
    capOverride: integer("cap_override", { mode: "boolean" }).notNull().default(false),
    /**
     * The user's id at the way out (SCIM id, Okta user id, Entra object id), pinned at the first lookup
     * by email: every later attempt and the undo must find the same one. (The column's name is older
     * than the IdP adapters.)
     */
    wayOutId: text("scim_id"),
    /** When gongops first sent the change (PATCH, DELETE), written before sending it. */
    changeSentAt: text("change_sent_at"),
    /** What an IdP adapter needs to undo its unassignment (taken before it; approvals/deprovision.ts). */
    idpSnapshot: text("idp_snapshot", { mode: "json" }).$type<IdpSnapshot>(),
    /**
     * The seat holder's own say (GONGOPS_NOTIFY_SUBJECT, approvals/holder.ts): their Slack user, asked
     * before the approver while the subject is in `notice`; when the notice ends; and their answer.
     */
    holderSlackId: text("holder_slack_id"),
    noticeUntil: text("notice_until"),
    holderAnswer: text("holder_answer", { enum: ["kept", "released"] }),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("approval_subjects_request").on(t.requestId),
    index("approval_subjects_state").on(t.state),
    // A person's requests, open or not (their card, reactivation, the trail by person).
    index("approval_subjects_user").on(t.userId),
    // At most one open subject per Gong user, whatever the race; a dry run holds nothing.
    uniqueIndex("approval_subjects_one_open")
      .on(t.userId)
      .where(sql.raw(`state IN (${OPEN_STATES.map((s) => `'${s}'`).join(",")}) AND dry_run = 0`)),
  ],
);

/** Append-only: every transition, who made it, when and why. */
export const approvalTrail = sqliteTable(
  "approval_trail",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subjectId: integer("subject_id")
      .notNull()
      .references(() => approvalSubjects.id, { onDelete: "cascade" }),
    requestId: integer("request_id").notNull(),
    at: text("at").notNull(),
    actor: text("actor").notNull(),
    fromState: text("from_state"),
    toState: text("to_state").notNull(),
    why: text("why"),
    override: integer("override", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    index("approval_trail_at").on(t.at),
    index("approval_trail_subject").on(t.subjectId),
    // `requests show`, a request's messages and its trail read it by request.
    index("approval_trail_request").on(t.requestId),
  ],
);

/** PATCHes made per UTC day, for GONGOPS_MAX_DEACTIVATIONS_PER_DAY. */
export const approvalDaily = sqliteTable("approval_daily", {
  day: text("day").primaryKey(),
  used: integer("used").notNull().default(0),
});

/** Where the Slack face posted a request for one approver (a user id, or "channel"). */
export const approvalMessages = sqliteTable(
  "approval_messages",
  {
    requestId: integer("request_id")
      .notNull()
      .references(() => approvalRequests.id, { onDelete: "cascade" }),
    approverKey: text("approver_key").notNull(),
    part: integer("part").notNull().default(0),
    channel: text("channel").notNull(),
    ts: text("ts").notNull(),
    /** A hash of the content last sent: an update whose content did not change is not sent again. */
    digest: text("digest"),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.approverKey, t.part] })],
);

/**
 * A Workflow Builder step "Request Gong deactivation" (approvals/steps.ts): the function execution Slack
 * started, what it asked, the request it filed, and its result, which is reported to Slack once
 * (functions.completeSuccess or completeError). `result` is set in the transaction that made it known
 * (the filing refused, or the subject's last move); `completed_at` once Slack took it. Never a token.
 */
export interface WorkflowStepInputs {
  /** The person as a Slack user id, an email, or both (they must agree). */
  user: string | null;
  email: string | null;
  reason: string | null;
  /** Who started the workflow, when the step is given them: the two-person rule applies to them. */
  requestedBy: string | null;
}
export type WorkflowStepResult =
  | { kind: "success"; outputs: Record<string, string | boolean> }
  | { kind: "error"; message: string };

export const workflowSteps = sqliteTable(
  "workflow_steps",
  {
    executionId: text("execution_id").primaryKey(),
    callbackId: text("callback_id").notNull(),
    workflowExecutionId: text("workflow_execution_id"),
    inputs: text("inputs", { mode: "json" }).$type<WorkflowStepInputs>().notNull(),
    receivedAt: text("received_at").notNull(),
    requestId: integer("request_id").references(() => approvalRequests.id, { onDelete: "set null" }),
    subjectId: integer("subject_id").references(() => approvalSubjects.id, { onDelete: "set null" }),
    result: text("result", { mode: "json" }).$type<WorkflowStepResult>(),
    settledAt: text("settled_at"),
    completedAt: text("completed_at"),
    /** What Slack said: "completed", or "already" (it had been completed: a retry after a crash). */
    completion: text("completion", { enum: ["completed", "already"] }),
  },
  (t) => [index("workflow_steps_subject").on(t.subjectId)],
);

// ---- schedules and digests (src/schedules/, src/digest/) -------------------------------------------

export const SCHEDULE_KINDS = ["sync", "audit-digest"] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** What a schedule's options hold (`--days`, `--skip-if-unchanged`). */
export interface ScheduleOptions {
  days?: number;
  skipIfUnchanged?: boolean;
}

/**
 * Scheduled syncs and audit digests (src/schedules/). The tick enqueues a due run as a job keyed
 * `schedule:<id>:<due ISO>` and moves `last_due_at` in the same transaction, so a slot is enqueued once
 * across processes and restarts. `failing` says why the last run could not be delivered (a channel the
 * bot cannot post in); the schedule keeps its slots but its admins were told.
 */
export const schedules = sqliteTable("schedules", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  kind: text("kind", { enum: SCHEDULE_KINDS }).notNull(),
  cron: text("cron").notNull(),
  timezone: text("timezone").notNull(),
  /** Slack channel id (C…), or null: a sync may run without posting. */
  channel: text("channel"),
  options: text("options", { mode: "json" }).$type<ScheduleOptions>().notNull(),
  /** A Slack user id (U…) or "cli". */
  createdBy: text("created_by").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  paused: integer("paused", { mode: "boolean" }).notNull().default(false),
  /** The newest slot the tick has dealt with (enqueued, or skipped as too late). */
  lastDueAt: integer("last_due_at", { mode: "timestamp_ms" }),
  lastRunAt: integer("last_run_at", { mode: "timestamp_ms" }),
  lastResult: text("last_result"),
  /** Why the schedule is failing (its channel refuses the bot), or null. */
  failing: text("failing"),
  failingSince: integer("failing_since", { mode: "timestamp_ms" }),
});

/** The people a digest listed as inactive, kept to say what changed by the next digest. */
export interface DigestSnapshot {
  inactiveIds: string[];
}

/**
 * One digest built for a schedule run (or null for none): what the next digest compares with. Keyed by
 * the job's key, so a retried run reuses its digest instead of comparing with itself.
 */
export const digests = sqliteTable(
  "digests",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    scheduleId: integer("schedule_id").references(() => schedules.id, { onDelete: "set null" }),
    runKey: text("run_key").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    auditRunId: integer("audit_run_id").notNull(),
    /** The directory snapshot (sync run id) the audit used. */
    snapshotGen: integer("snapshot_gen").notNull(),
    activeUsers: integer("active_users").notNull(),
    snapshot: text("snapshot", { mode: "json" }).$type<DigestSnapshot>().notNull(),
    /** The message once posted (channel and ts), so a retried run never posts twice. */
    postedChannel: text("posted_channel"),
    postedTs: text("posted_ts"),
  },
  (t) => [uniqueIndex("digests_run_key").on(t.runKey), index("digests_schedule").on(t.scheduleId)],
);

// ---- the trend of unused seats (src/trend/) --------------------------------------------------------

/**
 * One point of the trend per finished audit run (whoever started it: a digest, `gongops audit`, Slack):
 * its figures as they were when it finished, at the seat price in force then, and the seats gongops had
 * reclaimed by then (finished deactivations, net of reactivations, from the approvals trail). Kept after
 * the run's own rows would be gone: the history is the point.
 */
export const trendPoints = sqliteTable(
  "trend_points",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    auditRunId: integer("audit_run_id").notNull(),
    /** When the audit finished (ISO instant), and its UTC day (the chart draws each day's last run). */
    at: text("at").notNull(),
    day: text("day").notNull(),
    trigger: text("trigger").notNull(),
    lookbackDays: integer("lookback_days").notNull(),
    rule: text("rule", { enum: ["hosted", "any"] }).notNull(),
    /** Active Gong users in the audit's directory snapshot. */
    activeUsers: integer("active_users").notNull(),
    inactive: integer("inactive").notNull(),
    /**
     * Gong-active users who have left the company (deactivated in Slack, or in the IdP) as the last
     * leavers check before the run finished knew them; null when no check had been made.
     */
    leavers: integer("leavers"),
    /** New, exempt and (on request) managing users the audit set aside. */
    setAside: integer("set_aside").notNull(),
    /** GONGOPS_SEAT_PRICE_PER_YEAR when the run finished, and what the inactive seats cost a year then. */
    seatPrice: real("seat_price"),
    currency: text("currency").notNull(),
    yearlyCost: real("yearly_cost"),
    reclaimedSeats: integer("reclaimed_seats").notNull(),
    reclaimedCost: real("reclaimed_cost"),
  },
  (t) => [uniqueIndex("trend_points_run").on(t.auditRunId), index("trend_points_day").on(t.day)],
);

/** Each chart uploaded to Slack with a digest: App Home shows the newest by its file id (slack_file). */
export const trendCharts = sqliteTable("trend_charts", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  fileId: text("file_id").notNull(),
  channel: text("channel").notNull(),
  /** The digest message it was uploaded under. */
  threadTs: text("thread_ts"),
  uploadedAt: integer("uploaded_at", { mode: "timestamp_ms" }).notNull(),
  altText: text("alt_text").notNull(),
});

// ---- leavers and stuck newcomers (src/leavers/) ----------------------------------------------------

export const LEAVER_SOURCES = ["slack", "okta", "entra"] as const;
export type LeaverSource = (typeof LEAVER_SOURCES)[number];

/** Where a notice to the admins was posted (a channel or a DM), to update it later. */
export interface NoticePost {
  channel: string;
  ts: string;
}

/** A Gong user as `gongops leavers` lists them apart: active in Gong, with no Slack account at all. */
export interface PersonRef {
  id: string;
  email: string;
  name: string;
}

/**
 * The leavers gongops knows now: Gong-active users whose Slack account is deactivated (or whose IdP
 * account is suspended, deprovisioned or disabled), pinned by Gong id. A full check replaces the set
 * (keeping the rows of those still leavers); a Slack `user_change` event adds or removes one row. A row
 * is one departure: its notice is posted once, and the request filed from it is remembered, so that a
 * reactivated account can withdraw it.
 */
export const leavers = sqliteTable("leavers", {
  userId: text("user_id").primaryKey(),
  /** The address that matched (lower-cased). */
  email: text("email").notNull(),
  name: text("name").notNull(),
  source: text("source", { enum: LEAVER_SOURCES }).notNull(),
  /** When the account was deactivated, as the source tells it (ISO); null when it does not say. */
  since: text("since"),
  /** The Slack account that matched (source slack). */
  slackUserId: text("slack_user_id"),
  foundAt: text("found_at").notNull(),
  /** The notice to the admins, once posted. */
  notice: text("notice", { mode: "json" }).$type<NoticePost[]>(),
  noticedAt: text("noticed_at"),
  /** The deactivation request filed from the notice (its button, or GONGOPS_LEAVERS_AUTO_REQUEST). */
  requestId: integer("request_id"),
  subjectId: integer("subject_id"),
});

/** The last full leavers check (one row, id 1): when, from what, and who was not in Slack then. */
export const leaverChecks = sqliteTable("leaver_checks", {
  id: integer("id").primaryKey(),
  checkedAt: text("checked_at").notNull(),
  sources: text("sources", { mode: "json" }).$type<LeaverSource[]>().notNull(),
  /** The directory snapshot (sync run id) it matched against. */
  snapshotGen: integer("snapshot_gen").notNull(),
  /** Active Gong users with no Slack account (when Slack was asked). */
  notInSlack: text("not_in_slack", { mode: "json" }).$type<PersonRef[]>().notNull(),
});

/** Stuck newcomers the admins were told about: one DM per person, ever. */
export const newcomerNotices = sqliteTable("newcomer_notices", {
  userId: text("user_id").primaryKey(),
  auditRunId: integer("audit_run_id").notNull(),
  noticedAt: text("noticed_at").notNull(),
});

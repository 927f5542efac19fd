import type { Command } from "../command.js";

/**
 * Every command, in the order `gongops --help` lists them: the table is names, usage and options only.
 * What a command does is in its own module, imported by `load` when it runs, so that `--help`, a
 * command's `--help` and a usage error answer without loading the database, Gong's client, the logger or
 * any service (npm run bench:cli; test/faults/cli.loads.process.test.ts).
 */
export const commands: Command[] = [
  {
    name: "demo",
    summary: "run gongops end to end on the built-in Gong simulator (no credentials needed)",
    usage: `gongops demo [--users 1000] [--seed 1] [--days 90] [--latency 50] [--via scim|okta|entra] [--out DIR] [--json]

Starts the Gong simulator on loopback with a generated org (enforcing Gong's limits: 3 in flight,
3 per second), points a fresh temporary database at it, syncs the directory, runs the inactive-user
audit with a live progress bar, and prints the report and what it cost. Then it files a deactivation
request for a few of the inactive users, simulates each approver's click in the terminal, and shows
the SCIM PATCH the simulator received (no Slack needed). With --via okta or --via entra, the users are
unassigned in the simulator's Okta or Graph face instead; the demo waits for the IdP's push to Gong, runs
the directory sync that proves it, and undoes one of them. It ends with the seats reclaimed and writes
the trend chart the digest would upload, trend.png, in --out (the current directory by default).`,
    maxPositionals: 0,
    options: {
      users: { type: "string" },
      seed: { type: "string" },
      days: { type: "string" },
      latency: { type: "string" },
      via: { type: "string" },
      out: { type: "string" },
      json: { type: "boolean" },
    },
    load: async () => (await import("./demo.js")).demoCommand,
  },
  {
    name: "start",
    summary: "run the Slack app (/gong, buttons, App Home)",
    usage: `gongops start [--port N] [--json]

Connects to Slack with Socket Mode when SLACK_APP_TOKEN is set, otherwise listens for Slack's requests on
PORT (/slack/events, signed with SLACK_SIGNING_SECRET). Serves GET /health (alive), GET /ready (the
database, Slack's auth.test and the job worker) and GET /metrics (Prometheus): on PORT in HTTP mode, on
loopback in Socket Mode, or on GONGOPS_METRICS_ADDR when set. Needs SLACK_BOT_TOKEN and the Gong
credentials. Runs until Ctrl-C or SIGTERM, then stops within GONGOPS_STOP_GRACE_SECONDS (10) and exits 0,
whatever is still in flight; a second Ctrl-C or SIGTERM exits at once. --json prints one document once
stopped ({ "stopped": true, "graceful" }); the logs stay on stderr.`,
    maxPositionals: 0,
    options: { port: { type: "string" } },
    load: async () => (await import("./start.js")).startCommand,
  },
  {
    name: "audit",
    summary: "find active users who did nothing in Gong (or hosted no call) in the look-back window",
    usage: `gongops audit [--days 90] [--activity any|hosted] [--strategy auto|per-user|bulk] [--format table|csv|json] [--json]
gongops audit --resume [--run ID]        continue an interrupted or paused audit
gongops audit --history [--limit 20]     past audits

--activity any (the default, GONGOPS_AUDIT_ACTIVITY): inactive when Gong's activity statistics show
nothing at all (hosting, attending, listening, scorecards, comments, feedback, sharing) on the whole days,
in the company's time zone, from the day of now - days up to yesterday, and no call was hosted since the
start of today there. Needs the Gong API scope api:stats:user-actions.
--activity hosted: Gong says active, and no call with them as primaryUserId falls in [now - days, now). Users
created inside the grace period, exempt users (gongops exempt) and, when GONGOPS_AUDIT_EXEMPT_MANAGERS
is set, managers with active reports are listed apart with the reason. A run that must pause (Gong's
daily quota spent, a long Retry-After, Ctrl-C) exits with code 3 and resumes where it stopped.`,
    maxPositionals: 0,
    conflicts: [
      ["resume", "days"],
      ["resume", "strategy"],
      ["history", "resume"],
      ["history", "days"],
      ["history", "strategy"],
      ["json", "format"],
      ["limit", "days"],
      ["limit", "resume"],
    ],
    options: {
      days: { type: "string" },
      strategy: { type: "string" },
      activity: { type: "string" },
      format: { type: "string" },
      json: { type: "boolean" },
      resume: { type: "boolean" },
      run: { type: "string" },
      history: { type: "boolean" },
      limit: { type: "string" },
    },
    load: async () => (await import("./audit.js")).auditCommand,
  },
  {
    name: "exempt",
    summary: "manage who the inactive audit never flags",
    usage: `gongops exempt add <rule> [--reason "why"] [--force] [--json]
gongops exempt remove <rule> [--json]
gongops exempt list [--json]

A rule is a Gong id, an email, @domain (every address at it), or title:<pattern> (a glob like
"title:VP*", or "title:/^vp\\b/i"); quote a rule with spaces: "title:Vice President*". Adding says how
many active users the rule matches; a rule that would exempt more than 10% of them needs --force.
Rules in GONGOPS_AUDIT_EXEMPT apply too and are listed here.`,
    options: { reason: { type: "string" }, force: { type: "boolean" }, json: { type: "boolean" } },
    load: async () => (await import("./exempt.js")).exemptCommand,
  },
  {
    name: "deactivate",
    summary: "ask for Gong users to be deactivated (their managers approve in Slack)",
    usage: `gongops deactivate <who>… --reason "…" [--dry-run] [--audit <id>] [--force] [--json]
gongops deactivate --check [<who>…] [--json]

Who: emails, Gong ids or names, as in lookups. The request is stored; the running Slack app
(gongops start) posts it to each approver within seconds. Nobody is deactivated until approved.
Refused, each with the reason: users not active in Gong now (read from Gong as it is filed), not
found, exempt, already in an open request, or kept by a manager within GONGOPS_KEEP_COOLDOWN_DAYS.
With --audit, only users that audit found inactive under its own rule; without it, each person's own
activity in the look-back is checked now, and someone active is filed only with --force (it says what
the activity was). GONGOPS_DRY_RUN=true files a dry run, as --dry-run does. Every action is recorded
in the trail with the operator (GONGOPS_OPERATOR, or user@host).

--check changes nothing: it signs in to the way out (GONGOPS_DEACTIVATE_VIA), runs the checks that
come before a change (Okta: the Gong app pushes deactivations; Entra ID: its provisioning job runs and
is scoped to assigned users), and says how each person named is assigned (direct, group, none). Exit 0
when a deactivation would go through, 1 when it would be refused.`,
    options: {
      check: { type: "boolean" },
      reason: { type: "string" },
      "dry-run": { type: "boolean" },
      force: { type: "boolean" },
      audit: { type: "string" },
      json: { type: "boolean" },
    },
    load: async () => (await import("./approvals.js")).deactivateCommand,
  },
  {
    name: "requests",
    summary: "list deactivation requests, or show one",
    usage: `gongops requests [list] [--open] [--json]
gongops requests show <request> [--json]
gongops requests release <subject> --reason "…" [--json]   (let an approved subject past today's cap)
gongops requests approve|keep <subject> --reason "…" [--json]   (an admin override, recorded as one)
gongops requests retry <subject> [--reason "…"] [--json]   (run a failed deactivation again, every check first)

A request is a number (#10); each person in it is a subject, numbered within it: 10.3 is request
#10's third. Name a subject by that, or by the person's email, name or Gong id (their open subject).`,
    options: { open: { type: "boolean" }, json: { type: "boolean" }, reason: { type: "string" } },
    maxPositionals: 2,
    load: async () => (await import("./approvals.js")).requestsCommand,
  },
  {
    name: "reactivate",
    summary: "undo a deactivation gongops made (SCIM active=true), recorded in the trail",
    usage: 'gongops reactivate <who> --reason "…" [--json]',
    options: { reason: { type: "string" }, json: { type: "boolean" } },
    load: async () => (await import("./approvals.js")).reactivateCommand,
  },
  {
    name: "trail",
    summary: "every decision and deactivation: who, when, from, to, why",
    usage: `gongops trail [--since <date>] [--format csv|json] [--json]

One row per step: request is the request's number, subject is the person in it as 10.3 (request #10's
third).`,
    conflicts: [["json", "format"]],
    options: { since: { type: "string" }, format: { type: "string" }, json: { type: "boolean" } },
    maxPositionals: 0,
    load: async () => (await import("./approvals.js")).trailCommand,
  },
  {
    name: "leavers",
    summary: "people who left (deactivated in Slack) and still hold a paid Gong seat",
    usage: `gongops leavers [--json]

Matches the active Gong users of the directory snapshot against Slack's accounts (one paged users.list
pass, SLACK_BOT_TOKEN with users:read and users:read.email), by every address Gong has for them,
case-insensitively. A leaver's Slack account is deactivated; bots and guests are never matched. People
with no Slack account at all are listed apart, "not in Slack", never as leavers. A snapshot younger than
GONGOPS_FRESHNESS_MINUTES answers with no Gong request; an older one is synced first. New leavers are
told to the admins by gongops start (a notice each, once). --json prints
{ "leavers": [{ "id", "email", "name", "evidence": { "source", "since"? } }], "notInSlack": [...] }.`,
    maxPositionals: 0,
    options: { json: { type: "boolean" } },
    load: async () => (await import("./leavers.js")).leaversCommand,
  },
  {
    name: "newcomers",
    summary: "new Gong users with no activity since they were created (a missing role or license?)",
    usage: `gongops newcomers [--json]

Users created at least GONGOPS_ONBOARDING_DAYS ago (default 14), still inside the audit's grace period,
with no activity of any kind since: SCIM creates users without a role or license, and nothing says so.
Read from the newest finished audit under the any rule (it reads their activity with the candidates'),
so this makes no request. They are never filed for deactivation: check their role and license in Gong.`,
    maxPositionals: 0,
    options: { json: { type: "boolean" } },
    load: async () => (await import("./leavers.js")).newcomersCommand,
  },
  {
    name: "sync",
    summary: "refresh the local copy of the Gong directory and report what changed",
    usage: `gongops sync [--json]

Lists every Gong user afresh, compares with the last snapshot (joined, left, deactivated, reactivated,
manager, email and title changes) and makes the new snapshot current only once the listing is complete.`,
    maxPositionals: 0,
    options: { json: { type: "boolean" } },
    load: async () => (await import("./sync.js")).syncCommand,
  },
  {
    name: "user",
    summary: "look up a Gong user by id, email (or alias) or name",
    usage: `gongops user <id | email | name> [--json]

A name matches case- and accent-insensitively anywhere in first, last or full name. Answers come from the
local directory when it is fresh (GONGOPS_FRESHNESS_MINUTES) and from Gong otherwise; the answer says which.
One user's card also shows what Gong's activity statistics say they did over the default look-back
(GONGOPS_AUDIT_DAYS), in whole days of the company's time zone up to yesterday.`,
    options: { json: { type: "boolean" } },
    load: async () => (await import("./user.js")).userCommand,
  },
  {
    name: "chain",
    summary: "show a user's reporting line up to the top",
    usage: `gongops chain <id | email | name> [--json]

The user, their manager, and so on up. A cycle stops the walk and is named; a manager id that is not in
the directory is shown as unknown; inactive managers are marked.`,
    options: { json: { type: "boolean" } },
    load: async () => (await import("./chain.js")).chainCommand,
  },
  {
    name: "reports",
    summary: "show a user's direct and indirect reports as a tree",
    usage: `gongops reports <id | email | name> [--depth N] [--json]

Direct reports and, down to --depth levels (default: all), indirect ones, with counts per level and how
many are inactive. Cycles in Gong's manager data are walked once.`,
    options: { json: { type: "boolean" }, depth: { type: "string" } },
    load: async () => (await import("./reports.js")).reportsCommand,
  },
  {
    name: "org-health",
    summary: "find reporting cycles, dangling manager ids and orphaned users",
    usage: `gongops org-health [--json]

Checks Gong's manager data in the local directory: every cycle, every manager id that points nowhere,
every active user whose manager is inactive, and every user with no manager who tops no tree.`,
    maxPositionals: 0,
    options: { json: { type: "boolean" } },
    load: async () => (await import("./orgHealth.js")).orgHealthCommand,
  },
  {
    name: "jobs",
    summary: "the job queue: queued, running, failed and dead jobs; retry one",
    usage: `gongops jobs [list] [--status queued,running,retrying,dead,succeeded|failed|all] [--limit 100] [--json]
gongops jobs retry <id> [--json]

list shows queued, running, retrying (failed, will be retried) and dead jobs, newest first. retry runs a
dead or retrying job now; a dead job gets a fresh set of attempts. Times are UTC.`,
    options: { status: { type: "string" }, limit: { type: "string" }, json: { type: "boolean" } },
    load: async () => (await import("./jobs.js")).jobsCommand,
  },
  {
    name: "doctor",
    summary: "check the whole install at once: Gong, SCIM or the IdP, Slack, the store",
    usage: `gongops doctor [--json]

One line per check, ✓ or ✗ with the fix (– is worth knowing, not a failure): Gong's credentials, the
${"api:stats:user-actions"} scope, the base URL's region and the clock's skew (2 Gong requests); SCIM's token
(one read); the way out (GONGOPS_DEACTIVATE_VIA), as deactivate --check with nobody named; Slack's bot
token, its scopes against manifest.yml, every channel gongops posts in, Socket Mode's app token; the
database, its migrations and the job worker's heartbeat. Nothing is written to Gong, SCIM or the IdP.
Exits 0 only when nothing failed.`,
    maxPositionals: 0,
    options: { json: { type: "boolean" } },
    load: async () => (await import("./doctor.js")).doctorCommand,
  },
  {
    name: "schedule",
    summary: "scheduled syncs and audit digests: add, list, remove, pause, resume, run",
    usage: `gongops schedule add --cron "0 9 * * MON" [--tz Europe/Berlin] [--kind audit-digest|sync] [--channel C…|#name] [--days 90] [--skip-if-unchanged] [--json]
gongops schedule list [--json]
gongops schedule remove|pause|resume|run <id> [--json]

A schedule runs in \`gongops start\` (the Slack app), which posts each digest in its channel. --tz is an
IANA zone (default UTC; not a fixed-offset abbreviation like EST); the cron has five fields. A
channel given as #name is found in Slack (SLACK_BOT_TOKEN, scope channels:read). After downtime one late run is made (marked delayed),
none when it would be more than GONGOPS_SCHEDULE_MAX_LATE_HOURS late. run queues one run now.`,
    options: {
      cron: { type: "string" },
      tz: { type: "string" },
      kind: { type: "string" },
      channel: { type: "string" },
      days: { type: "string" },
      "skip-if-unchanged": { type: "boolean" },
      json: { type: "boolean" },
    },
    load: async () => (await import("./schedule.js")).scheduleCommand,
  },
  {
    name: "digest",
    summary: "the audit digest: inactive seats, their cost, what changed since the last digest",
    usage: `gongops digest [--days 90] [--json]

Runs the inactive-user audit and prints the digest a schedule posts in Slack: inactive seats out of
active users (and their yearly cost with GONGOPS_SEAT_PRICE_PER_YEAR), what changed since the newest
scheduled digest, the managers with the most inactive reports, and a one-line sparkline of inactive
seats over the last 180 days (gongops trend shows it all). The digest itself is not saved: schedules keep
comparing with their own previous digest; its audit is a point of the trend. --json includes the full
inactive list.`,
    maxPositionals: 0,
    options: { days: { type: "string" }, json: { type: "boolean" } },
    load: async () => (await import("./digest.js")).digestCommand,
  },
  {
    name: "trend",
    summary: "the trend of unused seats and their cost, and what deactivations reclaimed",
    usage: `gongops trend [--days 180] [--format table|csv|json|png] [--out FILE] [--json]

Every finished audit (gongops audit, gongops digest, a schedule's digest, /gong audit) keeps its figures:
the day, active users, inactive seats, users set aside and, with GONGOPS_SEAT_PRICE_PER_YEAR, what the
inactive seats cost a year. Reclaimed: seats freed by finished deactivations since the first one, net of
reactivations, and their yearly cost. table, csv and json list every run of the last --days days;
png draws the chart the digest uploads to Slack (one point per day, the day's last audit), and needs
--out. --out writes any format to the file instead of stdout.`,
    maxPositionals: 0,
    conflicts: [
      ["json", "format"],
      ["json", "out"],
    ],
    options: {
      days: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
      json: { type: "boolean" },
    },
    load: async () => (await import("./trend.js")).trendCommand,
  },
  {
    name: "backup",
    summary: "an online, consistent copy of the database (the trail, requests, audits) to a file",
    usage: `gongops backup <file> [--json]

Copies the database (GONGOPS_DB_PATH) to <file> through SQLite's backup API, while gongops keeps running:
the copy is the database as it was at one instant, checked, in one file. It never overwrites a file.
Restore by stopping gongops and putting the copy in place of the database.`,
    maxPositionals: 1,
    options: { json: { type: "boolean" } },
    load: async () => (await import("./backup.js")).backupCommand,
  },
  {
    name: "sim",
    summary: "run the built-in Gong simulator on loopback",
    usage: `gongops sim [--port 4010] [--users 300] [--seed 1] [--latency MS] [--jitter MS]
            [--mode seed|public-docs] [--no-limits] [--json]

Serves Gong's REST API (/v2/...) and SCIM (/scim/v2/...) for a generated org until Ctrl-C, enforcing
Gong's limits (3 in flight, 3 per second, 10,000 a day). Prints the environment that points gongops at it.`,
    maxPositionals: 0,
    options: {
      port: { type: "string" },
      users: { type: "string" },
      seed: { type: "string" },
      latency: { type: "string" },
      jitter: { type: "string" },
      mode: { type: "string" },
      "no-limits": { type: "boolean" },
      json: { type: "boolean" },
    },
    load: async () => (await import("./sim.js")).simCommand,
  },
];

import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { checkWayOut } from "../approvals/check.js";
import type { Deprovisioner } from "../approvals/deprovision.js";
import type { Clock } from "../clock.js";
import { type GongClient, STATS_SCOPE } from "../gong/client.js";
import type { GongScimClient } from "../gong/scim.js";
import type { Db } from "../store/db.js";
import { MIGRATIONS_FOLDER } from "../store/db.js";
import type { JobsRepo } from "../store/jobs.repo.js";

/**
 * `gongops doctor`: every part of an install checked at once, one line each, with the fix. It reads and
 * never writes to Gong, SCIM or the IdP, and makes at most 2 Gong requests (users, one day of statistics;
 * the clock's skew and the region come with them). Slack's checks are the face's (slack/doctor.ts).
 */
export interface DoctorLine {
  area: "Gong" | "SCIM" | "Slack" | "IdP" | "Store";
  check: string;
  /** ok: passed; fail: must be fixed; info: worth knowing, not a failure. */
  status: "ok" | "fail" | "info";
  detail: string;
  /** What to do about a failure. */
  fix?: string;
}

export interface DoctorDeps {
  clock: Clock;
  gong: { client: GongClient; scim: GongScimClient | null; baseUrl: string } | null;
  deprovisioner: Deprovisioner;
  db: Db;
  dbPath: string;
  jobs: JobsRepo;
}

/** Past this skew, dates near a day's edge (the look-back, the budget day) can be read wrongly. */
const MAX_SKEW_MS = 60_000;
/** A worker beats every 30 s (jobs/worker.ts); three missed beats and it is taken for dead. */
const STALE_BEAT_MS = 90_000;

const reason = (error: unknown) => (error as Error)?.message ?? String(error);

export async function gongChecks(deps: DoctorDeps): Promise<DoctorLine[]> {
  const out: DoctorLine[] = [];
  const gong = deps.gong;
  if (!gong) {
    out.push({
      area: "Gong",
      check: "credentials",
      status: "fail",
      detail: "no Gong credentials are set",
      fix: "set GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET (or GONG_OAUTH_TOKEN)",
    });
    return out;
  }
  out.push(region(gong.baseUrl));
  let firstId: string | null = null;
  try {
    const t0 = deps.clock.now();
    const probe = await gong.client.probeUsers();
    const t1 = deps.clock.now();
    firstId = probe.firstId;
    out.push({
      area: "Gong",
      check: "users",
      status: "ok",
      detail: "the credentials read users (GET /v2/users)",
    });
    out.push(skew(probe.serverDate, (t0 + t1) / 2));
  } catch (error) {
    out.push({
      area: "Gong",
      check: "users",
      status: "fail",
      detail: `reading users failed: ${reason(error)}`,
      fix: "check GONG_ACCESS_KEY/GONG_ACCESS_KEY_SECRET (or GONG_OAUTH_TOKEN) and GONG_API_BASE_URL",
    });
    return out;
  }
  out.push(await statsScope(deps, gong.client, firstId));
  return out;
}

function region(baseUrl: string): DoctorLine {
  const host = new URL(baseUrl).hostname;
  const loopback = host === "localhost" || host === "127.0.0.1" || host === "::1" || host === "[::1]";
  const m = /^([a-z]+)-(\d+)\.api\.gong\.io$/.exec(host);
  if (m) return { area: "Gong", check: "base URL", status: "ok", detail: `${host} (region ${m[1]})` };
  if (host === "api.gong.io" || loopback)
    return {
      area: "Gong",
      check: "base URL",
      status: "ok",
      detail: loopback ? `${host} (a local simulator)` : `${host} (Gong's default host)`,
    };
  return {
    area: "Gong",
    check: "base URL",
    status: "fail",
    detail: `${host} is not a Gong API host`,
    fix: "set GONG_API_BASE_URL to your company's API address (Gong > Company settings > API), e.g. https://us-12345.api.gong.io",
  };
}

function skew(serverDate: string | null, localMs: number): DoctorLine {
  const server = serverDate ? Date.parse(serverDate) : Number.NaN;
  if (Number.isNaN(server))
    return {
      area: "Gong",
      check: "clock",
      status: "info",
      detail: "Gong sent no Date header to compare with",
    };
  // The Date header has whole seconds: a skew under a second is nothing.
  const ms = localMs - server;
  const words = `${Math.abs(Math.round(ms / 1000))} s ${ms >= 0 ? "ahead of" : "behind"} Gong`;
  return Math.abs(ms) <= MAX_SKEW_MS
    ? { area: "Gong", check: "clock", status: "ok", detail: words }
    : {
        area: "Gong",
        check: "clock",
        status: "fail",
        detail: words,
        fix: "synchronise this machine's clock (NTP); day boundaries and the daily budget depend on it",
      };
}

/** One small aggregate request: one user, one day, two days back (never past Gong's today). */
async function statsScope(deps: DoctorDeps, client: GongClient, userId: string | null): Promise<DoctorLine> {
  if (!userId)
    return { area: "Gong", check: STATS_SCOPE, status: "info", detail: "Gong has no users to ask about" };
  const day = (n: number) => new Date(deps.clock.now() - n * 86_400_000).toISOString().slice(0, 10);
  try {
    await client
      .activityPages({ fromDate: day(3) as never, toDate: day(2) as never, userIds: [userId] })
      .next();
    return { area: "Gong", check: STATS_SCOPE, status: "ok", detail: "the activity statistics answer" };
  } catch (error) {
    const status = (error as { status?: number }).status;
    return {
      area: "Gong",
      check: STATS_SCOPE,
      status: "fail",
      detail: status === 401 || status === 403 ? `Gong refused the scope (HTTP ${status})` : reason(error),
      fix: `give the key or OAuth app the scope ${STATS_SCOPE}: audits under the "any" rule need it`,
    };
  }
}

/** SCIM (one read) when it is set; the way out, as `deactivate --check` with nobody named does. */
export async function wayOutChecks(deps: DoctorDeps): Promise<DoctorLine[]> {
  const out: DoctorLine[] = [];
  const scim = deps.gong?.scim ?? null;
  if (!scim)
    out.push({
      area: "SCIM",
      check: "token",
      status: "info",
      detail: "GONG_SCIM_TOKEN is not set: SCIM is not used",
    });
  else if (deps.deprovisioner.kind !== "scim")
    // The way-out check below makes this very read when SCIM is the way out: not twice.
    try {
      await scim.probe();
      out.push({
        area: "SCIM",
        check: "token",
        status: "ok",
        detail: "GONG_SCIM_TOKEN reads /Users?count=1",
      });
    } catch (error) {
      out.push(scimFailure(error));
    }
  const check = await checkWayOut(deps.deprovisioner, []);
  const area = deps.deprovisioner.kind === "scim" ? "SCIM" : "IdP";
  out.push(
    check.ready
      ? {
          area,
          check: "way out",
          status: "ok",
          detail: `${check.label} (GONGOPS_DEACTIVATE_VIA=${check.via})${check.caveat ? `: ${check.caveat}` : ""}`,
        }
      : area === "SCIM"
        ? scimFailure(new Error(check.refusal ?? "not ready"))
        : {
            area,
            check: "way out",
            status: "fail",
            detail: `${check.label}: ${check.refusal ?? "not ready"}`,
            fix: "run gongops deactivate --check for the calls made, and see the README's identity provider section",
          },
  );
  return out;
}

function scimFailure(error: unknown): DoctorLine {
  const words = reason(error);
  const token = /GONG_SCIM_TOKEN/.test(words);
  return {
    area: "SCIM",
    check: "token",
    status: "fail",
    detail: words,
    fix: token
      ? "GONG_SCIM_TOKEN is wrong or revoked: create a new one in Gong (Company settings > SCIM) and set it again"
      : "check GONG_SCIM_BASE_URL and that Gong's SCIM is enabled",
  };
}

export function storeChecks(deps: DoctorDeps): DoctorLine[] {
  const out: DoctorLine[] = [];
  const where = existsSync(deps.dbPath) ? deps.dbPath : dirname(deps.dbPath);
  try {
    accessSync(where, constants.W_OK);
    out.push({ area: "Store", check: "database", status: "ok", detail: `${deps.dbPath} is writable` });
  } catch {
    out.push({
      area: "Store",
      check: "database",
      status: "fail",
      detail: `${deps.dbPath} is not writable`,
      fix: "give gongops' user write access to GONGOPS_DB_PATH and its folder",
    });
  }
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as {
    entries: unknown[];
  };
  const applied = (
    deps.db.$client.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }
  ).n;
  out.push(
    applied === journal.entries.length
      ? { area: "Store", check: "migrations", status: "ok", detail: `${applied} of ${applied} applied` }
      : {
          area: "Store",
          check: "migrations",
          status: "fail",
          detail: `${applied} applied, this version has ${journal.entries.length}`,
          fix: "run this version of gongops once with write access to the database, or upgrade it",
        },
  );
  out.push(heartbeat(deps));
  return out;
}

function heartbeat(deps: DoctorDeps): DoctorLine {
  const beat = deps.jobs.lastBeat();
  const now = deps.clock.now();
  if (!beat)
    return {
      area: "Store",
      check: "job worker",
      status: "info",
      detail: "no job worker has run on this database yet: approvals and schedules wait for gongops start",
    };
  const ago = Math.round((now - beat.beatAt.getTime()) / 1000);
  if (beat.stoppedAt)
    return {
      area: "Store",
      check: "job worker",
      status: "info",
      detail: `stopped at ${beat.stoppedAt.toISOString()}: approvals and schedules wait for gongops start`,
    };
  if (now - beat.beatAt.getTime() > STALE_BEAT_MS)
    return {
      area: "Store",
      check: "job worker",
      status: "fail",
      detail: `its last heartbeat was ${ago} s ago and it never said it stopped: it died or hangs`,
      fix: "restart gongops start and look at its last log lines",
    };
  return { area: "Store", check: "job worker", status: "ok", detail: `running (heartbeat ${ago} s ago)` };
}

/** Exit 0 only when nothing failed. */
export function doctorPassed(lines: readonly DoctorLine[]): boolean {
  return lines.every((l) => l.status !== "fail");
}

/** One line each: ✓, ✗ (with the fix) or –. */
export function renderDoctor(lines: readonly DoctorLine[]): string {
  const mark = { ok: "✓", fail: "✗", info: "–" } as const;
  return lines
    .map((l) => `${mark[l.status]} ${l.area} ${l.check}: ${l.detail}${l.fix ? ` → ${l.fix}` : ""}`)
    .join("\n");
}

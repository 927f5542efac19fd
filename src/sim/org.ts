import { startOfZonedDay } from "../gong/days.js";
import { ACTIVITY_COUNTS, type ActivityCount, type ActivityCounts } from "../gong/schemas.js";
import { DAY_MS } from "../gong/windows.js";
import { Random } from "./random.js";

/**
 * The simulated Gong company: users and calls, generated deterministically from a seed, and mutable so
 * that tests can play "a user leaves", "a manager changes", "a call happens". It is data only; the HTTP
 * server in server.ts decides what Gong's wire protocol makes of it.
 */

export interface SimUser {
  id: string;
  emailAddress: string;
  created: string;
  active: boolean;
  emailAliases: string[];
  trustedEmailAddress: string | null;
  firstName: string;
  lastName: string;
  title: string | null;
  phoneNumber: string | null;
  extension: string | null;
  personalMeetingUrls: string[];
  settings: {
    webConferencesRecorded: boolean;
    preventWebConferenceRecording: boolean;
    telephonyCallsImported: boolean;
    emailsImported: boolean;
    preventEmailImport: boolean;
    nonRecordedMeetingsImported: boolean;
    gongConnectEnabled: boolean;
  };
  managerId: string | null;
  meetingConsentPageUrl: string | null;
  spokenLanguages: { language: string; primary: boolean }[];
}

/** One simulated call. `at` is the instant Gong's date filter uses (scheduled for web conferences). */
export interface SimCall {
  id: string;
  primaryUserId: string;
  at: number;
  started: number;
  duration: number;
  system: string;
  direction: string;
  scope: string;
  title: string;
}

export interface OrgOptions {
  users?: number;
  seed?: number;
  now?: Date;
  domain?: string;
  /** Share of users that are deactivated (active=false). */
  inactiveShare?: number;
  /** Share of users created in the last 30 days. */
  recentShare?: number;
  /** Share of active users who hosted no call in the whole history. */
  noCallShare?: number;
  /** Share of hosts who stopped hosting some months ago (inactive for a 90-day audit, not for a year). */
  quietShare?: number;
  /** Median calls a host runs per week (spread log-normally between hosts). */
  callsPerHostPerWeek?: number;
  historyDays?: number;
  /** Adds the awkward cases: a dangling managerId, a two-person manager cycle, hostile names. */
  messy?: boolean;
  /** The company's time zone (IANA), which Gong's activity statistics count days in. */
  timeZone?: string;
  /** Generate activity besides hosting (listening, scorecards, comments, ...). Default true. */
  activity?: boolean;
  /**
   * Share of active users who left the company though Gong still counts their seat (the leavers: their
   * Slack account deactivated, their IdP account suspended or disabled). Default 0.02.
   */
  leftShare?: number;
  /** Share of active users with no Slack account (contractors, Gong-only users). Default 0.02. */
  noSlackShare?: number;
}

/** One thing a user did in Gong other than hosting a call (hosted calls count from the calls). */
export type SimActivityKind = Exclude<ActivityCount, "callsAsHost">;
const KINDS = ACTIVITY_COUNTS.filter((k): k is SimActivityKind => k !== "callsAsHost");

const FIRST = [
  "Ana",
  "Ben",
  "Chloé",
  "Dmitri",
  "Emma",
  "Farah",
  "Günter",
  "Hana",
  "Ivan",
  "Jürgen",
  "Kai",
  "Léa",
  "Mateo",
  "Nadia",
  "Oskar",
  "Priya",
  "Quinn",
  "Rosa",
  "Søren",
  "Tomás",
  "Uma",
  "Vera",
  "Wei",
  "Xavier",
  "Yuki",
  "Zoë",
  "Łukasz",
  "Ahmed",
  "Beatriz",
  "Chen",
  "Dana",
  "Elif",
  "François",
  "Grace",
  "Hiroshi",
  "Inès",
  "José",
  "Kofi",
  "Lars",
  "Maëlle",
  "Noor",
  "Olivia",
  "Pedro",
  "Renée",
  "Sven",
  "Tariq",
];
const LAST = [
  "Smith",
  "Müller",
  "García",
  "Nguyen",
  "O'Brien",
  "Kowalski",
  "Jensen",
  "Rossi",
  "Dubois",
  "Silva",
  "Kim",
  "Novák",
  "Andersson",
  "Yılmaz",
  "Papadopoulos",
  "Fernández",
  "Hernández",
  "Ødegaard",
  "Schäfer",
  "Brontë",
  "Łęcki",
  "Ivanova",
  "Costa",
  "Haddad",
  "Okafor",
  "Tanaka",
  "Wong",
  "Lefèvre",
  "Nuñez",
  "Björk",
  "Zhang",
  "Patel",
  "Cohen",
  "Murphy",
  "Bianchi",
  "Horvath",
];
const LEAF_TITLES = [
  "Account Executive",
  "Senior Account Executive",
  "SDR",
  "BDR",
  "Solutions Engineer",
  "Customer Success Manager",
  "Account Manager",
  "Sales Engineer",
  "Enterprise AE",
  "R&D Liaison",
];
const MANAGER_TITLES = ["Sales Manager", "Team Lead", "Director of Sales", "Head of CS", "Regional Director"];
const VP_TITLES = ["VP Sales", "VP Customer Success", "VP Solutions & Partners", "SVP <EMEA>"];
const LANGS = ["en-US", "de-DE", "fr-FR", "es-ES", "ja-JP", "pt-BR"];
const SYSTEMS = ["Zoom", "Zoom", "Zoom", "Google Meet", "Microsoft Teams", "Telephony"];

/** Lower-case ASCII for email local parts: "Søren Ødegaard" -> "soren.odegaard". */
function emailPart(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ø/gi, "o")
    .replace(/ł/gi, "l")
    .replace(/ß/g, "ss")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "");
}

export class SimOrg {
  readonly now: Date;
  /**
   * Whether the org was made for a chosen instant (a test's pinned "now") rather than the wall clock's
   * present: whoever talks to it should then share that instant (test/helpers/context.ts).
   */
  readonly nowPinned: boolean;
  readonly domain: string;
  /** In listing order (GET /v2/users pages through this). */
  private readonly userList: SimUser[] = [];
  private readonly byId = new Map<string, SimUser>();
  private readonly scimIds = new Map<string, string>();
  private calls: SimCall[] = [];
  private sorted = true;
  private byHost: Map<string, SimCall[]> | null = null;
  private callSerial = 0;
  private readonly callIdPrefix: string;
  private readonly rng: Random;
  /** Per user, activity instants (sorted on demand) and their kinds (indexes into KINDS). */
  private readonly acts = new Map<string, { at: number[]; kind: number[]; sorted: boolean }>();
  /** The company's time zone: Gong's activity statistics are whole days in it. */
  timeZone: string;
  /** Who left the company, and when (ms): Gong may still count them active; the other faces know. */
  private readonly departures = new Map<string, number>();
  /** Gong users with no Slack account (contractors, Gong-only users). */
  private readonly slackless = new Set<string>();

  constructor(options: { now?: Date; domain?: string; seed?: number; timeZone?: string } = {}) {
    this.now = options.now ?? new Date();
    this.nowPinned = options.now !== undefined;
    this.domain = options.domain ?? "acme.example";
    this.timeZone = options.timeZone ?? "America/Los_Angeles";
    this.rng = new Random((options.seed ?? 1) * 7919 + 17);
    this.callIdPrefix = this.rng.digits(8);
  }

  // ---- users ---------------------------------------------------------------------------------------

  users(): readonly SimUser[] {
    return this.userList;
  }

  user(id: string): SimUser | undefined {
    return this.byId.get(id);
  }

  scimIdOf(id: string): string | undefined {
    return this.scimIds.get(id);
  }

  userByScimId(scimId: string): SimUser | undefined {
    for (const [id, s] of this.scimIds) if (s === scimId) return this.byId.get(id);
    return undefined;
  }

  /** Adds a user; missing fields get plausible values. Returns the stored user. */
  addUser(partial: Partial<SimUser> & { firstName: string; lastName: string }): SimUser {
    const id = partial.id ?? this.freshUserId();
    if (this.byId.has(id)) throw new Error(`sim: user ${id} exists`);
    const email = partial.emailAddress ?? this.freshEmail(partial.firstName, partial.lastName);
    const user: SimUser = {
      id,
      emailAddress: email,
      created: partial.created ?? new Date(this.now.getTime() - 400 * DAY_MS).toISOString(),
      active: partial.active ?? true,
      emailAliases: partial.emailAliases ?? [],
      trustedEmailAddress: partial.trustedEmailAddress ?? null,
      firstName: partial.firstName,
      lastName: partial.lastName,
      title: partial.title ?? null,
      phoneNumber: partial.phoneNumber ?? `+1-555-${this.rng.digits(3)}-${this.rng.digits(4)}`,
      extension: partial.extension ?? null,
      personalMeetingUrls: partial.personalMeetingUrls ?? [`https://zoom.example/j/${this.rng.digits(10)}`],
      settings: partial.settings ?? {
        webConferencesRecorded: true,
        preventWebConferenceRecording: false,
        telephonyCallsImported: this.rng.chance(0.3),
        emailsImported: this.rng.chance(0.6),
        preventEmailImport: false,
        nonRecordedMeetingsImported: this.rng.chance(0.5),
        gongConnectEnabled: this.rng.chance(0.7),
      },
      managerId: partial.managerId ?? null,
      meetingConsentPageUrl: partial.meetingConsentPageUrl ?? `https://join.gong.example/consent/${id}`,
      spokenLanguages: partial.spokenLanguages ?? [{ language: this.rng.pick(LANGS), primary: true }],
    };
    this.userList.push(user);
    this.byId.set(id, user);
    this.scimIds.set(id, this.freshScimId());
    return user;
  }

  updateUser(id: string, patch: Partial<Omit<SimUser, "id">>): SimUser {
    const user = this.byId.get(id);
    if (!user) throw new Error(`sim: no user ${id}`);
    Object.assign(user, patch);
    return user;
  }

  removeUser(id: string): void {
    const user = this.byId.get(id);
    if (!user) throw new Error(`sim: no user ${id}`);
    this.userList.splice(this.userList.indexOf(user), 1);
    this.byId.delete(id);
    this.scimIds.delete(id);
  }

  private freshUserId(): string {
    for (;;) {
      const r = this.rng.float();
      // Mostly 19 digits like real Gong ids, some 13 like the seed's examples, a few 20 (still < 2^64).
      const id = r < 0.6 ? this.rng.digits(19) : r < 0.95 ? this.rng.digits(13) : `10${this.rng.digits(18)}`;
      if (!this.byId.has(id)) return id;
    }
  }

  private freshScimId(): string {
    const hex = () =>
      Math.floor(this.rng.float() * 0x10000)
        .toString(16)
        .padStart(4, "0");
    return `${hex()}${hex()}-${hex()}-4${hex().slice(1)}-a${hex().slice(1)}-${hex()}${hex()}${hex()}`;
  }

  private readonly emailsUsed = new Set<string>();

  private freshEmail(first: string, last: string): string {
    const base = `${emailPart(first) || "user"}.${emailPart(last) || "x"}`;
    let email = `${base}@${this.domain}`;
    for (let n = 2; this.emailsUsed.has(email); n++) email = `${base}${n}@${this.domain}`;
    this.emailsUsed.add(email);
    return email;
  }

  // ---- leaving the company -------------------------------------------------------------------------

  /**
   * `id` left the company at `at`: what Slack and the IdP faces show (a deactivated Slack account, a
   * suspended Okta user, a disabled Entra user). Gong is not told: that is the seat leavers reclaim.
   */
  leave(id: string, at: Date | number): void {
    if (!this.byId.has(id)) throw new Error(`sim: no user ${id}`);
    this.departures.set(id, typeof at === "number" ? at : at.getTime());
  }

  /** When `id` left the company (ms), or null. */
  leftAt(id: string): number | null {
    return this.departures.get(id) ?? null;
  }

  /** `id` has no Slack account (or has one again). */
  setInSlack(id: string, inSlack: boolean): void {
    if (inSlack) this.slackless.delete(id);
    else this.slackless.add(id);
  }

  inSlack(id: string): boolean {
    return !this.slackless.has(id);
  }

  // ---- calls ---------------------------------------------------------------------------------------

  /** Adds one call hosted by `primaryUserId`; `at` is when Gong's date filter places it. */
  addCall(call: {
    primaryUserId: string;
    at: Date | number;
    started?: Date | number;
    duration?: number;
  }): SimCall {
    const at = typeof call.at === "number" ? call.at : call.at.getTime();
    const started =
      call.started === undefined
        ? at
        : typeof call.started === "number"
          ? call.started
          : call.started.getTime();
    const c: SimCall = {
      id: `${this.callIdPrefix}${String(++this.callSerial).padStart(11, "0")}`,
      primaryUserId: call.primaryUserId,
      at,
      started,
      duration: call.duration ?? 1800,
      system: "Zoom",
      direction: "Conference",
      scope: "External",
      title: "Call",
    };
    this.pushCall(c);
    return c;
  }

  private pushCall(c: SimCall): void {
    const last = this.calls[this.calls.length - 1];
    if (last && last.at > c.at) this.sorted = false;
    this.calls.push(c);
    this.byHost = null;
  }

  private sortedCalls(): SimCall[] {
    if (!this.sorted) {
      this.calls.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
      this.sorted = true;
    }
    return this.calls;
  }

  /** Sorts the calls and builds the per-host index now, instead of inside the first request that needs them. */
  prepare(): void {
    this.hostIndex();
  }

  callCount(): number {
    return this.calls.length;
  }

  /** Calls with `at` in [from, to), in time order; optionally only those of the given hosts. */
  callsBetween(from: number, to: number, hosts?: ReadonlySet<string>): SimCall[] {
    if (!hosts) {
      const all = this.sortedCalls();
      return all.slice(lowerBound(all, from), lowerBound(all, to));
    }
    const index = this.hostIndex();
    const out: SimCall[] = [];
    for (const host of hosts) {
      const list = index.get(host);
      if (list)
        for (let i = lowerBound(list, from), end = lowerBound(list, to); i < end; i++) out.push(list[i]!);
    }
    return out.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
  }

  /** Ground truth for tests: how many calls `userId` hosted in [from, to). */
  hostedBetween(userId: string, from: number, to: number): number {
    const list = this.hostIndex().get(userId);
    return list ? lowerBound(list, to) - lowerBound(list, from) : 0;
  }

  // ---- activity other than hosting ---------------------------------------------------------------

  /** Records that `userId` did `kind` (listened to a call, filled a scorecard, ...) at `at`. */
  addActivity(userId: string, kind: SimActivityKind, at: Date | number, times = 1): void {
    const t = typeof at === "number" ? at : at.getTime();
    let list = this.acts.get(userId);
    if (!list) {
      list = { at: [], kind: [], sorted: true };
      this.acts.set(userId, list);
    }
    const k = KINDS.indexOf(kind);
    for (let i = 0; i < times; i++) {
      if (list.at.length > 0 && list.at[list.at.length - 1]! > t) list.sorted = false;
      list.at.push(t);
      list.kind.push(k);
    }
  }

  /**
   * Ground truth of the activity statistics: what `userId` did in [from, to) (instants), hosted calls
   * included. Only non-zero counts are present, as Gong may leave counts out.
   */
  activityBetween(userId: string, from: number, to: number): ActivityCounts {
    const out: ActivityCounts = {};
    const hosted = this.hostedBetween(userId, from, to);
    if (hosted > 0) out.callsAsHost = hosted;
    const list = this.acts.get(userId);
    if (!list) return out;
    if (!list.sorted) {
      const order = list.at.map((_, i) => i).sort((a, b) => list.at[a]! - list.at[b]!);
      list.at = order.map((i) => list.at[i]!);
      list.kind = order.map((i) => list.kind[i]!);
      list.sorted = true;
    }
    let lo = 0;
    let hi = list.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list.at[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < list.at.length && list.at[i]! < to; i++) {
      const k = KINDS[list.kind[i]!]!;
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }

  /** The same, over whole days [fromDate, toDate) in the company's time zone. */
  activityOnDays(userId: string, fromDate: string, toDate: string): ActivityCounts {
    return this.activityBetween(
      userId,
      startOfZonedDay(fromDate, this.timeZone),
      startOfZonedDay(toDate, this.timeZone),
    );
  }

  private hostIndex(): Map<string, SimCall[]> {
    if (!this.byHost) {
      const index = new Map<string, SimCall[]>();
      for (const c of this.sortedCalls()) {
        const list = index.get(c.primaryUserId);
        if (list) list.push(c);
        else index.set(c.primaryUserId, [c]);
      }
      this.byHost = index;
    }
    return this.byHost;
  }

  // ---- generation ----------------------------------------------------------------------------------

  /** A realistic org: a manager tree, some inactive and new users, calls over the past year. */
  static generate(options: OrgOptions = {}): SimOrg {
    const n = Math.max(1, options.users ?? 300);
    const org = new SimOrg({
      now: options.now,
      domain: options.domain,
      seed: options.seed,
      timeZone: options.timeZone,
    });
    const rng = new Random(options.seed ?? 1);
    const now = org.now.getTime();
    const inactiveShare = options.inactiveShare ?? 0.08;
    const recentShare = options.recentShare ?? 0.03;
    const noCallShare = options.noCallShare ?? 0.2;
    const quietShare = options.quietShare ?? 0.1;
    const perWeek = options.callsPerHostPerWeek ?? 3;
    const historyDays = options.historyDays ?? 365;
    const messy = options.messy ?? true;

    // Manager tree, breadth first: every user manages a span of 3 to 9 until everyone has a place.
    const depth: number[] = [0];
    const managerOf: (number | null)[] = [null];
    let cursor = 0;
    let span = rng.int(3, 9);
    let filled = 0;
    for (let i = 1; i < n; i++) {
      if (filled >= span) {
        cursor++;
        span = rng.int(3, 9);
        filled = 0;
      }
      managerOf.push(cursor);
      depth.push(depth[cursor]! + 1);
      filled++;
    }
    const hasReports = new Set(managerOf.filter((m): m is number => m !== null));

    const users: SimUser[] = [];
    for (let i = 0; i < n; i++) {
      const recent = i > 0 && rng.chance(recentShare);
      const createdAt = recent
        ? now - rng.int(1, 30) * DAY_MS
        : now - rng.int(200, 2000) * DAY_MS - rng.int(0, 86_399) * 1000;
      const title =
        i === 0
          ? "CEO"
          : depth[i] === 1
            ? rng.pick(VP_TITLES)
            : hasReports.has(i)
              ? rng.pick(MANAGER_TITLES)
              : rng.pick(LEAF_TITLES);
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      const user = org.addUser({
        firstName: first,
        lastName: last,
        title,
        created: new Date(createdAt).toISOString(),
        active: i === 0 || !rng.chance(inactiveShare),
        managerId: managerOf[i] === null ? null : users[managerOf[i]!]!.id,
      });
      if (rng.chance(0.15)) {
        user.emailAliases = [`${emailPart(first)}${emailPart(last)}@old-${org.domain}`];
        user.trustedEmailAddress = user.emailAddress;
      }
      users.push(user);
    }

    if (messy && n >= 12) {
      // Hostile display text: must render as text in Slack, pinging and linking nothing.
      org.updateUser(users[n - 1]!.id, {
        firstName: "<!channel>",
        lastName: "Ping",
        title: "Ops <Lead> & Co",
      });
      org.updateUser(users[n - 2]!.id, { firstName: "<https://evil.example|click here>", lastName: "Link" });
      // A manager id that points nowhere.
      org.updateUser(users[n - 3]!.id, { managerId: "9999999999999999999" });
      // A two-person cycle, detached from the tree.
      const a = users[n - 4]!;
      const b = users[n - 5]!;
      org.updateUser(a.id, { managerId: b.id, active: true });
      org.updateUser(b.id, { managerId: a.id, active: true });
    }

    // Calls: per host a log-normal weekly rate; some hosts went quiet months ago.
    const historyStart = now - historyDays * DAY_MS;
    for (const user of users) {
      if (perWeek <= 0) break;
      if (rng.chance(noCallShare)) continue;
      const created = Date.parse(user.created);
      let end = now;
      if (!user.active) end = now - rng.int(30, 400) * DAY_MS;
      else if (rng.chance(quietShare)) end = now - rng.int(95, 330) * DAY_MS;
      const start = Math.max(created, historyStart);
      if (end <= start) continue;
      const rate = perWeek * Math.exp(0.7 * rng.normal());
      const count = rng.poisson((rate * (end - start)) / (7 * DAY_MS));
      for (let k = 0; k < count; k++) {
        const at = Math.floor(start + rng.float() * (end - start));
        org.pushCall({
          id: `${org.callIdPrefix}${String(++org.callSerial).padStart(11, "0")}`,
          primaryUserId: user.id,
          at,
          started: at + rng.int(0, 300) * 1000,
          duration: rng.int(300, 3600),
          system: rng.pick(SYSTEMS),
          direction: "Conference",
          scope: rng.chance(0.8) ? "External" : "Internal",
          title: rng.chance(0.5) ? "Discovery call" : "Demo & pricing",
        });
      }
    }
    if (options.activity ?? true) generateActivity(org, users, hasReports, options.seed ?? 1, historyDays);
    generateDepartures(org, users, options);
    return org;
  }
}

/**
 * Leavers and people outside Slack, from their own random stream (users, calls and activity stay what
 * they were for a seed): among active users but the first (the CEO), a share left in the past weeks
 * and Gong still counts their seat; another share never had a Slack account.
 */
function generateDepartures(org: SimOrg, users: readonly SimUser[], options: OrgOptions): void {
  const rng = new Random((options.seed ?? 1) * 15_485_863 + 5);
  const left = options.leftShare ?? 0.02;
  const noSlack = options.noSlackShare ?? 0.02;
  const now = org.now.getTime();
  users.forEach((user, i) => {
    const r = rng.float();
    const daysAgo = rng.int(2, 45);
    if (i === 0 || !user.active) return;
    if (r < left) org.leave(user.id, now - daysAgo * DAY_MS - rng.int(0, 86_399) * 1000);
    else if (r < left + noSlack) org.setInSlack(user.id, false);
  });
}

/**
 * Activity besides hosting, from its own random stream (so that users and calls stay what they were
 * for a seed): managers listen to their team's calls, score and comment, whether or not they host;
 * many who host nothing still attend calls; some users do nothing at all. Users who stopped hosting
 * mostly stopped everything then too.
 */
function generateActivity(
  org: SimOrg,
  users: readonly SimUser[],
  hasReports: ReadonlySet<number>,
  seed: number,
  historyDays: number,
): void {
  const rng = new Random(seed * 104_729 + 3);
  const now = org.now.getTime();
  const historyStart = now - historyDays * DAY_MS;
  users.forEach((user, i) => {
    const manager = hasReports.has(i);
    const hosts = org.hostedBetween(user.id, historyStart, now) > 0;
    // Who does nothing beyond (maybe) hosting: most individual contributors; a few managers.
    if (!(manager ? rng.chance(0.9) : rng.chance(hosts ? 0.4 : 0.3))) return;
    const start = Math.max(Date.parse(user.created), historyStart);
    let end = now;
    if (!user.active) end = now - rng.int(30, 400) * DAY_MS;
    else if (rng.chance(0.08)) end = now - rng.int(95, 330) * DAY_MS;
    if (end <= start) return;
    const weeks = (end - start) / (7 * DAY_MS);
    const rates: [SimActivityKind, number][] = manager
      ? [
          ["othersCallsListenedTo", 3],
          ["callsScorecardsFilled", 1],
          ["callsCommentsGiven", 1],
          ["callsGaveFeedback", 0.5],
          ["callsAttended", 0.5],
        ]
      : [
          ["callsAttended", 1],
          ["ownCallsListenedTo", hosts ? 0.5 : 0],
          ["callsReceivedFeedback", hosts ? 0.3 : 0],
          ["callsSharedInternally", 0.1],
        ];
    const scale = Math.exp(0.6 * rng.normal());
    for (const [kind, perWeek] of rates) {
      const n = rng.poisson(perWeek * scale * weeks);
      for (let k = 0; k < n; k++)
        org.addActivity(user.id, kind, Math.floor(start + rng.float() * (end - start)));
    }
  });
}

function lowerBound(calls: readonly SimCall[], at: number): number {
  let lo = 0;
  let hi = calls.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (calls[mid]!.at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

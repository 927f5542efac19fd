import { OKTA_TOKEN_ENDPOINT } from "../idp/oktaAuth.js";
import { type IdpCtx, type IdpReply, IdpSimServer } from "./idpServer.js";
import { OKTA_SIM_KEY_ID, OktaOAuthSim, type OktaOAuthSimOptions } from "./oktaOAuth.js";
import type { SimOrg } from "./org.js";

/**
 * The simulator's Okta face, tied to its Gong org: every Gong user is an Okta user (login = the Gong
 * email), directly assigned to the Gong app unless a test says otherwise. Removing a direct assignment
 * deactivates the Gong user after `pushDelayMs` (Okta's push), assigning again reactivates them. Shapes
 * and errors follow Okta's Management API: 204 on DELETE, 404 E0000007, 403 E0000046 for a user whose
 * group grants the app, 429 E0000047 with X-Rate-Limit-* headers. It takes the API token (`SSWS`, env())
 * or an OAuth service app's tokens (oauthEnv(); the authorization server is sim/oktaOAuth.ts).
 *
 * The app's profile push maps the Okta user's email, firstName and lastName onto the app user: an
 * assignment that sets one of them to anything else is refused, 403 E0000075, as Okta refuses it.
 */

export const OKTA_SIM_TOKEN = "sim-okta-api-token";
export const OKTA_SIM_APP_ID = "0oagongapp0000000001";

interface OktaSimUser {
  id: string;
  gongId: string;
  login: string;
  /** The profile's email when it is not the login. */
  email?: string;
  firstName: string;
  lastName: string;
  /** ACTIVE, or SUSPENDED / DEPROVISIONED for someone who left (the org's departures start SUSPENDED). */
  status: OktaSimStatus;
  /** When the status last changed (ISO); null for a user whose status never changed. */
  statusChanged: string | null;
}

export type OktaSimStatus = "ACTIVE" | "SUSPENDED" | "DEPROVISIONED";
const STATUSES: readonly string[] = [
  "STAGED",
  "PROVISIONED",
  "ACTIVE",
  "RECOVERY",
  "LOCKED_OUT",
  "PASSWORD_EXPIRED",
  "SUSPENDED",
  "DEPROVISIONED",
];

export interface OktaSimOptions {
  org: SimOrg;
  pushDelayMs?: number;
  /** Assign every Gong user directly at start (default true). */
  assignAll?: boolean;
  /** The app's "Deactivate Users" push (default on). */
  pushDeactivation?: boolean;
  token?: string;
  appId?: string;
  /** The longest page of a user's groups (Okta pages lists with a Link header); default 200. */
  userGroupsPageSize?: number;
  /** The longest page of a user search (Okta's most is 200, the default); tests shrink it to page. */
  usersPageSize?: number;
  /** The OAuth service app (its key, granted scopes, whether it requires DPoP). */
  oauth?: OktaOAuthSimOptions;
}

function oktaError(status: number, code: string, summary: string): IdpReply {
  return {
    status,
    body: { errorCode: code, errorSummary: summary, errorLink: code, errorId: `oae${code}`, errorCauses: [] },
  };
}

export class OktaSim extends IdpSimServer {
  readonly appId: string;
  readonly token: string;
  /** The org authorization server and its service app; tests change its settings between requests. */
  readonly oauth: OktaOAuthSim;
  pushDelayMs: number;
  pushDeactivation: boolean;
  /** The app's status: an INACTIVE app provisions nothing. */
  appStatus: "ACTIVE" | "INACTIVE" = "ACTIVE";
  userGroupsPageSize: number;
  usersPageSize: number;
  private readonly org: SimOrg;
  private readonly users = new Map<string, OktaSimUser>();
  private readonly direct = new Set<string>();
  private readonly groups = new Map<string, { id: string; name: string; members: Set<string> }>();
  private readonly appGroups = new Set<string>();

  private constructor(options: OktaSimOptions) {
    super();
    this.org = options.org;
    this.appId = options.appId ?? OKTA_SIM_APP_ID;
    this.token = options.token ?? OKTA_SIM_TOKEN;
    this.oauth = new OktaOAuthSim(options.oauth);
    this.pushDelayMs = options.pushDelayMs ?? 50;
    this.pushDeactivation = options.pushDeactivation ?? true;
    this.userGroupsPageSize = options.userGroupsPageSize ?? 200;
    this.usersPageSize = options.usersPageSize ?? 200;
    let n = 0;
    for (const u of this.org.users()) {
      const id = `00u${String(++n).padStart(17, "0")}`;
      const left = this.org.leftAt(u.id);
      this.users.set(id, {
        id,
        gongId: u.id,
        login: u.emailAddress,
        firstName: u.firstName,
        lastName: u.lastName,
        status: left === null ? "ACTIVE" : "SUSPENDED",
        statusChanged: left === null ? null : new Date(left).toISOString(),
      });
      if ((options.assignAll ?? true) && u.active) this.direct.add(id);
    }
  }

  static async start(options: OktaSimOptions): Promise<OktaSim> {
    const sim = new OktaSim(options);
    await sim.listen();
    return sim;
  }

  /** Environment that points gongops at this face. */
  env(): Record<string, string> {
    return {
      GONGOPS_DEACTIVATE_VIA: "okta",
      OKTA_ORG_URL: this.url,
      OKTA_GONG_APP_ID: this.appId,
      OKTA_API_TOKEN: this.token,
    };
  }

  /** Environment for the OAuth service app instead of the API token; its private key as PEM or JWK. */
  oauthEnv(keyFormat: "pem" | "jwk" = "pem"): Record<string, string> {
    const { OKTA_API_TOKEN: _, ...rest } = this.env();
    return {
      ...rest,
      OKTA_CLIENT_ID: this.oauth.clientId,
      OKTA_PRIVATE_KEY: this.oauth.privateKey(keyFormat),
      // A downloaded JWK names its own kid; a PEM does not.
      ...(keyFormat === "pem" ? { OKTA_PRIVATE_KEY_ID: OKTA_SIM_KEY_ID } : {}),
    };
  }

  oktaIdOf(gongId: string): string | undefined {
    for (const u of this.users.values()) if (u.gongId === gongId) return u.id;
    return undefined;
  }

  isDirect(gongId: string): boolean {
    const id = this.oktaIdOf(gongId);
    return id !== undefined && this.direct.has(id);
  }

  /** An Okta login that is not the Gong email (the email stays in the profile). */
  setLogin(gongId: string, login: string): void {
    const u = this.users.get(this.oktaIdOf(gongId)!)!;
    u.email = u.login;
    u.login = login;
  }

  /** A profile email other than the login (two Okta users may share one). */
  setEmail(gongId: string, email: string): void {
    this.users.get(this.oktaIdOf(gongId)!)!.email = email;
  }

  /** A new name in Okta (a marriage): the profile push maps it onto the app user from now on. */
  setName(gongId: string, firstName: string, lastName: string): void {
    const u = this.users.get(this.oktaIdOf(gongId)!)!;
    u.firstName = firstName;
    u.lastName = lastName;
  }

  /** An admin suspended, deprovisioned or reactivated the user in Okta (`at`: statusChanged). */
  setStatus(gongId: string, status: OktaSimStatus, at = new Date()): void {
    const u = this.users.get(this.oktaIdOf(gongId)!)!;
    u.status = status;
    u.statusChanged = at.toISOString();
  }

  setDirect(gongId: string, assigned: boolean): void {
    const id = this.oktaIdOf(gongId)!;
    if (assigned) this.direct.add(id);
    else this.direct.delete(id);
  }

  /** A group with these Gong users as members, assigned to the Gong app unless `assigned` is false. */
  addGroup(name: string, gongIds: string[], assigned = true): string {
    const id = `00g${String(this.groups.size + 1).padStart(17, "0")}`;
    this.groups.set(id, { id, name, members: new Set(gongIds.map((g) => this.oktaIdOf(g)!)) });
    if (assigned) this.appGroups.add(id);
    return id;
  }

  /**
   * One page of a list, Okta style: `limit` (capped at `max`), `after` = the cursor the previous page's
   * Link rel="next" carried (here the last id), and a Link header with rel="self" and, unless this is
   * the last page, rel="next".
   */
  private page<T extends { id: string }>(url: URL, items: T[], dflt: number, max: number): IdpReply {
    const asked = Number(url.searchParams.get("limit") ?? dflt);
    const limit = Math.min(Number.isInteger(asked) && asked > 0 ? asked : dflt, max);
    const after = url.searchParams.get("after");
    const start = after ? items.findIndex((x) => x.id === after) + 1 : 0;
    if (after && start === 0) return oktaError(400, "E0000031", "Invalid search criteria: after");
    const slice = items.slice(start, start + limit);
    const self = new URL(url.pathname + url.search, this.url);
    const links = [`<${self}>; rel="self"`];
    if (start + limit < items.length) {
      const next = new URL(self);
      next.searchParams.set("after", slice.at(-1)!.id);
      next.searchParams.set("limit", String(limit));
      links.push(`<${next}>; rel="next"`);
    }
    return { status: 200, body: slice, headers: { link: links.join(", ") } };
  }

  /** `status eq "SUSPENDED" or status eq "DEPROVISIONED"`: the statuses asked; null for another search. */
  private statusSearch(search: string): Set<string> | null {
    const terms = search.split(" or ").map((t) => /^status eq "([A-Z_]+)"$/.exec(t)?.[1]);
    if (terms.some((t) => t === undefined || !STATUSES.includes(t))) return null;
    return new Set(terms as string[]);
  }

  private groupGrants(userId: string): boolean {
    for (const g of this.groups.values()) if (this.appGroups.has(g.id) && g.members.has(userId)) return true;
    return false;
  }

  protected async authorized(ctx: IdpCtx): Promise<boolean> {
    return ctx.headers.authorization === `SSWS ${this.token}` || (await this.oauth.authorizes(ctx, this.url));
  }

  protected override open(endpoint: string): boolean {
    return endpoint === OKTA_TOKEN_ENDPOINT;
  }

  protected unauthorized(): IdpReply {
    return oktaError(401, "E0000011", "Invalid token provided");
  }

  /**
   * Okta's rate limits: a bucket per endpoint, `limit` requests per window (a minute), every answer
   * carrying X-Rate-Limit-Limit / -Remaining / -Reset (the window's end, epoch seconds, on this server's
   * clock like its Date header), and E0000047 past the limit. Tests shrink the window.
   */
  private buckets = { limit: 600, windowMs: 60_000 };
  private readonly used = new Map<string, { until: number; n: number }>();

  /** Each endpoint's bucket: `limit` requests per `windowMs` (Okta: per minute), counted afresh. */
  setBuckets(limit: number, windowMs = 60_000): void {
    this.buckets = { limit, windowMs };
    this.used.clear();
  }

  private bucket(endpoint: string): { until: number; n: number } {
    const now = Date.now();
    let b = this.used.get(endpoint);
    if (!b || b.until <= now) {
      b = { until: (Math.floor(now / this.buckets.windowMs) + 1) * this.buckets.windowMs, n: 0 };
      this.used.set(endpoint, b);
    }
    return b;
  }

  protected override throttled(endpoint: string): IdpReply | null {
    const b = this.bucket(endpoint);
    b.n++;
    if (b.n <= this.buckets.limit) return null;
    this.stats.sent429++;
    return oktaError(429, "E0000047", "API call exceeded rate limit due to too many requests.");
  }

  protected override rateHeaders(endpoint: string): Record<string, string> {
    const b = this.bucket(endpoint);
    return {
      "x-rate-limit-limit": String(this.buckets.limit),
      "x-rate-limit-remaining": String(Math.max(0, this.buckets.limit - b.n)),
      "x-rate-limit-reset": String(Math.ceil(b.until / 1000)),
    };
  }

  protected tooMany(): IdpReply {
    const reset = Math.ceil(Date.now() / 1000) + 1;
    return {
      ...oktaError(429, "E0000047", "API call exceeded rate limit due to too many requests."),
      headers: {
        "x-rate-limit-limit": "600",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": String(reset),
      },
    };
  }

  protected endpointOf(method: string, p: string[]): string {
    if (p[0] !== "api" || p[1] !== "v1") return `${method} /${p.join("/")}`;
    if (p[2] === "users" && p.length === 3) return `${method} /api/v1/users`;
    if (p[2] === "users" && p.length === 4) return `${method} /api/v1/users/{login}`;
    if (p[2] === "users" && p[4] === "groups" && p.length === 5)
      return `${method} /api/v1/users/{userId}/groups`;
    if (p[2] === "apps" && p.length === 4) return `${method} /api/v1/apps/{appId}`;
    if (p[2] === "apps" && p.length === 5 && p[4] === "groups")
      return `${method} /api/v1/apps/{appId}/groups`;
    if (p[2] === "apps" && p.length === 5 && p[4] === "users") return `${method} /api/v1/apps/{appId}/users`;
    if (p[2] === "apps" && p.length === 6 && p[4] === "users")
      return `${method} /api/v1/apps/{appId}/users/{userId}`;
    return `${method} /${p.join("/")}`;
  }

  private userJson(u: OktaSimUser) {
    return {
      id: u.id,
      status: u.status,
      created: "2024-01-01T00:00:00.000Z",
      statusChanged: u.statusChanged,
      profile: { login: u.login, email: u.email ?? u.login, firstName: u.firstName, lastName: u.lastName },
      _links: { self: { href: `${this.url}/api/v1/users/${u.id}` } },
    };
  }

  private appUserJson(u: OktaSimUser) {
    return {
      id: u.id,
      scope: this.direct.has(u.id) ? "USER" : "GROUP",
      status: "PROVISIONED",
      syncState: "SYNCHRONIZED",
      credentials: { userName: u.login },
      profile: this.mappedProfile(u),
      _links: {
        app: { href: `${this.url}/api/v1/apps/${this.appId}` },
        user: { href: `${this.url}/api/v1/users/${u.id}` },
      },
    };
  }

  /** The app user's profile as the app's mappings compute it from the Okta user (profile push on). */
  private mappedProfile(u: OktaSimUser): Record<string, string> {
    return { email: u.email ?? u.login, firstName: u.firstName, lastName: u.lastName };
  }

  private push(u: OktaSimUser, active: boolean): void {
    if (!this.pushDeactivation && !active) return;
    this.later(this.pushDelayMs, () => {
      const gong = this.org.user(u.gongId);
      if (gong) gong.active = active;
    });
  }

  protected async route(endpoint: string, ctx: IdpCtx): Promise<IdpReply> {
    if (endpoint === OKTA_TOKEN_ENDPOINT) return this.oauth.token(ctx, `${this.url}/oauth2/v1/token`);
    // Scopes let a token ask; the service app's admin role decides what it may touch.
    if (OktaOAuthSim.carriesToken(ctx) && !this.oauth.adminRole)
      return oktaError(403, "E0000006", "You do not have permission to perform the requested action");
    const { parts, url, body } = ctx;
    const notFound = () =>
      oktaError(404, "E0000007", `Not found: Resource not found: ${parts.at(-1)} (User)`);
    if (endpoint === "GET /api/v1/users") {
      // Only the searches this adapter uses: profile.email eq "…", and status eq "…" joined by `or`
      // (Okta's search expressions; a search is the one listing that returns DEPROVISIONED users).
      const search = url.searchParams.get("search");
      const statuses = search ? this.statusSearch(search) : null;
      if (statuses)
        return this.page(
          url,
          [...this.users.values()].filter((u) => statuses.has(u.status)).map((u) => this.userJson(u)),
          this.usersPageSize,
          this.usersPageSize,
        );
      const m = search ? /^profile\.email eq "([^"]*)"$/.exec(search) : null;
      if (!m) return oktaError(400, "E0000031", "Invalid search criteria.");
      const want = m[1]!.toLowerCase();
      const found = [...this.users.values()].filter((u) => (u.email ?? u.login).toLowerCase() === want);
      return this.page(
        url,
        found.map((u) => ({ ...this.userJson(u) })),
        200,
        200,
      );
    }
    if (endpoint === "GET /api/v1/users/{login}") {
      const key = parts[3]!.toLowerCase();
      const u = [...this.users.values()].find((x) => x.id === parts[3] || x.login.toLowerCase() === key);
      return u ? { status: 200, body: this.userJson(u) } : notFound();
    }
    if (endpoint === "GET /api/v1/users/{userId}/groups") {
      const id = parts[3]!;
      if (!this.users.has(id)) return notFound();
      const out = [...this.groups.values()]
        .filter((g) => g.members.has(id))
        .map((g) => ({ id: g.id, type: "OKTA_GROUP", profile: { name: g.name, description: null } }));
      return this.page(url, out, this.userGroupsPageSize, this.userGroupsPageSize);
    }
    if (parts[3] !== this.appId)
      return oktaError(404, "E0000007", `Not found: Resource not found: ${parts[3]} (AppInstance)`);
    if (endpoint === "GET /api/v1/apps/{appId}") {
      const features = ["IMPORT_NEW_USERS", "PUSH_NEW_USERS", "PUSH_PROFILE_UPDATES"];
      if (this.pushDeactivation) features.push("PUSH_USER_DEACTIVATION", "REACTIVATE_USERS");
      return {
        status: 200,
        body: {
          id: this.appId,
          name: "gong",
          label: "Gong",
          status: this.appStatus,
          signOnMode: "SAML_2_0",
          features,
          _links: { self: { href: `${this.url}/api/v1/apps/${this.appId}` } },
        },
      };
    }
    if (endpoint === "GET /api/v1/apps/{appId}/groups") {
      const all = [...this.appGroups].map((id, priority) => ({ id, priority, profile: {} }));
      return this.page(url, all, 20, 200);
    }
    if (endpoint === "GET /api/v1/apps/{appId}/users/{userId}") {
      const u = this.users.get(parts[5]!);
      if (!u || (!this.direct.has(u.id) && !this.groupGrants(u.id))) return notFound();
      return { status: 200, body: this.appUserJson(u) };
    }
    if (endpoint === "DELETE /api/v1/apps/{appId}/users/{userId}") {
      const u = this.users.get(parts[5]!);
      if (!u) return notFound();
      if (this.groupGrants(u.id))
        return oktaError(
          403,
          "E0000046",
          "Deactivate application for user forbidden: the user cannot be unassigned from the application while their group memberships grant them access",
        );
      if (!this.direct.has(u.id)) return notFound();
      this.direct.delete(u.id);
      this.push(u, false);
      return { status: 204 };
    }
    if (endpoint === "POST /api/v1/apps/{appId}/users") {
      const b = body as { id?: string; scope?: string; profile?: Record<string, unknown> } | undefined;
      const u = b?.id ? this.users.get(b.id) : undefined;
      if (!u) return oktaError(400, "E0000001", "Api validation failed: id");
      // A mapped property is the push's to set: another value is refused, as Okta refuses it.
      const mapped = this.mappedProfile(u);
      for (const [k, v] of Object.entries(b?.profile ?? {}))
        if (k in mapped && mapped[k] !== v)
          return oktaError(
            403,
            "E0000075",
            `Cannot modify the ${k} attribute because it has a field mapping and profile push is enabled.`,
          );
      this.direct.add(u.id);
      this.push(u, true);
      return { status: 200, body: this.appUserJson(u) };
    }
    return oktaError(404, "E0000022", "The endpoint does not support the provided HTTP method");
  }
}

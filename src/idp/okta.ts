import * as z from "zod";
import type {
  ApiDeprovisioner,
  IdpAssignment,
  IdpObserver,
  IdpSnapshot,
  IdpUser,
  Preflight,
} from "../approvals/deprovision.js";
import type { Clock } from "../clock.js";
import type { OktaCredentials } from "../config.js";
import type { RetryPolicy } from "../gong/retry.js";
import type { IdpAccount } from "../leavers/match.js";
import type { IdpLeaverSource } from "../leavers/types.js";
import type { Logger } from "../log.js";
import { type Explained, everyPage, expectOk, explainRefusal, invalidAnswer } from "./answers.js";
import { oktaDisabledUsers } from "./disabledUsers.js";
import { IdpError, IdpHttp, type IdpLimits, type IdpRequest, nextLink, pathSegment } from "./http.js";
import { OKTA_API_SCOPES, type OktaAuth, OktaTokenError, oktaAuth } from "./oktaAuth.js";

/**
 * Okta as the way out (GONGOPS_DEACTIVATE_VIA=okta): remove the user's direct assignment to the Gong app
 * (OKTA_GONG_APP_ID, pinned: an org can have two Gong apps, so it is never searched by name); Okta's
 * provisioning then pushes the deactivation to Gong, and a Gong directory sync confirms it.
 *
 * Okta Management API (developer.okta.com/docs/api/openapi/okta-management):
 * - GET /api/v1/users/{login}: the user, login URL-encoded.
 * - GET /api/v1/apps/{appId}/users/{userId}: the app user; `scope` USER (direct) or GROUP; 404 = not assigned.
 *   A user assigned both directly and by a group shows USER, so the app's groups and the user's groups
 *   are compared too (GET /api/v1/apps/{appId}/groups, GET /api/v1/users/{userId}/groups), every page
 *   of each (Link: <…>; rel="next").
 * - DELETE /api/v1/apps/{appId}/users/{userId}: 204; 404 = already gone; 403 E0000046 = group-assigned.
 * - POST /api/v1/apps/{appId}/users: assign again (undo), with the id, scope and userName only: a profile
 *   property that a mapping pushes is Okta's to compute, and a value that changed since is refused
 *   (403 E0000075), so the undo sends none.
 * - GET /api/v1/apps/{appId}: the app; ACTIVE, and PUSH_USER_DEACTIVATION among its `features` (the admin
 *   console's Provisioning > To App > "Deactivate Users"): without it unassigning would deactivate
 *   nothing in Gong, so gongops refuses before any change.
 * - Rate limits: per-endpoint buckets per minute; every answer carries X-Rate-Limit-Remaining and
 *   X-Rate-Limit-Reset (epoch seconds, read against the answer's Date: our clock may be off). An empty
 *   bucket holds that bucket's calls until it refills, not every Okta call.
 * Auth (oktaAuth.ts): an API token (`Authorization: SSWS …`), or an OAuth service app with a private key
 * and the scopes okta.users.read, okta.apps.read, okta.apps.manage (Bearer or DPoP-bound tokens).
 */

export interface OktaSettings {
  orgUrl: string;
  appId: string;
  credentials: OktaCredentials;
}

export interface OktaOptions extends OktaSettings {
  log: Logger;
  limits?: Partial<IdpLimits>;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  /** The back-off's jitter (Math.random by default). */
  random?: () => number;
  dispatcher?: import("undici").Dispatcher;
}

export const oktaUserSchema = z.object({
  id: z.string(),
  status: z.string(),
  profile: z.object({ login: z.string(), email: z.string().optional() }).loose(),
});
export const oktaAppUserSchema = z.object({
  id: z.string(),
  scope: z.enum(["USER", "GROUP"]),
  status: z.string().optional(),
  credentials: z.object({ userName: z.string() }).loose().optional(),
  profile: z.record(z.string(), z.unknown()).optional(),
});
export const oktaGroupSchema = z.object({
  id: z.string(),
  profile: z.object({ name: z.string() }).loose(),
});
export const oktaAppGroupSchema = z.object({ id: z.string() }).loose();
/** The app object: `features` lists what its provisioning does (PUSH_USER_DEACTIVATION among them). */
export const oktaAppSchema = z
  .object({ id: z.string(), status: z.string(), features: z.array(z.string()).optional() })
  .loose();
export const oktaErrorSchema = z.object({
  errorCode: z.string(),
  errorSummary: z.string(),
  errorId: z.string().optional(),
  errorCauses: z.array(z.unknown()).optional(),
});

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim();

/**
 * How long until Okta's bucket refills: X-Rate-Limit-Reset is that instant in epoch seconds, on Okta's
 * clock, so `now` is Okta's too (the answer's Date header, IdpHttp passes it).
 */
export function oktaRetryAfter(
  headers: Record<string, string | string[] | undefined>,
  now: number,
): number | null {
  const v = headerValue(headers["x-rate-limit-reset"]);
  if (!v || !/^\d+$/.test(v)) return null;
  return Math.max(0, Number(v) * 1000 - now);
}

/** What undo needs: who, and the app username they had (a snapshot from before may hold a profile too). */
export interface OktaSnapshot extends IdpSnapshot {
  kind: "okta";
  userId: string;
  userName: string | null;
}

/**
 * Okta's rate-limit bucket of a request: its endpoint family, the path template without method or
 * query ("GET /api/v1/users?search" counts against /api/v1/users).
 */
export function oktaBucketOf(req: IdpRequest): string {
  return req.endpoint.replace(/^[A-Z]+ /, "").replace(/\?.*$/, "");
}

/** What every view of one adapter shares: the wire (its limiter and holds) and the token. */
interface OktaShared {
  http: IdpHttp;
  auth: OktaAuth;
}

/** The app feature without which unassigning deactivates nobody in Gong ("Deactivate Users"). */
export const PUSH_USER_DEACTIVATION = "PUSH_USER_DEACTIVATION";

/** Okta's code for "cannot unassign: a group membership grants the app". */
export const OKTA_GROUP_ASSIGNED = "E0000046";

export class OktaDeprovisioner implements ApiDeprovisioner, IdpLeaverSource {
  readonly kind = "okta" as const;
  readonly source = "okta" as const;
  readonly label = "Okta";
  readonly confirmedBy = "sync" as const;
  private readonly app: string;
  private readonly shared: OktaShared;

  constructor(
    private readonly options: OktaOptions,
    shared?: OktaShared,
    private readonly observer: IdpObserver | null = null,
  ) {
    this.app = pathSegment(options.appId);
    this.shared = shared ?? OktaDeprovisioner.wire(options);
  }

  private static wire(options: OktaOptions): OktaShared {
    const auth = oktaAuth(options.credentials, {
      orgUrl: options.orgUrl,
      log: options.log,
      clock: options.clock,
      dispatcher: options.dispatcher,
    });
    const http = new IdpHttp({
      vendor: "Okta",
      baseUrl: options.orgUrl,
      authorize: (req) => auth.headers(req),
      onUnauthorized: () => auth.unauthorized(),
      retryAfter: oktaRetryAfter,
      // X-Rate-Limit-Remaining: 0 on any answer: the next call would be a 429, so wait for the reset.
      holdOff: (headers, now) =>
        headerValue(headers["x-rate-limit-remaining"]) === "0" ? oktaRetryAfter(headers, now) : null,
      bucketOf: oktaBucketOf,
      errorOf: (body) => {
        const e = oktaErrorSchema.safeParse(body);
        return e.success ? { code: e.data.errorCode, summary: e.data.errorSummary } : {};
      },
      // Okta's app-user endpoints allow hundreds a minute; a handful a second leaves room for others.
      limits: { maxConcurrent: 2, maxRps: 5, ...options.limits },
      retry: options.retry,
      clock: options.clock,
      random: options.random,
      dispatcher: options.dispatcher,
      log: options.log,
    });
    return { http, auth };
  }

  observed(observer: IdpObserver): OktaDeprovisioner {
    return new OktaDeprovisioner(this.options, this.shared, observer);
  }

  private send(req: IdpRequest) {
    return this.shared.http.send(req, this.observer);
  }

  /** Leavers: the suspended and deprovisioned users, one paged search (disabledUsers.ts). */
  disabledAccounts(): Promise<IdpAccount[]> {
    return oktaDisabledUsers((req) => this.send(req));
  }

  async preflight(): Promise<Preflight> {
    const refusal = await this.refusal();
    return { refusal };
  }

  private async refusal(): Promise<string | null> {
    const res = await this.send({
      method: "GET",
      path: `/api/v1/apps/${this.app}`,
      endpoint: "GET /api/v1/apps/{appId}",
    });
    if (res.status === 404)
      return `Okta has no app ${this.options.appId} (OKTA_GONG_APP_ID): check the Gong app's id in the Okta Admin Console (Applications > Gong > the id in its address)`;
    expectOk(res, "read the Gong app");
    const app = oktaAppSchema.safeParse(res.body);
    if (!app.success) throw invalidAnswer(res, "app");
    if (app.data.status !== "ACTIVE")
      return `the Gong app in Okta is ${app.data.status}, not ACTIVE: unassigning would deactivate nobody in Gong`;
    if (!(app.data.features ?? []).includes(PUSH_USER_DEACTIVATION))
      return (
        `the Gong app in Okta does not push deactivations (${PUSH_USER_DEACTIVATION} is not among its features; ` +
        "Provisioning > To App > Deactivate Users): unassigning would deactivate nobody in Gong; turn it on first"
      );
    return null;
  }

  /**
   * The Okta user for a Gong email: by login first (usually the email), else by a search on the
   * profile's email (an org whose logins are not emails). Two users with that email is an error, not
   * a guess.
   */
  async find(email: string): Promise<IdpUser | null> {
    // A login that needs escaping in a path (é, /, %, ?) is looked up by search instead: Okta checks a
    // DPoP proof's htu against the decoded path, which an escaped one never matches.
    const res =
      pathSegment(email) === email
        ? await this.send({
            method: "GET",
            path: `/api/v1/users/${pathSegment(email)}`,
            endpoint: "GET /api/v1/users/{login}",
          })
        : null;
    if (res && res.status !== 404) {
      expectOk(res, "find the user");
      const user = oktaUserSchema.safeParse(res.body);
      if (!user.success) throw invalidAnswer(res, "user");
      // Found by login; make sure it is the same person (an Okta login need not be the email).
      const emails = [user.data.profile.login, user.data.profile.email].map((e) => e?.toLowerCase());
      if (emails.includes(email.toLowerCase())) return { id: user.data.id, login: user.data.profile.login };
    }
    const found: z.infer<typeof oktaUserSchema>[] = [];
    for await (const u of this.list(
      {
        method: "GET",
        path: "/api/v1/users",
        query: { search: `profile.email eq "${email.replace(/["\\]/g, "")}"` },
        endpoint: "GET /api/v1/users?search",
      },
      oktaUserSchema,
      "users with that email",
    ))
      if (u.profile.email?.toLowerCase() === email.toLowerCase() && u.status !== "DEPROVISIONED")
        found.push(u);
    if (found.length > 1)
      throw new IdpError(
        { vendor: "Okta", method: "GET", endpoint: "GET /api/v1/users?search", status: 409 },
        `${found.length} Okta users have the email ${email} (${found.map((u) => u.profile.login).join(", ")}); gongops will not guess which one to unassign`,
      );
    const user = found[0];
    return user ? { id: user.id, login: user.profile.login } : null;
  }

  async assignment(user: IdpUser): Promise<IdpAssignment> {
    const uid = pathSegment(user.id);
    const res = await this.send({
      method: "GET",
      path: `/api/v1/apps/${this.app}/users/${uid}`,
      endpoint: "GET /api/v1/apps/{appId}/users/{userId}",
    });
    if (res.status === 404) return { kind: "none", groups: [], snapshot: null };
    expectOk(res, "read the user's assignment");
    const appUser = oktaAppUserSchema.safeParse(res.body);
    if (!appUser.success) throw invalidAnswer(res, "app user");
    const groups = await this.grantingGroups(uid);
    const snapshot: OktaSnapshot = {
      kind: "okta",
      userId: user.id,
      userName: appUser.data.credentials?.userName ?? null,
    };
    if (appUser.data.scope === "GROUP") return { kind: "group", groups, snapshot: null };
    return groups.length > 0 ? { kind: "both", groups, snapshot } : { kind: "direct", groups: [], snapshot };
  }

  /**
   * The user's groups that are assigned to the Gong app, by name. Both lists are read to their last
   * page (Okta pages with a Link header): a granting group on page two is still a granting group, and
   * missing it would remove a direct assignment that a group keeps alive.
   */
  private async grantingGroups(uid: string): Promise<string[]> {
    const mine = new Map<string, string>();
    for await (const g of this.list(
      { method: "GET", path: `/api/v1/users/${uid}/groups`, endpoint: "GET /api/v1/users/{userId}/groups" },
      oktaGroupSchema,
      "the user's groups",
    ))
      mine.set(g.id, g.profile.name);
    if (mine.size === 0) return [];
    const granting: string[] = [];
    for await (const g of this.list(
      {
        method: "GET",
        path: `/api/v1/apps/${this.app}/groups`,
        query: { limit: "200" },
        endpoint: "GET /api/v1/apps/{appId}/groups",
      },
      oktaAppGroupSchema,
      "the Gong app's groups",
    )) {
      const name = mine.get(g.id);
      if (name !== undefined) granting.push(name);
      if (granting.length === mine.size) break; // every group of theirs is accounted for
    }
    return granting;
  }

  /** Every item of an Okta list, following its Link rel="next" to the last page. */
  private async *list<T extends z.ZodType>(
    first: IdpRequest,
    item: T,
    what: string,
  ): AsyncGenerator<z.infer<T>> {
    yield* everyPage(
      await this.send(first),
      (next) => this.send({ method: "GET", path: next, endpoint: first.endpoint }),
      { items: (res) => res.body, next: (res) => nextLink(res.headers) },
      item,
      what,
    );
  }

  async unassign(user: IdpUser): Promise<"removed" | "already"> {
    const res = await this.send({
      method: "DELETE",
      path: `/api/v1/apps/${this.app}/users/${pathSegment(user.id)}`,
      endpoint: "DELETE /api/v1/apps/{appId}/users/{userId}",
    });
    if (res.status === 404) return "already";
    expectOk(res, "unassign the user");
    return "removed";
  }

  async reassign(snapshot: IdpSnapshot): Promise<void> {
    const s = snapshot as OktaSnapshot;
    // No profile: Okta fills the app user's profile from its mappings (and refuses a mapped property
    // whose value changed since, E0000075, which an old snapshot's would be).
    const res = await this.send({
      method: "POST",
      path: `/api/v1/apps/${this.app}/users`,
      body: {
        id: s.userId,
        scope: "USER",
        ...(s.userName ? { credentials: { userName: s.userName } } : {}),
      },
      endpoint: "POST /api/v1/apps/{appId}/users",
    });
    expectOk(res, "assign the user again");
  }

  groupAdvice(groups: string[]): string {
    return `An Okta admin must remove them from ${groups.length === 1 ? "that group" : "those groups"} (or take the group off the Gong app), then file the request again.`;
  }

  explain(error: unknown): Explained {
    if (error instanceof OktaTokenError) return { failed: error.message };
    return explainRefusal(error, (e) => this.namedRefusal(e));
  }

  /** Okta's refusals that have a cause to name: a granting group, the token, the rights it lacks. */
  private namedRefusal(error: IdpError): { failed: string } | null {
    const { status, vendorCode } = error.details;
    if (vendorCode === OKTA_GROUP_ASSIGNED)
      return {
        failed: `Okta refused: a group membership grants the Gong app (${OKTA_GROUP_ASSIGNED}); gongops never removes group access. Nothing was changed.`,
      };
    const code = vendorCode ? ` ${vendorCode}` : "";
    const scopes = `${OKTA_API_SCOPES.slice(0, -1).join(", ")} and ${OKTA_API_SCOPES.at(-1)}`;
    const serviceApp = this.shared.auth.mode === "serviceApp";
    if (status === 401)
      return {
        failed: serviceApp
          ? "Okta refused the service app's access token (401), a freshly issued one too: check that the app (OKTA_CLIENT_ID) is active in Okta and still has its Okta API Scopes"
          : "Okta refused OKTA_API_TOKEN (401): create a new API token and set it again",
      };
    if (status === 403)
      return {
        failed: serviceApp
          ? `Okta refused the change (403${code}): the service app (OKTA_CLIENT_ID) needs ${scopes} granted (its Okta API Scopes tab) and an admin role that covers the Gong app (its Admin roles tab)`
          : `Okta refused the change (403${code}): the token's admin needs ${scopes} on the Gong app`,
      };
    return null;
  }

  async close(): Promise<void> {
    await this.shared.http.close();
  }
}

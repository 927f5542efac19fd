import type * as z from "zod";
import type {
  ApiDeprovisioner,
  IdpAssignment,
  IdpObserver,
  IdpSnapshot,
  IdpUser,
  Preflight,
} from "../approvals/deprovision.js";
import type { Clock } from "../clock.js";
import { GongopsError } from "../errors.js";
import { parseRetryAfter, type RetryPolicy } from "../gong/retry.js";
import type { IdpAccount } from "../leavers/match.js";
import type { IdpLeaverSource } from "../leavers/types.js";
import type { Logger } from "../log.js";
import { type Explained, everyPage, expectOk, explainRefusal, invalidAnswer } from "./answers.js";
import { entraDisabledUsers } from "./disabledUsers.js";
import { ProvisioningNudge } from "./entraNudge.js";
import {
  graphAssignmentSchema,
  graphErrorSchema,
  graphJobSchema,
  graphPages,
  graphSecretsSchema,
  graphUserSchema,
} from "./graphSchemas.js";
import { IdpError, IdpHttp, type IdpLimits, type IdpRequest, type IdpResponse, pathSegment } from "./http.js";
import { TOKEN_ENDPOINT, type TokenProvider } from "./msal.js";

/**
 * Entra ID as the way out (GONGOPS_DEACTIVATE_VIA=entra): remove the user's direct app-role assignment
 * on the Gong enterprise app's service principal (ENTRA_GONG_SP_ID, pinned); Entra's provisioning then
 * disables the user in Gong (within its ~40-minute cycle), and a Gong directory sync confirms it.
 *
 * Microsoft Graph v1.0 (learn.microsoft.com/graph/api):
 * - GET /users/{upn}: the user (404: none).
 * - GET /users/{id}/appRoleAssignments?$filter=resourceId eq {spId}&$count=true, with the header
 *   `ConsistencyLevel: eventual` (filtering on resourceId is one of Graph's advanced queries): the user's
 *   assignments to the app, including those of groups the user is a direct member of (`principalType`
 *   User or Group).
 * - DELETE /servicePrincipals/{spId}/appRoleAssignedTo/{assignmentId}: 204; 404 = already gone.
 * - POST /servicePrincipals/{spId}/appRoleAssignedTo {principalId, resourceId, appRoleId}: undo.
 * - GET /servicePrincipals/{spId}/synchronization/jobs: the provisioning job; none, stopped or quarantined
 *   means unassigning would deactivate nobody, so gongops refuses.
 * - GET /servicePrincipals/{spId}/synchronization/secrets: its SyncAll key is the provisioning scope;
 *   "Sync all users and groups" keeps an unassigned user in scope, so gongops refuses. Only that key is
 *   read; a refused read leaves a caveat in the trail instead.
 * - Lists page with @odata.nextLink (followed only on the Graph origin).
 * - Throttling: 429, or 503, with Retry-After (seconds): waited as asked.
 * Application permissions: AppRoleAssignment.ReadWrite.All, Application.Read.All, User.Read.All (and
 * Synchronization.Read.All for the job check). With ENTRA_PROVISION_ON_DEMAND, POST …/synchronization/
 * jobs/{jobId}/provisionOnDemand nudges the job for the user (5 per 10 s; Synchronization.ReadWrite.All).
 *
 * The token comes from a TokenProvider (msal.ts: MSAL client credentials), for the Graph that
 * ENTRA_GRAPH_URL names (a national cloud's Graph wants its own scope).
 */

export interface EntraOptions {
  graphUrl: string;
  spId: string;
  /** Nudge the provisioning job for the user after unassigning (needs Synchronization.ReadWrite.All). */
  provisionOnDemand?: boolean;
  tokens: TokenProvider;
  log: Logger;
  limits?: Partial<IdpLimits>;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  /** The back-off's jitter (Math.random by default). */
  random?: () => number;
  dispatcher?: import("undici").Dispatcher;
}

/** A user's direct assignments to the Gong app: one per app role they hold there (User, Admin…). */
export interface EntraSnapshot extends IdpSnapshot {
  kind: "entra";
  principalId: string;
  resourceId: string;
  roles: { assignmentId: string; appRoleId: string }[];
}

/** The roles of a snapshot (one written before `roles` held a single `assignmentId` / `appRoleId`). */
function rolesOf(s: IdpSnapshot): EntraSnapshot["roles"] {
  const e = s as Partial<EntraSnapshot> & { assignmentId?: string; appRoleId?: string };
  if (Array.isArray(e.roles))
    return e.roles.filter(
      (r): r is EntraSnapshot["roles"][number] =>
        typeof r?.assignmentId === "string" && typeof r?.appRoleId === "string",
    );
  return e.assignmentId && e.appRoleId ? [{ assignmentId: e.assignmentId, appRoleId: e.appRoleId }] : [];
}

/** Some of a user's app-role assignments were removed before Graph refused the next one. */
class PartialRemoval extends Error {
  constructor(
    override readonly cause: unknown,
    readonly removed: number,
    readonly total: number,
  ) {
    super(`removed ${removed} of ${total} app roles`);
  }
}

/** Graph's object ids are GUIDs; an id pasted in capitals is the same object. */
const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** What every view of one adapter shares: the wire, and the nudge (with the provisioning job found). */
interface EntraShared {
  http: IdpHttp;
  nudge: ProvisioningNudge;
}

export class EntraDeprovisioner implements ApiDeprovisioner, IdpLeaverSource {
  readonly kind = "entra" as const;
  readonly source = "entra" as const;
  readonly label = "Entra ID";
  readonly confirmedBy = "sync" as const;
  private readonly sp: string;
  private readonly shared: EntraShared;

  constructor(
    private readonly options: EntraOptions,
    shared?: EntraShared,
    private readonly observer: IdpObserver | null = null,
  ) {
    this.sp = pathSegment(options.spId);
    this.shared = shared ?? EntraDeprovisioner.wire(options);
  }

  private static wire(options: EntraOptions): EntraShared {
    const http = new IdpHttp({
      vendor: "Microsoft Graph",
      baseUrl: options.graphUrl,
      authorize: async () => ({ authorization: `Bearer ${await options.tokens.token()}` }),
      retryAfter: (headers, now) => parseRetryAfter(headers["retry-after"], now),
      errorOf: (body) => {
        const e = graphErrorSchema.safeParse(body);
        return e.success ? { code: e.data.error.code, summary: e.data.error.message } : {};
      },
      limits: { maxConcurrent: 2, maxRps: 5, ...options.limits },
      retry: options.retry,
      clock: options.clock,
      random: options.random,
      dispatcher: options.dispatcher,
      log: options.log,
    });
    return { http, nudge: new ProvisioningNudge() };
  }

  observed(observer: IdpObserver): EntraDeprovisioner {
    return new EntraDeprovisioner(this.options, this.shared, observer);
  }

  private send(req: IdpRequest): Promise<IdpResponse> {
    return this.shared.http.send(req, this.observer);
  }

  /** Leavers: the disabled users (accountEnabled false), one paged listing (disabledUsers.ts). */
  disabledAccounts(): Promise<IdpAccount[]> {
    return entraDisabledUsers((req) => this.send(req));
  }

  async preflight(): Promise<Preflight> {
    const jobs = await this.jobRefusal();
    if (jobs) return { refusal: jobs };
    return this.scopeCheck();
  }

  /**
   * The Gong app's provisioning job must exist and run: a missing, stopped or quarantined job would
   * deactivate nobody in Gong. Reading it needs Synchronization.Read.All; without it gongops cannot
   * know, so it refuses rather than assume.
   */
  private async jobRefusal(): Promise<string | null> {
    const jobs: z.infer<typeof graphJobSchema>[] = [];
    const first = await this.send({
      method: "GET",
      path: `/servicePrincipals/${this.sp}/synchronization/jobs`,
      endpoint: "GET /servicePrincipals/{spId}/synchronization/jobs",
    });
    if (first.status === 404)
      return `Entra ID has no service principal ${this.options.spId} (ENTRA_GONG_SP_ID): check the Gong enterprise app's object id`;
    if (first.status === 403)
      return "Microsoft Graph refused to show the Gong app's provisioning job (403): grant the app registration Synchronization.Read.All (with admin consent) so gongops can check that unassigning deactivates in Gong";
    for await (const job of this.list(first, graphJobSchema, "synchronization job list")) jobs.push(job);
    if (jobs.length === 0)
      return "the Gong enterprise app in Entra ID has no provisioning job: unassigning would deactivate nobody in Gong; set up provisioning first";
    const runs = (j: (typeof jobs)[number]) =>
      ["Active", "NotRun"].includes(j.status.code) &&
      !j.status.quarantine &&
      (j.schedule?.state ?? "Active") === "Active";
    const running = jobs.find(runs);
    if (running) {
      this.shared.nudge.found(running.id);
      return null;
    }
    const job = jobs[0]!;
    if (job.status.code === "Quarantine" || job.status.quarantine)
      return `the Gong app's provisioning in Entra ID is quarantined${job.status.quarantine?.reason ? ` (${job.status.quarantine.reason})` : ""}: unassigning would deactivate nobody in Gong until an admin fixes it`;
    if (job.status.code === "NotConfigured")
      return "the Gong app's provisioning in Entra ID is not configured: unassigning would deactivate nobody in Gong";
    return `the Gong app's provisioning in Entra ID is stopped (job ${job.status.code}, schedule ${job.schedule?.state ?? "unknown"}): unassigning would deactivate nobody in Gong until an admin starts it`;
  }

  /**
   * The provisioning scope lives in the synchronization secrets as SyncAll ("Sync all users and
   * groups"): with it on, removing an assignment leaves the user in scope and nobody is disabled. Only
   * that key is kept from the answer (the others are the app's credentials). Graph may refuse the read
   * with Synchronization.Read.All alone; then the scope is not known, the trail says so, and the
   * verification deadline catches a scope that syncs everyone.
   */
  private async scopeCheck(): Promise<Preflight> {
    const res = await this.send({
      method: "GET",
      path: `/servicePrincipals/${this.sp}/synchronization/secrets`,
      endpoint: "GET /servicePrincipals/{spId}/synchronization/secrets",
    });
    const unknown = (why: string): Preflight => ({
      refusal: null,
      caveat: `provisioning scope not checked (${why}); if the Gong app syncs all users and groups, Gong will not show the user inactive and the verification deadline will say so`,
    });
    if (res.status >= 400) return unknown(`Microsoft Graph answered ${res.status} to reading it`);
    const secrets = graphSecretsSchema.safeParse(res.body);
    if (!secrets.success) return unknown("Microsoft Graph's answer had no secrets list");
    const syncAll = secrets.data.value.find((v) => v.key === "SyncAll")?.value;
    if (syncAll?.toLowerCase() === "true")
      return {
        refusal:
          'the Gong app\'s provisioning scope in Entra ID is "Sync all users and groups": removing an assignment would deactivate nobody; set the scope to "Sync only assigned users and groups"',
      };
    return syncAll === undefined ? unknown("no SyncAll setting in the answer") : { refusal: null };
  }

  /** ENTRA_PROVISION_ON_DEMAND: ask the provisioning job the preflight found to process this user now. */
  async nudge(user: IdpUser): Promise<string | null> {
    if (!this.options.provisionOnDemand) return null;
    return this.shared.nudge.user(user, this.sp, (req) => this.send(req));
  }

  /**
   * The Entra user for a Gong email: by userPrincipalName first (usually the email), else by `mail`
   * (a tenant whose UPNs are not the addresses people use). Two users with that mail is an error.
   */
  async find(email: string): Promise<IdpUser | null> {
    const res = await this.send({
      method: "GET",
      path: `/users/${pathSegment(email)}`,
      query: { $select: "id,userPrincipalName" },
      endpoint: "GET /users/{upn}",
    });
    if (res.status !== 404) {
      expectOk(res, "find the user");
      const user = graphUserSchema.safeParse(res.body);
      if (!user.success) throw invalidAnswer(res, "user");
      return { id: user.data.id, login: user.data.userPrincipalName };
    }
    const first = await this.send({
      method: "GET",
      path: "/users",
      query: { $filter: `mail eq '${email.replace(/'/g, "''")}'`, $select: "id,userPrincipalName,mail" },
      endpoint: "GET /users?$filter=mail",
    });
    const found: z.infer<typeof graphUserSchema>[] = [];
    for await (const u of this.list(first, graphUserSchema, "user list")) found.push(u);
    if (found.length > 1)
      throw new IdpError(
        { vendor: "Microsoft Graph", method: "GET", endpoint: "GET /users?$filter=mail", status: 409 },
        `${found.length} Entra ID users have the mail ${email} (${found.map((u) => u.userPrincipalName).join(", ")}); gongops will not guess which one to unassign`,
      );
    const user = found[0];
    return user ? { id: user.id, login: user.userPrincipalName } : null;
  }

  /**
   * A user's app-role assignments to the Gong app, every page (a group's assignment on page two still
   * grants the app). Filtering on resourceId is an advanced query: Graph wants `ConsistencyLevel:
   * eventual` and `$count=true` with it, on every page.
   */
  private async *assignmentsOf(userId: string): AsyncGenerator<z.infer<typeof graphAssignmentSchema>> {
    const read: IdpRequest = {
      method: "GET",
      path: `/users/${pathSegment(userId)}/appRoleAssignments`,
      query: { $filter: `resourceId eq ${this.options.spId}`, $count: "true" },
      headers: { consistencylevel: "eventual" },
      endpoint: "GET /users/{id}/appRoleAssignments",
    };
    for await (const a of this.list(
      await this.send(read),
      graphAssignmentSchema,
      "appRoleAssignment list",
      read,
    ))
      if (sameId(a.resourceId, this.options.spId)) yield a;
  }

  async assignment(user: IdpUser): Promise<IdpAssignment> {
    const mine: z.infer<typeof graphAssignmentSchema>[] = [];
    for await (const a of this.assignmentsOf(user.id)) mine.push(a);
    // Every direct assignment: a user who holds two app roles stays in scope until both are gone.
    const direct = mine.filter((a) => a.principalType === "User" && sameId(a.principalId, user.id));
    const groups = mine
      .filter((a) => a.principalType === "Group")
      .map((a) => a.principalDisplayName ?? a.principalId);
    const snapshot: EntraSnapshot | null =
      direct.length > 0
        ? {
            kind: "entra",
            principalId: direct[0]!.principalId,
            resourceId: direct[0]!.resourceId,
            roles: direct.map((a) => ({ assignmentId: a.id, appRoleId: a.appRoleId })),
          }
        : null;
    const isDirect = direct.length > 0;
    if (groups.length > 0) return { kind: isDirect ? "both" : "group", groups, snapshot };
    return isDirect ? { kind: "direct", groups: [], snapshot } : { kind: "none", groups: [], snapshot: null };
  }

  async unassign(_user: IdpUser, assignment: IdpAssignment): Promise<"removed" | "already"> {
    const roles = assignment.snapshot ? rolesOf(assignment.snapshot) : [];
    let removed = 0;
    for (const { assignmentId } of roles) {
      try {
        const res = await this.send({
          method: "DELETE",
          path: `/servicePrincipals/${this.sp}/appRoleAssignedTo/${pathSegment(assignmentId)}`,
          endpoint: "DELETE /servicePrincipals/{spId}/appRoleAssignedTo/{assignmentId}",
        });
        if (res.status === 404) continue;
        expectOk(res, "remove the assignment");
        removed++;
      } catch (error) {
        throw removed > 0 ? new PartialRemoval(error, removed, roles.length) : error;
      }
    }
    return removed > 0 ? "removed" : "already";
  }

  /**
   * Every saved role back. Idempotent: Graph refuses a second identical assignment, so a role that is
   * back already is left be.
   */
  async reassign(snapshot: IdpSnapshot): Promise<void> {
    const s = snapshot as EntraSnapshot;
    const roles = rolesOf(s);
    if (roles.length === 0)
      throw new GongopsError(
        "IDP_ERROR",
        "the saved Entra ID assignment names no app role: assign the user to the Gong app again by hand",
      );
    const held = new Set<string>();
    for await (const a of this.assignmentsOf(s.principalId))
      if (a.principalType === "User" && sameId(a.principalId, s.principalId))
        held.add(a.appRoleId.toLowerCase());
    for (const { appRoleId } of roles) {
      if (held.has(appRoleId.toLowerCase())) continue;
      const res = await this.send({
        method: "POST",
        path: `/servicePrincipals/${this.sp}/appRoleAssignedTo`,
        body: { principalId: s.principalId, resourceId: s.resourceId, appRoleId },
        endpoint: "POST /servicePrincipals/{spId}/appRoleAssignedTo",
      });
      expectOk(res, "assign the user again");
    }
  }

  groupAdvice(groups: string[]): string {
    return `An Entra ID admin must remove them from ${groups.length === 1 ? "that group" : "those groups"} (or the group's assignment to the Gong app), then file the request again.`;
  }

  explain(error: unknown): Explained {
    if (error instanceof PartialRemoval) {
      const inner = this.explain(error.cause);
      return inner && "failed" in inner
        ? {
            failed: `${inner.failed.replace(/\.$/, "")}. ${error.removed} of the user's ${error.total} app roles on the Gong app were removed already: finish in Entra ID, or put them back with gongops reactivate.`,
          }
        : inner; // a wait or a retry: the next attempt starts from what is left
    }
    return explainRefusal(error, (e) => this.namedRefusal(e));
  }

  /** Graph's refusals that have a cause to name: the sign-in, the token, the permissions. */
  private namedRefusal(error: IdpError): { failed: string } | null {
    const { status, vendorCode, summary } = error.details;
    if (error.details.endpoint === TOKEN_ENDPOINT)
      return {
        failed: `Entra ID refused gongops' sign-in (${vendorCode}${summary ? `: ${summary}` : ""}): check ENTRA_TENANT_ID, ENTRA_CLIENT_ID and the client secret or certificate (ENTRA_CLIENT_SECRET, ENTRA_CERTIFICATE_*) of the app registration`,
      };
    if (status === 401)
      return {
        failed:
          "Microsoft Graph refused the token (401): check ENTRA_TENANT_ID, ENTRA_CLIENT_ID and the client secret or certificate",
      };
    if (status === 403)
      return {
        failed: `Microsoft Graph refused (403${vendorCode ? ` ${vendorCode}` : ""}): the app registration needs the application permissions AppRoleAssignment.ReadWrite.All, Application.Read.All and User.Read.All, with admin consent`,
      };
    return null;
  }

  /**
   * Every item of a Graph list from its first page, following @odata.nextLink to the last (with the
   * first request's headers: Graph wants an advanced query's on every page).
   */
  private list<T extends z.ZodType>(
    first: IdpResponse,
    item: T,
    what: string,
    request?: IdpRequest,
  ): AsyncGenerator<z.infer<T>> {
    const endpoint = first.details.endpoint;
    const more = (next: string) =>
      this.send({ method: "GET", path: next, endpoint, headers: request?.headers });
    return everyPage(first, more, graphPages, item, `the ${what}`);
  }

  async close(): Promise<void> {
    await this.shared.nudge.close();
    await this.shared.http.close();
  }
}

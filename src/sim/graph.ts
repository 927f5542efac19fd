import {
  ENTRA_SIM_AUTHORITY_HOST,
  ENTRA_SIM_CLIENT_ID,
  ENTRA_SIM_CLIENT_SECRET,
  ENTRA_SIM_TENANT_ID,
  EntraLoginSim,
  isLoginEndpoint,
  loginEndpointOf,
  type SimCertificate,
} from "./entraLogin.js";
import { type IdpCtx, type IdpReply, IdpSimServer, type SimTls } from "./idpServer.js";
import type { SimOrg } from "./org.js";

/**
 * The simulator's Microsoft Graph face (the Entra ID side), tied to its Gong org: every Gong user is an
 * Entra user (userPrincipalName = the Gong email) with a direct app-role assignment to the Gong service
 * principal unless a test says otherwise. Removing a user's last assignment disables the Gong user after
 * `pushDelayMs` (Entra's provisioning cycle, shortened); assigning again reactivates. Shapes follow Graph
 * v1.0: `{ value: [...] }` lists, appRoleAssignment objects with `principalType` User or Group,
 * `{ error: { code, message } }` errors, 204 on DELETE, 201 on POST, 429 with Retry-After.
 */

export const GRAPH_SIM_TOKEN = "sim-graph-access-token";
export const GRAPH_SIM_SP_ID = "6f1b2c3d-0000-4000-8000-00000000c0de";
export const GRAPH_SIM_APP_ROLE_ID = "18d14569-c3bd-439b-9a66-3a2aee01d14f";
/** A second app role on the Gong app ("Admin"): a user may hold both. */
export const GRAPH_SIM_ADMIN_ROLE_ID = "5f1c9a3e-2b7d-4c8e-9f60-a1b2c3d4e5f6";
const APP_ROLES = [GRAPH_SIM_APP_ROLE_ID, GRAPH_SIM_ADMIN_ROLE_ID];

export interface GraphSimOptions {
  org: SimOrg;
  pushDelayMs?: number;
  assignAll?: boolean;
  /** The provisioning job: Active (default), Quarantine, Paused (stopped), or none at all. */
  job?: "Active" | "Quarantine" | "Paused" | "none";
  /** Provisioning scope "Sync all users and groups" instead of "only assigned". */
  syncAll?: boolean;
  retryAfterSeconds?: number;
  /** The longest page of a user's appRoleAssignments (Graph pages with @odata.nextLink); default 100. */
  pageSize?: number;
  /** The longest page of a user listing (Graph's `$top` goes to 999; it may send fewer). Default 999. */
  usersPageSize?: number;
  /** A certificate the app registration trusts (its public key and SHA-256 thumbprint, hex). */
  certificate?: SimCertificate;
  /**
   * Serve Graph and the login authority over HTTPS with this certificate: gongops then reaches the
   * authority as ENTRA_AUTHORITY_HOST alone says (its URL), trusting the certificate the way any
   * client would (NODE_EXTRA_CA_CERTS), with no MSAL network module in between.
   */
  tls?: SimTls;
}

interface Assignment {
  id: string;
  principalId: string;
  principalType: "User" | "Group";
  principalDisplayName: string;
  appRoleId: string;
  resourceId: string;
  createdDateTime: string;
}

function graphError(status: number, code: string, message: string): IdpReply {
  return {
    status,
    body: { error: { code, message, innerError: { date: new Date().toISOString(), "request-id": "sim" } } },
  };
}

const JOB_ID = "gong.0a1b2c3d4e5f.00000000-0000-0000-0000-000000000000";

const guid = (prefix: string, n: number) =>
  `${prefix}${String(n).padStart(8, "0")}-0000-4000-8000-000000000000`.slice(-36);

export class GraphSim extends IdpSimServer {
  readonly spId = GRAPH_SIM_SP_ID;
  readonly token = GRAPH_SIM_TOKEN;
  pushDelayMs: number;
  job: GraphSimOptions["job"];
  syncAll: boolean;
  retryAfterSeconds: number;
  pageSize: number;
  usersPageSize: number;
  /**
   * What the app registration was granted: reading jobs needs Synchronization.Read.All; the secrets
   * and provisionOnDemand need more, which a least-privilege app may not have (then 403).
   */
  readable = { jobs: true, secrets: true, provisionOnDemand: true };
  /** When provisionOnDemand was called (Graph allows 5 per 10 seconds). */
  private readonly onDemandAt: number[] = [];
  private readonly org: SimOrg;
  private readonly users = new Map<
    string,
    { id: string; gongId: string; upn: string; mail: string; name: string; accountEnabled: boolean }
  >();
  private readonly groups = new Map<string, { id: string; name: string; members: Set<string> }>();
  private readonly assignments = new Map<string, Assignment>();
  private seq = 0;
  /** Entra's login authority, on the same server (MSAL reaches it through `login.msalNetwork`). */
  readonly login: EntraLoginSim;

  private constructor(options: GraphSimOptions) {
    super(options.tls);
    this.org = options.org;
    this.pushDelayMs = options.pushDelayMs ?? 50;
    this.job = options.job ?? "Active";
    this.syncAll = options.syncAll ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.pageSize = options.pageSize ?? 100;
    this.usersPageSize = options.usersPageSize ?? 999;
    this.login = new EntraLoginSim(
      {
        url: () => this.url,
        authority: () => (this.secure ? this.url : ENTRA_SIM_AUTHORITY_HOST),
        graph: () => this.graphUrl,
      },
      options.certificate,
    );

    let n = 0;
    for (const u of this.org.users()) {
      const id = guid("a", ++n);
      const name = `${u.firstName} ${u.lastName}`;
      // Someone who left the company has their account disabled (Gong may still count their seat).
      const accountEnabled = this.org.leftAt(u.id) === null;
      this.users.set(id, {
        id,
        gongId: u.id,
        upn: u.emailAddress,
        mail: u.emailAddress,
        name,
        accountEnabled,
      });
      if ((options.assignAll ?? true) && u.active) this.assign(id, "User", name);
    }
  }

  static async start(options: GraphSimOptions): Promise<GraphSim> {
    const sim = new GraphSim(options);
    await sim.listen();
    return sim;
  }

  get graphUrl(): string {
    return `${this.url}/v1.0`;
  }

  /**
   * Environment that points gongops at this face. The login authority is https (MSAL refuses anything
   * else): served over https it is this server's URL; otherwise gongops must also be given
   * `msalNetwork()`, which carries MSAL's requests here.
   */
  env(): Record<string, string> {
    return {
      GONGOPS_DEACTIVATE_VIA: "entra",
      ENTRA_TENANT_ID: ENTRA_SIM_TENANT_ID,
      ENTRA_CLIENT_ID: ENTRA_SIM_CLIENT_ID,
      ENTRA_CLIENT_SECRET: ENTRA_SIM_CLIENT_SECRET,
      ENTRA_AUTHORITY_HOST: this.secure ? this.url : ENTRA_SIM_AUTHORITY_HOST,
      ENTRA_GONG_SP_ID: this.spId,
      ENTRA_GRAPH_URL: this.graphUrl,
    };
  }

  /** MSAL's transport to this server (see EntraLoginSim.msalNetwork). */
  msalNetwork() {
    return this.login.msalNetwork();
  }

  /** Token requests the login authority answered, and how many it refused. */
  get tokenStats() {
    return this.login.stats;
  }

  entraIdOf(gongId: string): string | undefined {
    for (const u of this.users.values()) if (u.gongId === gongId) return u.id;
    return undefined;
  }

  private assign(
    principalId: string,
    principalType: "User" | "Group",
    name: string,
    appRoleId = GRAPH_SIM_APP_ROLE_ID,
  ): Assignment {
    const a: Assignment = {
      id: `asg${String(++this.seq).padStart(8, "0")}`,
      principalId,
      principalType,
      principalDisplayName: name,
      appRoleId,
      resourceId: this.spId,
      createdDateTime: new Date().toISOString(),
    };
    this.assignments.set(a.id, a);
    return a;
  }

  /** A second direct assignment to the app, with another app role. */
  addRole(gongId: string, appRoleId = GRAPH_SIM_ADMIN_ROLE_ID): void {
    const id = this.entraIdOf(gongId)!;
    this.assign(id, "User", this.users.get(id)!.name, appRoleId);
  }

  /** Takes one app role's direct assignment away (as a DELETE that landed would). */
  removeRole(gongId: string, appRoleId: string): void {
    const id = this.entraIdOf(gongId);
    for (const a of [...this.assignments.values()])
      if (a.principalType === "User" && a.principalId === id && a.appRoleId === appRoleId)
        this.assignments.delete(a.id);
  }

  /** The app roles a user holds directly. */
  rolesOf(gongId: string): string[] {
    const id = this.entraIdOf(gongId);
    return [...this.assignments.values()]
      .filter((a) => a.principalType === "User" && a.principalId === id)
      .map((a) => a.appRoleId)
      .sort();
  }

  /** A userPrincipalName that is not the Gong email (which stays the user's `mail`). */
  setUpn(gongId: string, upn: string): void {
    this.users.get(this.entraIdOf(gongId)!)!.upn = upn;
  }

  /** An admin disabled (or enabled again) the user's account in Entra ID. */
  setAccountEnabled(gongId: string, enabled: boolean): void {
    this.users.get(this.entraIdOf(gongId)!)!.accountEnabled = enabled;
  }

  isDirect(gongId: string): boolean {
    const id = this.entraIdOf(gongId);
    return [...this.assignments.values()].some((a) => a.principalType === "User" && a.principalId === id);
  }

  setDirect(gongId: string, assigned: boolean): void {
    const id = this.entraIdOf(gongId)!;
    for (const a of [...this.assignments.values()])
      if (a.principalType === "User" && a.principalId === id) this.assignments.delete(a.id);
    if (assigned) this.assign(id, "User", this.users.get(id)!.name);
  }

  /** A group assigned to the Gong app, with these Gong users as direct members. */
  addGroup(name: string, gongIds: string[]): string {
    const id = guid("b", this.groups.size + 1);
    this.groups.set(id, { id, name, members: new Set(gongIds.map((g) => this.entraIdOf(g)!)) });
    this.assign(id, "Group", name);
    return id;
  }

  private ofUser(userId: string): Assignment[] {
    return [...this.assignments.values()].filter(
      (a) =>
        (a.principalType === "User" && a.principalId === userId) ||
        (a.principalType === "Group" && this.groups.get(a.principalId)?.members.has(userId)),
    );
  }

  protected authorized({ headers }: IdpCtx): boolean {
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
    if (!bearer) return false;
    if (bearer === this.token) return true; // the contract tests' fixed token
    return this.login.issued(bearer);
  }

  protected override open(endpoint: string): boolean {
    return isLoginEndpoint(endpoint);
  }

  protected unauthorized(): IdpReply {
    return graphError(401, "InvalidAuthenticationToken", "Access token validation failure.");
  }

  protected tooMany(): IdpReply {
    return {
      ...graphError(429, "TooManyRequests", "Too many requests"),
      headers: { "retry-after": String(this.retryAfterSeconds) },
    };
  }

  protected endpointOf(method: string, p: string[]): string {
    const login = loginEndpointOf(method, p);
    if (login) return login;
    const q = p.slice(1); // after v1.0
    if (q[0] === "users" && q.length === 1) return `${method} /users`;
    if (q[0] === "users" && q.length === 2) return `${method} /users/{id}`;
    if (q[0] === "users" && q[2] === "appRoleAssignments") return `${method} /users/{id}/appRoleAssignments`;
    if (q[0] === "servicePrincipals" && q[2] === "appRoleAssignedTo" && q.length === 4)
      return `${method} /servicePrincipals/{spId}/appRoleAssignedTo/{id}`;
    if (q[0] === "servicePrincipals" && q[2] === "appRoleAssignedTo")
      return `${method} /servicePrincipals/{spId}/appRoleAssignedTo`;
    if (q[0] === "servicePrincipals" && q[3] === "jobs" && q[5] === "schema")
      return `${method} /servicePrincipals/{spId}/synchronization/jobs/{jobId}/schema`;
    if (q[0] === "servicePrincipals" && q[3] === "jobs" && q[5] === "provisionOnDemand")
      return `${method} /servicePrincipals/{spId}/synchronization/jobs/{jobId}/provisionOnDemand`;
    if (q[0] === "servicePrincipals" && q[2] === "synchronization" && q[3] === "jobs")
      return `${method} /servicePrincipals/{spId}/synchronization/jobs`;
    if (q[0] === "servicePrincipals" && q[2] === "synchronization" && q[3] === "secrets")
      return `${method} /servicePrincipals/{spId}/synchronization/secrets`;
    return `${method} /${p.join("/")}`;
  }

  /**
   * GET /users?$filter=accountEnabled eq true|false, as Graph answers it: `$top` 1 to 999 (100 by
   * default; never more than usersPageSize a page), only the `$select`ed properties (and id), paged by
   * an opaque $skiptoken in an absolute @odata.nextLink.
   */
  private usersByEnabled(url: URL): IdpReply {
    const m = /^accountEnabled eq (true|false)$/.exec(url.searchParams.get("$filter") ?? "");
    if (!m) return graphError(400, "Request_UnsupportedQuery", "Unsupported query.");
    const top = Number(url.searchParams.get("$top") ?? 100);
    if (!Number.isInteger(top) || top < 1 || top > 999)
      return graphError(
        400,
        "Request_BadRequest",
        "Invalid page size specified: the $top value must be between 1 and 999.",
      );
    const known = ["id", "userPrincipalName", "mail", "displayName", "accountEnabled"];
    const select = (url.searchParams.get("$select") ?? "id,userPrincipalName,mail,displayName").split(",");
    const unknown = select.find((p) => !known.includes(p));
    if (unknown)
      return graphError(
        400,
        "Request_BadRequest",
        `Could not find a property named '${unknown}' on type 'microsoft.graph.user'.`,
      );
    const all = [...this.users.values()].filter((u) => u.accountEnabled === (m[1] === "true"));
    const skip = Number(url.searchParams.get("$skiptoken") ?? 0);
    const size = Math.min(top, this.usersPageSize);
    const value = all.slice(skip, skip + size).map((u) => {
      const full: Record<string, unknown> = {
        id: u.id,
        userPrincipalName: u.upn,
        mail: u.mail,
        displayName: u.name,
        accountEnabled: u.accountEnabled,
      };
      return Object.fromEntries(["id", ...select].map((k) => [k, full[k]]));
    });
    const body: Record<string, unknown> = { "@odata.context": `${this.graphUrl}/$metadata#users`, value };
    if (skip + size < all.length) {
      const next = new URL(`${this.url}${url.pathname}${url.search}`);
      next.searchParams.set("$skiptoken", String(skip + size));
      body["@odata.nextLink"] = next.toString();
    }
    return { status: 200, body };
  }

  private push(userId: string, active: boolean, delayMs = this.pushDelayMs): void {
    const gongId = this.users.get(userId)?.gongId;
    this.later(delayMs, () => {
      const still = this.ofUser(userId).length > 0;
      // Entra disables a user who lost their last assignment (scope: assigned only), and enables one back;
      // with "sync all users and groups" everyone stays in scope, so nobody is disabled.
      if (!active && (still || this.syncAll)) return;
      if (active && !still) return;
      const g = gongId ? this.org.user(gongId) : undefined;
      if (g && this.job === "Active") g.active = active;
    });
  }

  protected route(endpoint: string, ctx: IdpCtx): IdpReply | Promise<IdpReply> {
    if (isLoginEndpoint(endpoint)) return this.login.route(endpoint, ctx);
    const { parts, url, body } = ctx;
    const q = parts.slice(1);
    const notFound = (what: string) =>
      graphError(
        404,
        "Request_ResourceNotFound",
        `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`,
      );
    if (endpoint === "GET /users" && /^accountEnabled eq /.test(url.searchParams.get("$filter") ?? ""))
      return this.usersByEnabled(url);
    if (endpoint === "GET /users") {
      // Only the filter this adapter uses: mail eq '…' (a quote doubled inside).
      const m = /^mail eq '((?:[^']|'')*)'$/.exec(url.searchParams.get("$filter") ?? "");
      if (!m) return graphError(400, "Request_UnsupportedQuery", "Unsupported query.");
      const want = m[1]!.replace(/''/g, "'").toLowerCase();
      const value = [...this.users.values()]
        .filter((u) => u.mail.toLowerCase() === want)
        .map((u) => ({ id: u.id, userPrincipalName: u.upn, mail: u.mail }));
      return { status: 200, body: { "@odata.context": `${this.graphUrl}/$metadata#users`, value } };
    }
    if (endpoint === "GET /users/{id}") {
      const key = q[1]!.toLowerCase();
      const u = [...this.users.values()].find((x) => x.id === q[1] || x.upn.toLowerCase() === key);
      if (!u) return notFound(q[1]!);
      return {
        status: 200,
        body: {
          "@odata.context": `${this.graphUrl}/$metadata#users/$entity`,
          id: u.id,
          userPrincipalName: u.upn,
          displayName: u.name,
        },
      };
    }
    if (endpoint === "GET /users/{id}/appRoleAssignments") {
      const u = this.users.get(q[1]!);
      if (!u) return notFound(q[1]!);
      const filter = url.searchParams.get("$filter");
      const m = filter ? /^resourceId eq ([0-9a-f-]+)$/i.exec(filter) : null;
      if (filter && !m) return graphError(400, "Request_UnsupportedQuery", "Unsupported query.");
      // Filtering on resourceId is an advanced query: Graph answers it only with both of these.
      const counted = url.searchParams.get("$count") === "true";
      if (m && (ctx.headers.consistencylevel !== "eventual" || !counted))
        return graphError(
          400,
          "Request_UnsupportedQuery",
          "Unsupported Query. This query needs the ConsistencyLevel header set to 'eventual' and $count=true.",
        );
      const all = this.ofUser(u.id).filter((a) => !m || a.resourceId === m[1]!.toLowerCase());
      // Graph's paging: an opaque $skiptoken in an absolute @odata.nextLink (here the offset).
      const skip = Number(url.searchParams.get("$skiptoken") ?? 0);
      const value = all.slice(skip, skip + this.pageSize);
      const body: Record<string, unknown> = { "@odata.context": "sim", value };
      if (counted) body["@odata.count"] = all.length;
      if (skip + this.pageSize < all.length) {
        const next = new URL(`${this.url}${url.pathname}${url.search}`);
        next.searchParams.set("$skiptoken", String(skip + this.pageSize));
        body["@odata.nextLink"] = next.toString();
      }
      return { status: 200, body };
    }
    if (q[1]?.toLowerCase() !== this.spId) return notFound(q[1] ?? "");
    const denied = () =>
      graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    if (endpoint === "GET /servicePrincipals/{spId}/synchronization/jobs") {
      if (!this.readable.jobs) return denied();
      if (this.job === "none") return { status: 200, body: { value: [] } };
      return {
        status: 200,
        body: {
          value: [
            {
              id: JOB_ID,
              templateId: "gong",
              // Stopping provisioning in the portal pauses the job and disables its schedule.
              schedule: { interval: "PT40M", state: this.job === "Paused" ? "Disabled" : "Active" },
              status: {
                code: this.job,
                quarantine:
                  this.job === "Quarantine"
                    ? { reason: "EncounteredQuarantineException", currentBegan: new Date().toISOString() }
                    : null,
              },
              synchronizationJobSettings: [],
            },
          ],
        },
      };
    }
    if (endpoint === "GET /servicePrincipals/{spId}/synchronization/jobs/{jobId}/schema") {
      if (!this.readable.jobs) return denied();
      if (this.job === "none" || q[4] !== JOB_ID) return notFound(q[4] ?? "");
      return {
        status: 200,
        body: {
          id: JOB_ID,
          synchronizationRules: [
            {
              id: "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8",
              name: "USER_TO_USER",
              sourceDirectoryName: "Azure Active Directory",
              targetDirectoryName: "Gong",
            },
          ],
        },
      };
    }
    if (endpoint === "POST /servicePrincipals/{spId}/synchronization/jobs/{jobId}/provisionOnDemand") {
      if (!this.readable.provisionOnDemand) return denied();
      if (this.job === "none" || q[4] !== JOB_ID) return notFound(q[4] ?? "");
      const now = Date.now();
      while (this.onDemandAt.length && this.onDemandAt[0]! <= now - 10_000) this.onDemandAt.shift();
      if (this.onDemandAt.length >= 5) return this.tooMany();
      this.onDemandAt.push(now);
      const p = (body as { parameters?: { subjects?: { objectId?: string }[]; ruleId?: string }[] })
        ?.parameters?.[0];
      const userId = p?.subjects?.[0]?.objectId;
      if (!userId || !this.users.has(userId) || p?.ruleId !== "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8")
        return graphError(400, "Request_BadRequest", "Invalid subjects or ruleId.");
      // Provisioning this one user now: in scope → enabled, out of scope → disabled, as the cycle would.
      this.push(userId, this.ofUser(userId).length > 0, 0);
      return {
        status: 200,
        body: {
          "@odata.type": "#microsoft.graph.stringKeyStringValuePair",
          key: "Microsoft.Identity.Health.CPP.Common.DataContracts.SyncFabric.StatusInfo",
          value: "[]",
        },
      };
    }
    if (endpoint === "GET /servicePrincipals/{spId}/synchronization/secrets") {
      if (!this.readable.secrets) return denied();
      return {
        status: 200,
        body: {
          value: [
            { key: "BaseAddress", value: "https://app.gong.io/scim/v2" },
            { key: "SecretToken", value: "*****" },
            { key: "SyncNotificationSettings", value: '{"Enabled":false,"DeleteThresholdEnabled":false}' },
            { key: "SyncAll", value: String(this.syncAll) },
          ],
        },
      };
    }
    if (endpoint === "DELETE /servicePrincipals/{spId}/appRoleAssignedTo/{id}") {
      const a = this.assignments.get(q[3]!);
      if (!a) return notFound(q[3]!);
      this.assignments.delete(a.id);
      if (a.principalType === "User") this.push(a.principalId, false);
      return { status: 204 };
    }
    if (endpoint === "POST /servicePrincipals/{spId}/appRoleAssignedTo") {
      const b = body as { principalId?: string; resourceId?: string; appRoleId?: string } | undefined;
      const u = b?.principalId ? this.users.get(b.principalId) : undefined;
      if (!u || b?.resourceId?.toLowerCase() !== this.spId || !APP_ROLES.includes(b.appRoleId ?? ""))
        return graphError(400, "Request_BadRequest", "Invalid principalId, resourceId or appRoleId.");
      const same = [...this.assignments.values()].some(
        (x) => x.principalType === "User" && x.principalId === u.id && x.appRoleId === b.appRoleId,
      );
      if (same)
        return graphError(
          400,
          "Request_BadRequest",
          "Permission being assigned already exists on the object",
        );
      const a = this.assign(u.id, "User", u.name, b.appRoleId);
      this.push(u.id, true);
      return { status: 201, body: a };
    }
    return graphError(405, "Request_BadRequest", "Unsupported method or path.");
  }
}

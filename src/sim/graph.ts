import { constants, createPublicKey, type KeyObject, randomBytes, verify } from "node:crypto";
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { request } from "undici";
import { type IdpCtx, type IdpReply, IdpSimServer } from "./idpServer.js";
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
/** The sim's Entra login authority: https, as MSAL insists; `msalNetwork()` carries it to loopback. */
export const ENTRA_SIM_AUTHORITY_HOST = "https://login.gongops-sim.invalid";
export const ENTRA_SIM_TENANT_ID = "00000000-0000-4000-8000-00000000fa4e";
export const ENTRA_SIM_CLIENT_ID = "00000000-0000-4000-8000-00000000c11e";
export const ENTRA_SIM_CLIENT_SECRET = "sim-entra-client-secret";

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
  /** A certificate the app registration trusts (its public key and SHA-256 thumbprint, hex). */
  certificate?: { publicKey: string | KeyObject; thumbprintSha256: string };
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
    { id: string; gongId: string; upn: string; mail: string; name: string }
  >();
  private readonly groups = new Map<string, { id: string; name: string; members: Set<string> }>();
  private readonly assignments = new Map<string, Assignment>();
  private seq = 0;
  /** Access tokens the login authority issued, with their expiry (ms). */
  private readonly issued = new Map<string, number>();
  private readonly certificate: { publicKey: KeyObject; thumbprintSha256: string } | null;
  readonly tokenStats = { requests: 0, refused: 0 };

  private constructor(options: GraphSimOptions) {
    super();
    this.org = options.org;
    this.pushDelayMs = options.pushDelayMs ?? 50;
    this.job = options.job ?? "Active";
    this.syncAll = options.syncAll ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.pageSize = options.pageSize ?? 100;
    this.certificate = options.certificate
      ? {
          publicKey:
            typeof options.certificate.publicKey === "string"
              ? createPublicKey(options.certificate.publicKey)
              : options.certificate.publicKey,
          thumbprintSha256: options.certificate.thumbprintSha256.toLowerCase(),
        }
      : null;
    let n = 0;
    for (const u of this.org.users()) {
      const id = guid("a", ++n);
      const name = `${u.firstName} ${u.lastName}`;
      this.users.set(id, { id, gongId: u.id, upn: u.emailAddress, mail: u.emailAddress, name });
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
   * else), so gongops must also be given `msalNetwork()`, which carries MSAL's requests here.
   */
  env(): Record<string, string> {
    return {
      GONGOPS_DEACTIVATE_VIA: "entra",
      ENTRA_TENANT_ID: ENTRA_SIM_TENANT_ID,
      ENTRA_CLIENT_ID: ENTRA_SIM_CLIENT_ID,
      ENTRA_CLIENT_SECRET: ENTRA_SIM_CLIENT_SECRET,
      ENTRA_AUTHORITY_HOST: ENTRA_SIM_AUTHORITY_HOST,
      ENTRA_GONG_SP_ID: this.spId,
      ENTRA_GRAPH_URL: this.graphUrl,
    };
  }

  /**
   * MSAL's network module for the sim: every request MSAL makes (instance discovery, the tenant's
   * OpenID configuration, the token endpoint) goes to this server, path and query kept. Only the
   * transport is replaced; MSAL builds, signs and parses everything itself.
   */
  msalNetwork(): INetworkModule {
    const send = async <T>(method: "GET" | "POST", to: string, options?: NetworkRequestOptions) => {
      const u = new URL(to);
      const res = await request(`${this.url}${u.pathname}${u.search}`, {
        method,
        headers: options?.headers,
        body: options?.body,
      });
      const text = await res.body.text();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
      return {
        status: res.statusCode,
        headers,
        body: (text ? JSON.parse(text) : {}) as T,
      } as NetworkResponse<T>;
    };
    return {
      sendGetRequestAsync: (to, options) => send("GET", to, options),
      sendPostRequestAsync: (to, options) => send("POST", to, options),
    };
  }

  entraIdOf(gongId: string): string | undefined {
    for (const u of this.users.values()) if (u.gongId === gongId) return u.id;
    return undefined;
  }

  private assign(principalId: string, principalType: "User" | "Group", name: string): Assignment {
    const a: Assignment = {
      id: `asg${String(++this.seq).padStart(8, "0")}`,
      principalId,
      principalType,
      principalDisplayName: name,
      appRoleId: GRAPH_SIM_APP_ROLE_ID,
      resourceId: this.spId,
      createdDateTime: new Date().toISOString(),
    };
    this.assignments.set(a.id, a);
    return a;
  }

  /** A userPrincipalName that is not the Gong email (which stays the user's `mail`). */
  setUpn(gongId: string, upn: string): void {
    this.users.get(this.entraIdOf(gongId)!)!.upn = upn;
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
    const until = this.issued.get(bearer);
    return until !== undefined && until > Date.now();
  }

  protected override open(endpoint: string): boolean {
    return endpoint.startsWith("login ");
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
    if (p[0] === "common" && p[1] === "discovery" && p[2] === "instance") return "login GET discovery";
    if (p[1] === "v2.0" && p[2] === ".well-known" && p[3] === "openid-configuration")
      return "login GET openid-configuration";
    if (p[1] === "oauth2" && p[2] === "v2.0" && p[3] === "token") return `login ${method} token`;
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

  /** Instance discovery, the tenant's OpenID configuration and the token endpoint (client credentials). */
  private login(endpoint: string, { parts, body }: IdpCtx): IdpReply {
    const host = new URL(ENTRA_SIM_AUTHORITY_HOST).host;
    if (endpoint === "login GET discovery")
      return {
        status: 200,
        body: {
          tenant_discovery_endpoint: `https://${host}/${ENTRA_SIM_TENANT_ID}/v2.0/.well-known/openid-configuration`,
          "api-version": "1.1",
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        },
      };
    const tenant = parts[0]!;
    if (tenant !== ENTRA_SIM_TENANT_ID)
      return loginError(400, "invalid_request", 90002, `Tenant '${tenant}' not found.`);
    const base = `https://${host}/${tenant}`;
    if (endpoint === "login GET openid-configuration")
      return {
        status: 200,
        body: {
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          jwks_uri: `https://${host}/${tenant}/discovery/v2.0/keys`,
          issuer: `https://${host}/${tenant}/v2.0`,
          response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
          token_endpoint_auth_methods_supported: [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
          ],
        },
      };
    if (endpoint !== "login POST token") return loginError(405, "invalid_request", 900561, "POST only.");
    this.tokenStats.requests++;
    const f = (body ?? {}) as Record<string, string>;
    const refuse = (r: IdpReply) => {
      this.tokenStats.refused++;
      return r;
    };
    if (f.grant_type !== "client_credentials")
      return refuse(
        loginError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."),
      );
    if (f.client_id !== ENTRA_SIM_CLIENT_ID)
      return refuse(
        loginError(
          400,
          "unauthorized_client",
          700016,
          `Application with identifier '${f.client_id}' was not found in the directory.`,
        ),
      );
    if (!(f.scope ?? "").split(" ").includes("https://graph.microsoft.com/.default"))
      return refuse(loginError(400, "invalid_scope", 1002012, "The provided value for scope is not valid."));
    const tokenUrl = `${base}/oauth2/v2.0/token`;
    if (f.client_assertion !== undefined) {
      const why = this.badAssertion(f, tokenUrl);
      if (why) return refuse(loginError(401, "invalid_client", 700027, why));
    } else if (f.client_secret !== ENTRA_SIM_CLIENT_SECRET)
      return refuse(loginError(401, "invalid_client", 7000215, "Invalid client secret provided."));
    const token = b64url(randomBytes(24));
    this.issued.set(token, Date.now() + 3599_000);
    return {
      status: 200,
      body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token },
    };
  }

  /** Why a certificate's client assertion is refused (null: good): header, signature and claims. */
  private badAssertion(f: Record<string, string>, tokenUrl: string): string | null {
    if (!this.certificate)
      return "Client assertion contains an invalid signature (no certificate is registered).";
    if (f.client_assertion_type !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
      return "Invalid client_assertion_type.";
    const [h, p, sig] = f.client_assertion!.split(".");
    if (!h || !p || !sig) return "The client assertion is not a JWT.";
    const header = JSON.parse(Buffer.from(h, "base64url").toString()) as Record<string, string>;
    const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, string | number>;
    const thumb = Buffer.from(this.certificate.thumbprintSha256, "hex").toString("base64url");
    if (header["x5t#S256"] !== thumb)
      return "Client assertion failed: the certificate thumbprint is not registered.";
    const ok =
      header.alg === "PS256"
        ? verify(
            "sha256",
            Buffer.from(`${h}.${p}`),
            {
              key: this.certificate.publicKey,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
            },
            Buffer.from(sig, "base64url"),
          )
        : header.alg === "RS256" &&
          verify(
            "sha256",
            Buffer.from(`${h}.${p}`),
            this.certificate.publicKey,
            Buffer.from(sig, "base64url"),
          );
    if (!ok) return "Client assertion failed signature validation.";
    if (claims.aud !== tokenUrl) return `The audience '${claims.aud}' is not the token endpoint.`;
    if (claims.iss !== ENTRA_SIM_CLIENT_ID || claims.sub !== ENTRA_SIM_CLIENT_ID)
      return "The client assertion's issuer and subject must be the client id.";
    if (typeof claims.exp !== "number" || claims.exp * 1000 < Date.now())
      return "The client assertion has expired.";
    return null;
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

  protected route(endpoint: string, ctx: IdpCtx): IdpReply {
    if (endpoint.startsWith("login ")) return this.login(endpoint, ctx);
    const { parts, url, body } = ctx;
    const q = parts.slice(1);
    const notFound = (what: string) =>
      graphError(
        404,
        "Request_ResourceNotFound",
        `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`,
      );
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
      const all = this.ofUser(u.id).filter((a) => !m || a.resourceId === m[1]);
      // Graph's paging: an opaque $skiptoken in an absolute @odata.nextLink (here the offset).
      const skip = Number(url.searchParams.get("$skiptoken") ?? 0);
      const value = all.slice(skip, skip + this.pageSize);
      const body: Record<string, unknown> = { "@odata.context": "sim", value };
      if (skip + this.pageSize < all.length) {
        const next = new URL(`${this.url}${url.pathname}${url.search}`);
        next.searchParams.set("$skiptoken", String(skip + this.pageSize));
        body["@odata.nextLink"] = next.toString();
      }
      return { status: 200, body };
    }
    if (q[1] !== this.spId) return notFound(q[1] ?? "");
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
      if (!u || b?.resourceId !== this.spId || b.appRoleId !== GRAPH_SIM_APP_ROLE_ID)
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
      const a = this.assign(u.id, "User", u.name);
      this.push(u.id, true);
      return { status: 201, body: a };
    }
    return graphError(405, "Request_BadRequest", "Unsupported method or path.");
  }
}

/** The sim's Entra login authority: what MSAL's client-credentials flow reads and posts. */
function loginError(status: number, error: string, code: number, description: string): IdpReply {
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: sim Correlation ID: sim Timestamp: ${new Date().toISOString()}`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: "sim",
      correlation_id: "sim",
    },
  };
}

const b64url = (b: Buffer) => b.toString("base64url");

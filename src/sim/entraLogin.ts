import { createPublicKey, type KeyObject, randomBytes } from "node:crypto";
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from "jose";
import { request } from "undici";
import type { IdpCtx, IdpReply } from "./idpServer.js";

/**
 * The simulator's Entra ID login authority, served beside its Graph face: what MSAL's client-credentials
 * flow reads and posts (instance discovery, the tenant's OpenID configuration, the v2.0 token endpoint),
 * with Entra's error shapes (`AADSTS…` codes). A client secret or a certificate's signed assertion
 * (PS256 with `x5t#S256`, as MSAL sends it) is checked, with `jose` (never gongops' own code); the tokens
 * it issues are what the Graph face accepts, for the scope of that Graph (`{graph origin}/.default`).
 */

/**
 * The sim's Entra login authority when it is served over plain http in-process: https by name, as MSAL
 * insists, and `msalNetwork()` carries it to loopback. Served over https, it is its own URL.
 */
export const ENTRA_SIM_AUTHORITY_HOST = "https://login.gongops-sim.invalid";
export const ENTRA_SIM_TENANT_ID = "00000000-0000-4000-8000-00000000fa4e";
export const ENTRA_SIM_CLIENT_ID = "00000000-0000-4000-8000-00000000c11e";
export const ENTRA_SIM_CLIENT_SECRET = "sim-entra-client-secret";

export interface SimCertificate {
  publicKey: string | KeyObject;
  /** The certificate's SHA-256 thumbprint, hex. */
  thumbprintSha256: string;
}

/** The endpoint names the login authority answers ("login …"), or null for a Graph path. */
export function loginEndpointOf(method: string, p: string[]): string | null {
  if (p[0] === "common" && p[1] === "discovery" && p[2] === "instance") return "login GET discovery";
  if (p[1] === "v2.0" && p[2] === ".well-known" && p[3] === "openid-configuration")
    return "login GET openid-configuration";
  if (p[1] === "oauth2" && p[2] === "v2.0" && p[3] === "token") return `login ${method} token`;
  return null;
}

export const isLoginEndpoint = (endpoint: string) => endpoint.startsWith("login ");

export interface EntraLoginPlace {
  /** Where the server is (what msalNetwork() forwards to). */
  url: () => string;
  /** The https origin the authority presents itself at (its metadata names it). */
  authority: () => string;
  /** The Graph the tokens are for: a token request must ask for `{graph}/.default`. */
  graph: () => string;
}

export class EntraLoginSim {
  /** Token requests, and those refused. */
  readonly stats = { requests: 0, refused: 0 };
  /** The scope of every token request, in order. */
  readonly scopes: string[] = [];
  /** Access tokens issued, with their expiry (ms). */
  private readonly tokens = new Map<string, number>();
  private readonly certificate: { publicKey: KeyObject; thumbprintSha256: string } | null;

  constructor(
    private readonly place: EntraLoginPlace,
    certificate?: SimCertificate,
  ) {
    this.certificate = certificate
      ? {
          publicKey:
            typeof certificate.publicKey === "string"
              ? createPublicKey(certificate.publicKey)
              : certificate.publicKey,
          thumbprintSha256: certificate.thumbprintSha256.toLowerCase(),
        }
      : null;
  }

  /** Whether the login authority issued this access token and it has not expired. */
  issued(token: string): boolean {
    const until = this.tokens.get(token);
    return until !== undefined && until > Date.now();
  }

  /**
   * MSAL's network module for the sim: every request MSAL makes (instance discovery, the tenant's
   * OpenID configuration, the token endpoint) goes to this server, path and query kept. Only the
   * transport is replaced; MSAL builds, signs and parses everything itself.
   */
  msalNetwork(): INetworkModule {
    const send = async <T>(method: "GET" | "POST", to: string, options?: NetworkRequestOptions) => {
      const u = new URL(to);
      const res = await request(`${this.place.url()}${u.pathname}${u.search}`, {
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

  /** Instance discovery, the tenant's OpenID configuration and the token endpoint (client credentials). */
  async route(endpoint: string, { parts, body }: IdpCtx): Promise<IdpReply> {
    const host = new URL(this.place.authority()).host;
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
    this.stats.requests++;
    const f = (body ?? {}) as Record<string, string>;
    const refuse = (r: IdpReply) => {
      this.stats.refused++;
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
    this.scopes.push(f.scope ?? "");
    // A token is for one resource: this Graph's (a national cloud's Graph is another resource).
    if (!(f.scope ?? "").split(" ").includes(`${new URL(this.place.graph()).origin}/.default`))
      return refuse(
        loginError(
          400,
          "invalid_resource",
          500011,
          `The resource principal named ${f.scope} was not found in the tenant.`,
        ),
      );
    const tokenUrl = `${base}/oauth2/v2.0/token`;
    if (f.client_assertion !== undefined) {
      const why = await this.badAssertion(f, tokenUrl);
      if (why) return refuse(loginError(401, "invalid_client", 700027, why));
    } else if (f.client_secret !== ENTRA_SIM_CLIENT_SECRET)
      return refuse(loginError(401, "invalid_client", 7000215, "Invalid client secret provided."));
    const token = b64url(randomBytes(24));
    this.tokens.set(token, Date.now() + 3599_000);
    return {
      status: 200,
      body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token },
    };
  }

  /** Why a certificate's client assertion is refused (null: good): header, signature and claims. */
  private async badAssertion(f: Record<string, string>, tokenUrl: string): Promise<string | null> {
    if (!this.certificate)
      return "Client assertion contains an invalid signature (no certificate is registered).";
    if (f.client_assertion_type !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
      return "Invalid client_assertion_type.";
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(f.client_assertion!);
    } catch {
      return "The client assertion is not a JWT.";
    }
    const thumb = Buffer.from(this.certificate.thumbprintSha256, "hex").toString("base64url");
    if (header["x5t#S256"] !== thumb)
      return "Client assertion failed: the certificate thumbprint is not registered.";
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(f.client_assertion!, this.certificate.publicKey, {
        algorithms: ["PS256", "RS256"],
        // Entra allows five minutes of clock skew; MSAL rounds its nbf to the nearest second, so without a
        // tolerance half of all assertions would be "not yet valid" here.
        clockTolerance: "5 minutes",
      }));
    } catch (error) {
      return error instanceof errors.JWTExpired
        ? "The client assertion has expired."
        : "Client assertion failed signature validation.";
    }
    if (claims.aud !== tokenUrl) return `The audience '${claims.aud}' is not the token endpoint.`;
    if (claims.iss !== ENTRA_SIM_CLIENT_ID || claims.sub !== ENTRA_SIM_CLIENT_ID)
      return "The client assertion's issuer and subject must be the client id.";
    if (typeof claims.exp !== "number") return "The client assertion has expired.";
    return null;
  }
}

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

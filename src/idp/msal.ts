import type { Secret } from "../secret.js";
import { IdpError } from "./http.js";

/**
 * Entra ID's sign-in for the Graph adapter: client credentials through MSAL, with a secret or a
 * certificate. MSAL talks only to an https authority. ENTRA_AUTHORITY_HOST is trusted as configured
 * (`knownAuthorities`): MSAL then reads the tenant's OpenID configuration from that host itself and never
 * asks Microsoft's instance discovery (login.microsoftonline.com/common/discovery/instance) about it, so
 * a host outside MSAL's built-in clouds (a proxy, a private test double) signs in. The simulator's login
 * authority is reached that way over https, or, in-process, through an injected MSAL network module
 * (GraphSim.msalNetwork); either way tests and the demo run MSAL itself, not a stand-in.
 */

export interface TokenProvider {
  token(): Promise<string>;
}

/**
 * The token's scope: the `.default` of the Graph that ENTRA_GRAPH_URL names. A national cloud's Graph
 * (https://graph.microsoft.us, https://microsoftgraph.chinacloudapi.cn) accepts only tokens for itself.
 */
export function graphScope(graphUrl: string): string {
  return `${new URL(graphUrl).origin}/.default`;
}

/** Where a refused token request is reported (the trail's and the logs' endpoint). */
export const TOKEN_ENDPOINT = "POST /{tenant}/oauth2/v2.0/token";

/**
 * Client credentials through MSAL (its own cache renews the token before it expires). MSAL is loaded
 * on first use: only Entra mode needs it, and every gongops process would pay its start-up otherwise.
 * A refusal from the login authority becomes an IdpError with Entra's error code and first sentence
 * (never the secret or the assertion), so the request fails in plain words instead of retrying.
 */
export function msalTokenProvider(
  settings: {
    tenantId: string;
    clientId: string;
    clientSecret: Secret | null;
    certificate: { privateKey: Secret; thumbprintSha256: string } | null;
    authorityHost: string;
    graphUrl: string;
  },
  network?: import("@azure/msal-node").INetworkModule,
): TokenProvider {
  const app = import("@azure/msal-node").then(
    ({ ConfidentialClientApplication }) =>
      new ConfidentialClientApplication({
        auth: {
          clientId: settings.clientId,
          authority: `${settings.authorityHost}/${encodeURIComponent(settings.tenantId)}`,
          // Trusted as configured: no instance discovery at Microsoft for this host (see above).
          knownAuthorities: [new URL(settings.authorityHost).host],
          ...(settings.certificate
            ? {
                clientCertificate: {
                  thumbprintSha256: settings.certificate.thumbprintSha256,
                  privateKey: settings.certificate.privateKey.reveal(),
                },
              }
            : { clientSecret: settings.clientSecret?.reveal() }),
        },
        ...(network ? { system: { networkClient: network } } : {}),
      }),
  );
  const scopes = [graphScope(settings.graphUrl)];
  return {
    async token() {
      let result: Awaited<ReturnType<Awaited<typeof app>["acquireTokenByClientCredential"]>>;
      try {
        result = await (await app).acquireTokenByClientCredential({ scopes });
      } catch (error) {
        throw tokenRefusal(error) ?? error;
      }
      if (!result?.accessToken) throw new Error("Entra ID returned no access token");
      return result.accessToken;
    },
  };
}

/** MSAL's error for a refused token request, as an IdpError (null: not a refusal, e.g. the network). */
function tokenRefusal(error: unknown): IdpError | null {
  const e = error as { name?: string; errorCode?: string; errorMessage?: string; status?: number };
  if (e?.name !== "ServerError" || !e.errorCode) return null;
  const aadsts = /AADSTS\d+:[^.]*\./.exec(e.errorMessage ?? "")?.[0];
  return new IdpError(
    {
      vendor: "Entra ID",
      method: "POST",
      endpoint: TOKEN_ENDPOINT,
      status: e.status ?? 400,
      vendorCode: e.errorCode,
      summary: aadsts,
    },
    "get a Microsoft Graph token",
  );
}

import * as z from "zod";
import type { IdpAccount } from "../leavers/match.js";
import { everyPage } from "./answers.js";
import { graphPages } from "./graphSchemas.js";
import { type IdpRequest, type IdpResponse, nextLink } from "./http.js";

/**
 * The IdP's side of leavers (leavers/ IdpLeaverSource, with GONGOPS_DEACTIVATE_VIA=okta|entra): every
 * account the IdP has closed, in one paged listing over the adapter's own wire (its limiter, retries and
 * rate-limit holds), so that a Gong user whose account is gone there counts as a leaver.
 *
 * - Okta: GET /api/v1/users?search=status eq "SUSPENDED" or status eq "DEPROVISIONED", `limit` 200 (the
 *   most a search returns), each next page from the Link rel="next" (an `after` cursor). A search is the
 *   only listing that returns DEPROVISIONED users. `statusChanged` says since when.
 * - Microsoft Graph: GET /users?$filter=accountEnabled eq false, $select the addresses, $top 999 (the most
 *   Graph pages users by), each next page from @odata.nextLink. Graph keeps no date of the change.
 *
 * Needs okta.users.read (Okta) and User.Read.All (Graph): what finding a user for a request needs already.
 */

type Send = (req: IdpRequest) => Promise<IdpResponse>;

/** What a leaver listing reads from an Okta user; `statusChanged` is null until a status ever changed. */
const oktaListedUserSchema = z.object({
  id: z.string(),
  status: z.string(),
  statusChanged: z.string().nullable().optional(),
  profile: z.object({ login: z.string(), email: z.string().nullable().optional() }).loose(),
});

/** Okta's statuses for an account its owner can no longer use. */
export const OKTA_LEFT_STATUSES = ["SUSPENDED", "DEPROVISIONED"] as const;

const OKTA_SEARCH = "GET /api/v1/users?search";

export async function oktaDisabledUsers(send: Send): Promise<IdpAccount[]> {
  const first: IdpRequest = {
    method: "GET",
    path: "/api/v1/users",
    query: {
      search: OKTA_LEFT_STATUSES.map((s) => `status eq "${s}"`).join(" or "),
      limit: "200",
    },
    endpoint: OKTA_SEARCH,
  };
  const out: IdpAccount[] = [];
  const pages = everyPage(
    await send(first),
    (next) => send({ method: "GET", path: next, endpoint: OKTA_SEARCH }),
    { items: (res) => res.body, next: (res) => nextLink(res.headers) },
    oktaListedUserSchema,
    "suspended and deprovisioned users",
  );
  for await (const u of pages) {
    // The search says what it found; a status it was not asked for is not a departure.
    if (!(OKTA_LEFT_STATUSES as readonly string[]).includes(u.status)) continue;
    out.push({
      source: "okta",
      emails: addresses([u.profile.login, u.profile.email]),
      status: u.status,
      since: isoOrNull(u.statusChanged),
    });
  }
  return out;
}

const graphListedUserSchema = z
  .object({
    id: z.string(),
    userPrincipalName: z.string(),
    mail: z.string().nullable().optional(),
    accountEnabled: z.boolean().nullable().optional(),
  })
  .loose();

const GRAPH_DISABLED = "GET /users?$filter=accountEnabled";

export async function entraDisabledUsers(send: Send): Promise<IdpAccount[]> {
  const first: IdpRequest = {
    method: "GET",
    path: "/users",
    query: {
      $filter: "accountEnabled eq false",
      $select: "id,userPrincipalName,mail,accountEnabled",
      $top: "999",
    },
    endpoint: GRAPH_DISABLED,
  };
  const out: IdpAccount[] = [];
  const pages = everyPage(
    await send(first),
    (next) => send({ method: "GET", path: next, endpoint: GRAPH_DISABLED }),
    graphPages,
    graphListedUserSchema,
    "the disabled users",
  );
  for await (const u of pages) {
    if (u.accountEnabled !== false) continue;
    out.push({
      source: "entra",
      emails: addresses([u.userPrincipalName, u.mail]),
      status: "disabled",
      since: null,
    });
  }
  return out;
}

function addresses(values: readonly (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => Boolean(v)).map((v) => v.trim().toLowerCase()))];
}

function isoOrNull(value: string | null | undefined): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

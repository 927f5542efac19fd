import type { SimUser } from "./org.js";

/** The SCIM side of the simulator: Gong users as SCIM 2.0 User resources (RFC 7643). */

export function scimUserResource(u: SimUser, scimId: string): Record<string, unknown> {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    id: scimId,
    userName: u.emailAddress,
    name: { givenName: u.firstName, familyName: u.lastName },
    emails: [{ value: u.emailAddress, primary: true }],
    title: u.title ?? undefined,
    active: u.active,
    meta: { resourceType: "User" },
  };
}

/**
 * Parses the one filter form gongops needs, `userName eq "<value>"`, with RFC 7644 string escapes.
 * userName is case-insensitive (RFC 7643 §4.1.1, caseExact false). Returns null for anything else so
 * the server can answer 400 invalidFilter.
 */
export function scimFilterMatches(filter: string): ((u: SimUser) => boolean) | null {
  const m = /^\s*userName\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!m) return null;
  let value: string;
  try {
    value = JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return null;
  }
  const wanted = value.toLowerCase();
  return (u) => u.emailAddress.toLowerCase() === wanted;
}

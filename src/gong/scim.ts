import type { CallOptions } from "./client.js";
import { ScimError } from "./errors.js";
import type { GongHttp, HttpResponse } from "./http.js";
import {
  describeZodError,
  type ScimUser,
  scimErrorSchema,
  scimListSchema,
  scimUserSchema,
} from "./schemas.js";

/**
 * Gong's SCIM 2.0 endpoint (GONG_SCIM_BASE_URL, Bearer GONG_SCIM_TOKEN). The REST API has no user writes,
 * so deactivation goes through here. The SCIM id need not equal the REST id: a user is found by
 * `userName eq "<email>"`, and the answer is checked again on our side, because deactivating the wrong
 * person is the one mistake this product must never make.
 */

const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/** RFC 7644 §3.4.2.2: string values are JSON strings, so `"` and `\` are escaped. */
export function scimEmailFilter(email: string): string {
  return `userName eq "${email.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function scimFailure(res: HttpResponse, what: string): ScimError {
  const body = scimErrorSchema.safeParse(res.body);
  const scimType = body.success ? body.data.scimType : undefined;
  const detail = body.success ? body.data.detail : undefined;
  const message =
    res.status === 401 || res.status === 403
      ? "Gong SCIM rejected the token (GONG_SCIM_TOKEN)"
      : `Gong SCIM refused ${what}`;
  return new ScimError({ ...res.details, scimType, detail }, message);
}

function parseUser(res: HttpResponse): ScimUser {
  const parsed = scimUserSchema.safeParse(res.body);
  if (!parsed.success) {
    throw new ScimError(
      { ...res.details, detail: describeZodError(parsed.error) },
      "Gong SCIM sent an invalid user",
    );
  }
  return parsed.data;
}

function scimUserEmails(user: ScimUser): string[] {
  return [user.userName, ...(user.emails ?? []).map((e) => e.value)].map((e) => e.toLowerCase());
}

export class GongScimClient {
  constructor(private readonly http: GongHttp) {}

  /** The SCIM user whose userName (or an email) is `email`; null when there is none. */
  async findUserByEmail(email: string, opts: CallOptions = {}): Promise<ScimUser | null> {
    const res = await this.http.send({
      method: "GET",
      path: "/Users",
      query: { filter: scimEmailFilter(email) },
      endpoint: "GET /Users?filter",
      ...opts,
    });
    if (res.status !== 200) throw scimFailure(res, "the user search");
    const list = scimListSchema.safeParse(res.body);
    if (!list.success) {
      throw new ScimError(
        { ...res.details, detail: describeZodError(list.error) },
        "Gong SCIM sent an invalid list",
      );
    }
    // Never trust the server-side filter alone: a server that ignored it would hand us everyone.
    const wanted = email.toLowerCase();
    const matches = (list.data.Resources ?? []).filter((u) => scimUserEmails(u).includes(wanted));
    if (matches.length > 1) {
      throw new ScimError(
        { ...res.details, detail: `${matches.length} SCIM users match ${email}` },
        "Gong SCIM has more than one user for this email; refusing to guess",
      );
    }
    return matches[0] ?? null;
  }

  async getUser(id: string, opts: CallOptions = {}): Promise<ScimUser | null> {
    const res = await this.http.send({
      method: "GET",
      path: `/Users/${encodeURIComponent(id)}`,
      endpoint: "GET /Users/{id}",
      ...opts,
    });
    if (res.status === 404) return null;
    if (res.status !== 200) throw scimFailure(res, "the user lookup");
    return parseUser(res);
  }

  /**
   * One read that needs the token and the URL, and changes nothing: `GET /Users?count=1` (a way-out
   * check with nobody named, `gongops doctor`). Throws what a real call would.
   */
  async probe(opts: CallOptions = {}): Promise<void> {
    const res = await this.http.send({
      method: "GET",
      path: "/Users",
      query: { count: "1" },
      endpoint: "GET /Users?count",
      ...opts,
    });
    if (res.status !== 200) throw scimFailure(res, "a one-user read");
    if (!scimListSchema.safeParse(res.body).success)
      throw new ScimError({ ...res.details, detail: "not a SCIM list" }, "Gong SCIM sent an invalid list");
  }

  /** PATCH `active` (a PatchOp replace). Returns the user as Gong reports it afterwards. */
  async setActive(id: string, active: boolean, opts: CallOptions = {}): Promise<ScimUser> {
    const res = await this.http.send({
      method: "PATCH",
      path: `/Users/${encodeURIComponent(id)}`,
      body: { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: active }] },
      endpoint: "PATCH /Users/{id}",
      ...opts,
    });
    if (res.status !== 200 && res.status !== 204) throw scimFailure(res, `setting active=${active}`);
    const user = res.status === 200 && res.body !== undefined ? parseUser(res) : await this.getUser(id, opts);
    if (!user) throw new ScimError({ ...res.details, detail: "the user vanished after the PATCH" });
    if (user.active !== undefined && user.active !== active) {
      throw new ScimError(
        { ...res.details, detail: `the user is still active=${user.active}` },
        "Gong SCIM accepted the change but did not apply it",
      );
    }
    return user;
  }
}

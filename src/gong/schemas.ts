import { z } from "zod";

/**
 * What Gong's responses must look like (gong-api-facts.md). Objects are loose: unknown fields pass
 * through untouched (the raw record is kept), and any field the contract calls optional may be missing.
 * Only what the product cannot work without is required.
 */

/** Gong ids: numeric strings of up to 20 digits. A bare JSON number (parsed losslessly) becomes the string. */
export const gongId = z
  .union([
    z.string().regex(/^\d{1,20}$/, "expected a numeric id of up to 20 digits"),
    z.number().int().min(0),
  ])
  .transform((v) => String(v));

/** managerId and friends: empty string and "0" mean "none" in the wild. */
const optionalGongId = z
  .union([gongId, z.literal(""), z.null()])
  .optional()
  .transform((v) => (v === "" || v === "0" || v == null ? null : v));

const optString = z.string().nullish();

export const gongUserSchema = z.looseObject({
  id: gongId,
  emailAddress: optString,
  created: optString,
  active: z.boolean().nullish(),
  emailAliases: z.array(z.string()).nullish(),
  trustedEmailAddress: optString,
  firstName: optString,
  lastName: optString,
  title: optString,
  phoneNumber: optString,
  extension: optString,
  personalMeetingUrls: z.array(z.string()).nullish(),
  settings: z.looseObject({}).nullish(),
  managerId: optionalGongId,
  meetingConsentPageUrl: optString,
  spokenLanguages: z.array(z.unknown()).nullish(),
});
export type GongUser = z.output<typeof gongUserSchema>;

export const recordsSchema = z.looseObject({
  totalRecords: z.number().int().min(0),
  currentPageSize: z.number().int().min(0),
  currentPageNumber: z.number().int().min(0).optional(),
  cursor: z.string().nullish(),
});
export type Records = z.output<typeof recordsSchema>;

export const usersPageSchema = z.looseObject({
  requestId: z.string().optional(),
  records: recordsSchema,
  users: z.array(gongUserSchema),
});

/** The seed's example of /v2/users/extensive has no `records`; treat a missing one as a single page. */
export const usersExtensivePageSchema = z.looseObject({
  requestId: z.string().optional(),
  records: recordsSchema.optional(),
  users: z.array(gongUserSchema),
});

export const singleUserSchema = z.looseObject({
  requestId: z.string().optional(),
  user: gongUserSchema,
});

export const gongCallSchema = z.looseObject({
  id: gongId,
  primaryUserId: optionalGongId,
  started: optString,
  scheduled: optString,
  title: optString,
  duration: z.number().nullish(),
  workspaceId: z.union([gongId, z.null()]).optional(),
});
export type GongCall = z.output<typeof gongCallSchema>;

export const callsPageSchema = z.looseObject({
  requestId: z.string().optional(),
  records: recordsSchema,
  calls: z.array(gongCallSchema),
});

/** POST /v2/calls/extensive nests the call fields under `metaData`. */
export const callsExtensivePageSchema = z.looseObject({
  requestId: z.string().optional(),
  records: recordsSchema,
  calls: z.array(z.looseObject({ metaData: gongCallSchema })),
});

// SCIM 2.0 (RFC 7643/7644), the parts gongops uses.
export const scimUserSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  userName: z.string(),
  active: z.boolean().optional(),
  externalId: z.string().optional(),
  name: z.looseObject({ givenName: z.string().optional(), familyName: z.string().optional() }).optional(),
  emails: z.array(z.looseObject({ value: z.string(), primary: z.boolean().optional() })).optional(),
});
export type ScimUser = z.output<typeof scimUserSchema>;

export const scimListSchema = z.looseObject({
  totalResults: z.number().int().min(0),
  Resources: z.array(scimUserSchema).optional(),
});

export const scimErrorSchema = z.looseObject({
  status: z.union([z.string(), z.number()]).optional(),
  scimType: z.string().optional(),
  detail: z.string().optional(),
});

/** "users[3].id: Invalid input: expected string, received undefined; …" */
export function describeZodError(error: z.ZodError, max = 3): string {
  const parts = error.issues.slice(0, max).map((issue) => {
    let path = "";
    for (const seg of issue.path)
      path += typeof seg === "number" ? `[${seg}]` : path ? `.${String(seg)}` : String(seg);
    return `${path || "(body)"}: ${issue.message}`;
  });
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : "";
  return parts.join("; ") + more;
}

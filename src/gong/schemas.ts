import * as z from "zod";

/**
 * What Gong's responses must look like (Gong's API contract). Objects are loose: unknown fields pass
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

/**
 * The per-user counts of POST /v2/stats/activity/aggregate. Any count may be missing (Gong leaves some
 * out): a missing count is "not said", never zero, and `hasActivity` treats it so.
 */
export const ACTIVITY_COUNTS = [
  "callsAsHost",
  "callsAttended",
  "callsGaveFeedback",
  "callsRequestedFeedback",
  "callsReceivedFeedback",
  "ownCallsListenedTo",
  "othersCallsListenedTo",
  "callsSharedInternally",
  "callsSharedExternally",
  "callsScorecardsFilled",
  "callsScorecardsReceived",
  "callsCommentsGiven",
  "callsCommentsReceived",
  "callsMarkedAsFeedbackGiven",
  "callsMarkedAsFeedbackReceived",
] as const;
export type ActivityCount = (typeof ACTIVITY_COUNTS)[number];
/** Only the counts Gong sent; a key that is absent was not said. */
export type ActivityCounts = Partial<Record<ActivityCount, number>>;

const count = z.number().int().min(0).nullish();

export const userActivitySchema = z.looseObject({
  userId: gongId,
  userEmailAddress: optString,
  userAggregateActivityStats: z
    .looseObject(
      Object.fromEntries(ACTIVITY_COUNTS.map((k) => [k, count])) as Record<ActivityCount, typeof count>,
    )
    .nullish(),
});
export type UserActivityRecord = z.output<typeof userActivitySchema>;

export const activityPageSchema = z.looseObject({
  requestId: z.string().optional(),
  records: recordsSchema,
  timeZone: optString,
  fromDateTime: optString,
  toDateTime: optString,
  usersAggregateActivityStats: z.array(userActivitySchema),
});

/** The counts of one record, without the ones Gong left out. */
export function activityCounts(record: UserActivityRecord): ActivityCounts {
  const out: ActivityCounts = {};
  const stats = record.userAggregateActivityStats ?? {};
  for (const k of ACTIVITY_COUNTS) {
    const v = stats[k];
    if (typeof v === "number") out[k] = v;
  }
  return out;
}

/**
 * Did Gong see this user do anything? Yes when any count is above zero, and also when some count is
 * missing and none is positive: Gong lists only users with activity, so a record that does not say
 * what it was is still activity. Only a record whose every count is present and zero says "nothing".
 */
export function hasActivity(counts: ActivityCounts): boolean {
  let known = 0;
  for (const k of ACTIVITY_COUNTS) {
    const v = counts[k];
    if (v === undefined) continue;
    if (v > 0) return true;
    known++;
  }
  return known < ACTIVITY_COUNTS.length;
}

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

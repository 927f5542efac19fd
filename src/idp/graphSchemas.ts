import { z } from "zod";
import type { IdpResponse } from "./http.js";

/** The shapes of Microsoft Graph v1.0 answers that the Entra adapter reads (learn.microsoft.com/graph/api). */

export const graphUserSchema = z.object({ id: z.string(), userPrincipalName: z.string() }).loose();
export const graphAssignmentSchema = z
  .object({
    id: z.string(),
    appRoleId: z.string(),
    principalId: z.string(),
    principalType: z.enum(["User", "Group", "ServicePrincipal"]),
    principalDisplayName: z.string().nullable().optional(),
    resourceId: z.string(),
  })
  .loose();
export const graphListSchema = <T extends z.ZodType>(item: T) =>
  z.object({ value: z.array(item), "@odata.nextLink": z.string().optional() }).loose();
export const graphJobSchema = z
  .object({
    id: z.string(),
    templateId: z.string().optional(),
    status: z
      .object({
        code: z.enum(["NotConfigured", "NotRun", "Active", "Paused", "Quarantine"]),
        quarantine: z.object({ reason: z.string().optional() }).loose().nullable().optional(),
      })
      .loose(),
    schedule: z.object({ state: z.string().optional() }).loose().nullable().optional(),
  })
  .loose();
/** The synchronization secrets list; only SyncAll is read from it. */
export const graphSecretsSchema = z.object({
  value: z.array(z.object({ key: z.string(), value: z.string().nullable().optional() }).loose()),
});
export const graphErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }).loose(),
});

export const graphSchemaRulesSchema = z
  .object({
    synchronizationRules: z.array(
      z.object({ id: z.string(), sourceDirectoryName: z.string().nullable().optional() }).loose(),
    ),
  })
  .loose();

/** Where Graph's lists keep their items and their next page (@odata.nextLink, on the Graph origin only). */
export const graphPages = {
  items: (res: IdpResponse) => (res.body as { value?: unknown } | undefined)?.value,
  next: (res: IdpResponse) => {
    const next = (res.body as Record<string, unknown> | undefined)?.["@odata.nextLink"];
    return typeof next === "string" ? next : null;
  },
};

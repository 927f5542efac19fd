import Bottleneck from "bottleneck";
import type { IdpUser } from "../approvals/deprovision.js";
import { graphSchemaRulesSchema } from "./graphSchemas.js";
import { type IdpRequest, type IdpResponse, pathSegment } from "./http.js";

/**
 * ENTRA_PROVISION_ON_DEMAND: ask the Gong app's provisioning job to process one user now (Graph's
 * provisionOnDemand, with the job's user rule) instead of in its ~40-minute cycle. Only a nudge: a
 * refusal or an error is said for the trail, and the request keeps waiting for the cycle. One per
 * adapter, shared by every call's view of it: the job the preflight found, its rule once read, and
 * Graph's budget of 5 calls per 10 seconds per tenant.
 */
export class ProvisioningNudge {
  /** The provisioning job the preflight found running, and its user rule once read. */
  private job: { id: string; ruleId?: string } | null = null;
  private readonly budget = new Bottleneck({
    maxConcurrent: 1,
    reservoir: 5,
    reservoirRefreshAmount: 5,
    reservoirRefreshInterval: 10_000,
  });

  /** The preflight found this job running (its rule is read again only when the job changed). */
  found(jobId: string): void {
    if (this.job?.id !== jobId) this.job = { id: jobId };
  }

  /** What happened, in words for the trail; null when no running job was found to nudge. */
  async user(
    user: IdpUser,
    sp: string,
    send: (req: IdpRequest) => Promise<IdpResponse>,
  ): Promise<string | null> {
    const job = this.job;
    if (!job) return null;
    const jobPath = `/servicePrincipals/${sp}/synchronization/jobs/${pathSegment(job.id)}`;
    const fallback = "waiting for its next provisioning cycle (about 40 minutes)";
    try {
      if (!job.ruleId) {
        const res = await send({
          method: "GET",
          path: `${jobPath}/schema`,
          endpoint: "GET /servicePrincipals/{spId}/synchronization/jobs/{jobId}/schema",
        });
        const rules = res.status < 300 ? graphSchemaRulesSchema.safeParse(res.body) : null;
        if (!rules?.success)
          return `could not read the provisioning job's rules to nudge it (HTTP ${res.status}); ${fallback}`;
        const rule =
          rules.data.synchronizationRules.find((r) =>
            /azure active directory|entra/i.test(r.sourceDirectoryName ?? ""),
          ) ?? rules.data.synchronizationRules[0];
        if (!rule) return `the provisioning job has no rules to nudge with; ${fallback}`;
        job.ruleId = rule.id;
      }
      const res = await this.budget.schedule(() =>
        send({
          method: "POST",
          path: `${jobPath}/provisionOnDemand`,
          body: {
            parameters: [{ subjects: [{ objectId: user.id, objectTypeName: "User" }], ruleId: job.ruleId }],
          },
          endpoint: "POST /servicePrincipals/{spId}/synchronization/jobs/{jobId}/provisionOnDemand",
        }),
      );
      if (res.status >= 300)
        return `Entra ID refused to provision on demand (HTTP ${res.status}${res.details.vendorCode ? ` ${res.details.vendorCode}` : ""}${res.status === 403 ? ": it needs Synchronization.ReadWrite.All" : ""}); ${fallback}`;
      return "asked Entra ID to provision the user on demand: Gong should show the change within minutes";
    } catch (error) {
      return `could not nudge Entra ID (${(error as Error).message}); ${fallback}`;
    }
  }

  async close(): Promise<void> {
    await this.budget.stop({ dropWaitingJobs: true }).catch(() => {});
  }
}

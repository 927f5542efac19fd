import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  graphAssignmentSchema,
  graphErrorSchema,
  graphJobSchema,
  graphListSchema,
  graphSchemaRulesSchema,
  graphSecretsSchema,
  graphUserSchema,
} from "../../src/idp/graphSchemas.js";
import { GraphSim } from "../../src/sim/graph.js";
import { SimOrg } from "../../src/sim/org.js";

/** The Graph face keeps to the documented v1.0 shapes the adapter reads (learn.microsoft.com/graph/api). */
let graph: GraphSim;
let org: SimOrg;
beforeAll(async () => {
  org = SimOrg.generate({ users: 5, seed: 3 });
  graph = await GraphSim.start({ org, pushDelayMs: 0, retryAfterSeconds: 7 });
});
afterAll(async () => graph.close());

async function call(
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
  token = graph.token,
  headers: Record<string, string> = {},
) {
  const res = await request(`${graph.graphUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe("sim Graph contract", () => {
  it("users, appRoleAssignments (User and Group) and synchronization jobs have the adapter's shapes", async () => {
    const u = org.users().find((x) => x.active)!;
    const user = graphUserSchema.parse(
      (await call("GET", `/users/${encodeURIComponent(u.emailAddress)}`)).body,
    );
    graph.addGroup("Contract group", [u.id]);
    // Filtering a user's appRoleAssignments on resourceId is an advanced query: without
    // `ConsistencyLevel: eventual` and `$count=true` Graph refuses it.
    const filtered = `/users/${user.id}/appRoleAssignments?$filter=${encodeURIComponent(`resourceId eq ${graph.spId}`)}`;
    const bare = await call("GET", filtered);
    expect([bare.status, graphErrorSchema.parse(bare.body).error.code]).toEqual([
      400,
      "Request_UnsupportedQuery",
    ]);
    const noHeader = await call("GET", `${filtered}&$count=true`);
    expect(noHeader.status).toBe(400);
    const noCount = await call("GET", filtered, undefined, graph.token, { consistencylevel: "eventual" });
    expect(noCount.status).toBe(400);
    const list = await call("GET", `${filtered}&$count=true`, undefined, graph.token, {
      consistencylevel: "eventual",
    });
    expect(list.body["@odata.count"]).toBe(2);
    const value = graphListSchema(graphAssignmentSchema).parse(list.body).value;
    expect(value.map((a) => a.principalType).sort()).toEqual(["Group", "User"]);
    expect(value.find((a) => a.principalType === "Group")!.principalDisplayName).toBe("Contract group");
    const jobs = graphListSchema(graphJobSchema).parse(
      (await call("GET", `/servicePrincipals/${graph.spId}/synchronization/jobs`)).body,
    );
    expect(jobs.value[0]!.status.code).toBe("Active");
    expect(jobs.value[0]!.schedule?.state).toBe("Active");
    const secrets = graphSecretsSchema.parse(
      (await call("GET", `/servicePrincipals/${graph.spId}/synchronization/secrets`)).body,
    );
    expect(secrets.value.find((v) => v.key === "SyncAll")?.value).toBe("false");
  });

  it("provisionOnDemand: the job's user rule from its schema; 5 per 10 seconds, then 429 with Retry-After", async () => {
    const jobs = graphListSchema(graphJobSchema).parse(
      (await call("GET", `/servicePrincipals/${graph.spId}/synchronization/jobs`)).body,
    );
    const job = `/servicePrincipals/${graph.spId}/synchronization/jobs/${encodeURIComponent(jobs.value[0]!.id)}`;
    const rules = graphSchemaRulesSchema.parse(
      (await call("GET", `${job}/schema`)).body,
    ).synchronizationRules;
    const u = graph.entraIdOf(org.users().find((x) => x.active)!.id)!;
    const body = {
      parameters: [{ subjects: [{ objectId: u, objectTypeName: "User" }], ruleId: rules[0]!.id }],
    };
    for (let i = 0; i < 5; i++)
      expect((await call("POST", `${job}/provisionOnDemand`, body)).status).toBe(200);
    const sixth = await call("POST", `${job}/provisionOnDemand`, body);
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("appRoleAssignments page with an absolute @odata.nextLink; the last page has none", async () => {
    const u = org.users().filter((x) => x.active)[1]!;
    for (let i = 0; i < 4; i++) graph.addGroup(`Paged ${i}`, [u.id]);
    const id = graph.entraIdOf(u.id)!;
    graph.pageSize = 2;
    try {
      const seen: string[] = [];
      let next: string | undefined = `${graph.graphUrl}/users/${id}/appRoleAssignments`;
      let pages = 0;
      while (next) {
        const res = await call("GET", next.slice(graph.graphUrl.length));
        const page = graphListSchema(graphAssignmentSchema).parse(res.body);
        expect(page.value.length).toBeLessThanOrEqual(2);
        seen.push(...page.value.map((a) => a.id));
        next = page["@odata.nextLink"];
        if (next) expect(next.startsWith(graph.graphUrl)).toBe(true);
        pages++;
      }
      expect(new Set(seen).size).toBe(5); // the direct assignment and four groups
      expect(pages).toBe(3);
    } finally {
      graph.pageSize = 100;
    }
  });

  it("errors and writes: 401, 404 Request_ResourceNotFound, 204 DELETE, 201 POST, 429 with Retry-After", async () => {
    const u = org.users().filter((x) => x.active)[1]!;
    const uid = graph.entraIdOf(u.id)!;
    const unauth = await call("GET", `/users/${uid}`, undefined, "wrong");
    expect([unauth.status, graphErrorSchema.parse(unauth.body).error.code]).toEqual([
      401,
      "InvalidAuthenticationToken",
    ]);
    const list = graphListSchema(graphAssignmentSchema).parse(
      (await call("GET", `/users/${uid}/appRoleAssignments`)).body,
    ).value;
    const a = list[0]!;
    expect((await call("DELETE", `/servicePrincipals/${graph.spId}/appRoleAssignedTo/${a.id}`)).status).toBe(
      204,
    );
    const again = await call("DELETE", `/servicePrincipals/${graph.spId}/appRoleAssignedTo/${a.id}`);
    expect([again.status, graphErrorSchema.parse(again.body).error.code]).toEqual([
      404,
      "Request_ResourceNotFound",
    ]);
    const created = await call("POST", `/servicePrincipals/${graph.spId}/appRoleAssignedTo`, {
      principalId: uid,
      resourceId: graph.spId,
      appRoleId: a.appRoleId,
    });
    expect(created.status).toBe(201);
    graphAssignmentSchema.parse(created.body);
    graph.rateLimit(1);
    const limited = await call("GET", `/users/${uid}`);
    expect([limited.status, limited.headers["retry-after"]]).toEqual([429, "7"]);
    expect(graphErrorSchema.parse(limited.body).error.code).toBe("TooManyRequests");
  });
});

import type { AddressInfo } from "node:net";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

/**
 * A real, independent SCIM 2.0 server (scimmy + scimmy-routers) on port 0, with an in-memory user
 * store. scimmy leaves filtering to the egress handler, so the handler applies scimmy's own parsed
 * Filter; the store is module state because scimmy's resource declarations are process-wide.
 */
export interface ScimmyUser {
  id: string;
  userName: string;
  active: boolean;
  name?: { givenName?: string; familyName?: string };
}

let store = new Map<string, ScimmyUser>();
let declared = false;

// scimmy's typings want its own schema types; the handlers here deal in plain objects.
interface EgressResource {
  id?: string;
  filter?: { match(values: object[]): object[] };
}
interface Handlers {
  egress(handler: (resource: EgressResource) => unknown): Handlers;
  ingress(handler: (resource: { id?: string }, data: { active?: boolean }) => unknown): Handlers;
}
const notFound = (id: string | undefined) =>
  new SCIMMY.Types.Error(404, null as unknown as string, `User ${id} not found`);

function declare(): void {
  if (declared) return;
  declared = true;
  (SCIMMY.Resources.declare(SCIMMY.Resources.User) as unknown as Handlers)
    .egress((resource) => {
      if (resource.id) {
        const user = store.get(resource.id);
        if (!user) throw notFound(resource.id);
        return { ...user };
      }
      const all = [...store.values()].map((u) => ({ ...u }));
      return resource.filter ? resource.filter.match(all) : all;
    })
    .ingress((resource, data) => {
      const user = resource.id ? store.get(resource.id) : undefined;
      if (!user) throw notFound(resource.id);
      if (typeof data.active === "boolean") user.active = data.active;
      return { ...user };
    });
}

export async function startScimmy(
  users: ScimmyUser[],
  token: string,
): Promise<{ url: string; users: Map<string, ScimmyUser>; close(): Promise<void> }> {
  declare();
  store = new Map(users.map((u) => [u.id, { ...u }]));
  const app = express();
  app.use(
    "/scim/v2",
    new SCIMMYRouters({
      type: "bearer",
      handler: (req: express.Request) => {
        if (req.header("authorization") !== `Bearer ${token}`) throw new Error("invalid bearer token");
        return "gongops-test";
      },
    }) as unknown as express.Router,
  );
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/scim/v2`,
    users: store,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { SimOrg } from "../../src/sim/org.js";

/**
 * A small org whose shape every hierarchy and lookup test knows by heart:
 *
 *   CEO Ana Top
 *   ├─ VP Ben Down [inactive]        ├─ VP Chloé Côté
 *   │  ├─ Dana Lee                   │  └─ Manager Émile Zola
 *   │  └─ Eli Park                   │     └─ Fay Ng
 *   cycle: Xavier Loop <-> Yuki Loop, with Will Under reporting to Xavier
 *   dangling: Zed Lost -> 9999999999999999999       orphan: Olga Alone
 */
export const ID = {
  ceo: "1000000000000000001",
  vpA: "1000000000000000002",
  vpB: "1000000000000000003",
  dana: "1000000000000000004",
  eli: "1000000000000000005",
  mgr: "1000000000000000006",
  fay: "1000000000000000007",
  x: "1000000000000000008",
  y: "1000000000000000009",
  zed: "1000000000000000010",
  olga: "1000000000000000011",
  will: "1000000000000000012",
  big: "18446744073709551615",
} as const;

export function knownOrg(now?: Date): SimOrg {
  const org = new SimOrg({ now, domain: "acme.example" });
  const add = (
    id: string,
    firstName: string,
    lastName: string,
    extra: Parameters<SimOrg["addUser"]>[0] extends infer P ? Partial<P> : never = {},
  ) => org.addUser({ id, firstName, lastName, ...extra });
  add(ID.ceo, "Ana", "Top", { title: "CEO" });
  add(ID.vpA, "Ben", "Down", { title: "VP Sales", managerId: ID.ceo, active: false });
  add(ID.vpB, "Chloé", "Côté", {
    title: "VP CS",
    managerId: ID.ceo,
    emailAliases: ["chloe@old-acme.example"],
  });
  add(ID.dana, "Dana", "Lee", { title: "AE", managerId: ID.vpA });
  add(ID.eli, "Eli", "Park", { title: "AE", managerId: ID.vpA });
  add(ID.mgr, "Émile", "Zola", { title: "Manager", managerId: ID.vpB });
  add(ID.fay, "Fay", "Ng", { title: "AE", managerId: ID.mgr });
  add(ID.x, "Xavier", "Loop", { managerId: ID.y });
  add(ID.y, "Yuki", "Loop", { managerId: ID.x });
  add(ID.zed, "Zed", "Lost", { managerId: "9999999999999999999" });
  add(ID.olga, "Olga", "Alone");
  add(ID.will, "Will", "Under", { managerId: ID.x });
  add(ID.big, "Max", "Id", { managerId: ID.fay });
  return org;
}

import { describe, expect, it } from "vitest";
import { nameTeller } from "../../src/directory/tellApart.js";

describe("names people can tell apart", () => {
  it("a name two active people share gets the email; accents and case do not make it another name", () => {
    const people = [
      { id: "1", firstName: "Vik", lastName: "Adams", email: "vik@acme.example", active: true },
      { id: "2", firstName: "vik", lastName: "ADAMS", email: "vik.adams@acme.example", active: true },
      { id: "3", firstName: "Léa", lastName: "Bianchi", email: "lea@acme.example", active: true },
      { id: "4", firstName: "Lea", lastName: "Bianchi", email: "lea.b@acme.example", active: false },
    ];
    const name = nameTeller(people);
    expect(name(people[0]!)).toBe("Vik Adams (vik@acme.example)");
    expect(name(people[1]!)).toBe("vik ADAMS (vik.adams@acme.example)");
    // The other Léa Bianchi is inactive: nobody active shares the name.
    expect(name(people[2]!)).toBe("Léa Bianchi");
  });
});

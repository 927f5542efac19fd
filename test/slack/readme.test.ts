import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SUBCOMMANDS } from "../../src/slack/blocks/help.js";

/** The README's `/gong …` table is what people read first: it names every subcommand, in one table. */
const README = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");

describe("the README's Slack table", () => {
  const table = /\| `\/gong …` \| who \| what \|\n\|---\|---\|---\|\n((?:\|.*\|\n)+)/.exec(README)?.[1] ?? "";

  it("is one table: no blank line orphans a row", () => {
    expect(table).not.toBe("");
    const after = README.slice(README.indexOf(table) + table.length);
    expect(after.startsWith("\n|")).toBe(false);
  });

  it("names every subcommand /gong help lists", () => {
    const missing = Object.keys(SUBCOMMANDS).filter((name) => !table.includes(`\`${name}`));
    expect(missing).toEqual([]);
  });
});

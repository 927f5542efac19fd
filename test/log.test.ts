import { describe, expect, it } from "vitest";
import { createLogger } from "../src/log.js";

/** Every key of a JSON line's top-level object, in order, duplicates kept (JSON.parse would drop them). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"(\s*:)?|[{}[\]]/g)) {
    if (m[0] === "{" || m[0] === "[") depth++;
    else if (m[0] === "}" || m[0] === "]") depth--;
    else if (m[2] && depth === 1) keys.push(m[1]!);
  }
  return keys;
}

describe("log lines", () => {
  it("carry each key once: a child of a child has one component, its whole path", () => {
    const lines: string[] = [];
    const log = createLogger({ sink: (l) => lines.push(l), component: "app" });
    log.child("slack").child("home").info("rendered", { user: "U1" });
    createLogger({ sink: (l) => lines.push(l) })
      .child("jobs")
      .child("worker")
      .warn("slow");
    for (const line of lines) {
      const keys = topLevelKeys(line);
      expect(keys, line).toEqual([...new Set(keys)]);
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({ component: "app/slack/home", msg: "rendered", user: "U1" });
    expect(JSON.parse(lines[1]!)).toMatchObject({ component: "jobs/worker", msg: "slow" });
  });
});

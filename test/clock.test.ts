import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { clockFrom, nextUtcMidnight, utcDay } from "../src/clock.js";

const SRC = join(import.meta.dirname, "..", "src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Code with comments removed, so that a comment naming `Date.now()` does not count. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

describe("one clock", () => {
  it("nothing in src/ reads the system time but src/clock.ts (the simulator keeps its own)", () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const rel = relative(SRC, file).replaceAll("\\", "/");
      if (rel === "clock.ts" || rel.startsWith("sim/")) continue;
      code(readFileSync(file, "utf8"))
        .split("\n")
        .forEach((line, i) => {
          if (/Date\.now\(\)|new Date\(\s*\)/.test(line))
            offenders.push(`src/${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it("a pinned clock starts at its instant and flows from there", async () => {
    const start = Date.parse("2028-02-29T23:59:59.900Z");
    const clock = clockFrom(start);
    expect(clock.now() - start).toBeLessThan(50);
    await clock.sleep(120);
    expect(clock.now() - start).toBeGreaterThanOrEqual(100);
    expect(utcDay(clock.now())).toBe("2028-03-01");
  });

  it("UTC day math holds across a leap day and a year end", () => {
    expect(utcDay(Date.parse("2028-02-29T12:00:00Z"))).toBe("2028-02-29");
    expect(nextUtcMidnight(Date.parse("2028-02-28T23:00:00Z")).toISOString()).toBe(
      "2028-02-29T00:00:00.000Z",
    );
    expect(nextUtcMidnight(Date.parse("2026-12-31T23:59:59Z")).toISOString()).toBe(
      "2027-01-01T00:00:00.000Z",
    );
  });
});

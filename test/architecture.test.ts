import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/** The direction of the arrows (README, Architecture): adapters never import services or faces. */
const SRC = join(import.meta.dirname, "..", "src");
const SERVICES_AND_FACES = [
  "approvals",
  "audit",
  "cli",
  "digest",
  "directory",
  "jobs",
  "leavers",
  "schedules",
  "slack",
];

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"|import\("(\.[^"]+)"\)/g)) {
    const spec = m[1] ?? m[2]!;
    found.push(relative(SRC, resolve(join(file, ".."), spec)).replaceAll("\\", "/"));
  }
  return found;
}

describe("layers", () => {
  it("store/ imports no service and no face", () => {
    const dir = join(SRC, "store");
    const wrong = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .flatMap((f) =>
        importsOf(join(dir, f))
          .filter((target) => SERVICES_AND_FACES.includes(target.split("/")[0]!))
          .map((target) => `store/${f} → ${target}`),
      );
    expect(wrong).toEqual([]);
  });
});

describe("rooms of one job", () => {
  it("no file in src/ outside sim/ and store/schema.ts is over 450 lines", () => {
    const tooLong = (readdirSync(SRC, { recursive: true }) as string[])
      .map((f) => f.replaceAll("\\", "/"))
      .filter((f) => f.endsWith(".ts") && !f.startsWith("sim/") && f !== "store/schema.ts")
      .map((f) => ({ f, lines: readFileSync(join(SRC, f), "utf8").split("\n").length }))
      .filter(({ lines }) => lines > 450)
      .map(({ f, lines }) => `${f}: ${lines} lines`);
    expect(tooLong).toEqual([]);
  });
});

import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DIGEST_FILE, sourceDigest } from "../../bin/dist.js";

/**
 * bin/gongops.js runs dist/ only while it is the build of the sources beside it (bin/dist.js), and the
 * sources through tsx otherwise: an edited, added or removed source, a changed tsconfig or a build that
 * did not finish all send it back to src/. Where there are no sources (the Docker image, an installed
 * package), dist/ runs. Played in a tree of its own, with a src/ and a dist/ that say which one ran.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const tree = mkdtempSync(join(tmpdir(), "gongops-bin-"));
afterAll(() => rmSync(tree, { recursive: true, force: true }));

function setUp(): void {
  mkdirSync(join(tree, "bin"));
  mkdirSync(join(tree, "src"));
  mkdirSync(join(tree, "dist"));
  for (const f of ["bin/gongops.js", "bin/dist.js", "tsconfig.json", "tsconfig.build.json"])
    copyFileSync(join(ROOT, f), join(tree, f));
  writeFileSync(join(tree, "package.json"), JSON.stringify({ type: "module" }));
  // The packages (tsx for src/), but a zod of its own: a build has it inside, so its version counts.
  mkdirSync(join(tree, "node_modules", "zod"), { recursive: true });
  for (const pkg of readdirSync(join(ROOT, "node_modules")).filter((p) => p !== "zod"))
    symlinkSync(join(ROOT, "node_modules", pkg), join(tree, "node_modules", pkg));
  writeFileSync(join(tree, "node_modules", "zod", "package.json"), '{ "name": "zod", "version": "4.0.0" }');
  // Type annotations: only tsx can run this one.
  writeFileSync(
    join(tree, "src", "cli.ts"),
    'export async function runCli(argv: string[]): Promise<number> {\n  process.stdout.write(["src", ...argv].join(" "));\n  return 3;\n}\n',
  );
  writeFileSync(
    join(tree, "dist", "cli.js"),
    'export async function runCli(argv) {\n  process.stdout.write(["dist", ...argv].join(" "));\n  return 3;\n}\n',
  );
}

/** What `npm run build` leaves when it finishes: the digest of the sources it compiled. */
const stamp = () => writeFileSync(join(tree, DIGEST_FILE), `${sourceDigest(tree)}\n`);

function ran(): string {
  const r = spawnSync(process.execPath, [join(tree, "bin", "gongops.js"), "user", "ana"], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  // The answer's exit code is the process's, whichever ran.
  expect(r.status, r.stderr).toBe(3);
  return r.stdout;
}

describe("bin/gongops.js: dist/ while it is current, src/ otherwise", () => {
  it("never runs a stale build", { timeout: 120_000 }, () => {
    setUp();
    expect(ran(), "no stamp: the build did not finish").toBe("src user ana");
    stamp();
    expect(ran()).toBe("dist user ana");
    appendFileSync(join(tree, "src", "cli.ts"), "// edited\n");
    expect(ran(), "a source edited").toBe("src user ana");
    stamp();
    expect(ran()).toBe("dist user ana");
    mkdirSync(join(tree, "src", "gong"));
    writeFileSync(join(tree, "src", "gong", "new.ts"), "export const x = 1;\n");
    expect(ran(), "a source added").toBe("src user ana");
    stamp();
    expect(ran()).toBe("dist user ana");
    rmSync(join(tree, "src", "gong", "new.ts"));
    expect(ran(), "a source removed").toBe("src user ana");
    stamp();
    appendFileSync(join(tree, "tsconfig.build.json"), "\n");
    expect(ran(), "the build's settings changed").toBe("src user ana");
    stamp();
    expect(ran()).toBe("dist user ana");
    writeFileSync(join(tree, "node_modules", "zod", "package.json"), '{ "name": "zod", "version": "4.1.0" }');
    expect(ran(), "a package built into dist/ upgraded").toBe("src user ana");
    stamp();
    expect(ran()).toBe("dist user ana");
  });

  it("says what to do when dist/ is stale and tsx is not installed, and runs dist/ where there is no src/", () => {
    rmSync(join(tree, DIGEST_FILE));
    rmSync(join(tree, "node_modules"), { recursive: true });
    mkdirSync(join(tree, "node_modules"));
    const r = spawnSync(process.execPath, [join(tree, "bin", "gongops.js"), "--help"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/dist\/ was not built by npm run build.*run npm run build/);
    rmSync(join(tree, "src"), { recursive: true });
    expect(ran(), "an installed package").toBe("dist user ana");
  });
});

/**
 * Whether dist/ is the compiled build of the sources beside it, so that `bin/gongops.js` can run the
 * fast compiled code in a checkout without ever running a stale build. `npm run build` (scripts/build.js)
 * records a digest of everything tsc compiles (every file under src/, and the tsconfigs) in
 * dist/.source-digest once tsc succeeded; dist/ is current while the sources still have that digest.
 * Contents rather than modification times: a branch switch, a stash, or a copy that keeps old times
 * cannot make a stale build look current. (Reading and hashing src/ takes a few ms.)
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export const DIGEST_FILE = join("dist", ".source-digest");

/** The digest of what a build compiles, under `root` (the package's folder). */
export function sourceDigest(root) {
  const files = readdirSync(join(root, "src"), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  files.push(join(root, "tsconfig.json"), join(root, "tsconfig.build.json"));
  const hash = createHash("sha256");
  for (const file of files.map((f) => relative(root, f)).sort()) {
    // Name and length before the bytes: no two different trees hash the same stream.
    const bytes = readFileSync(join(root, file));
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest("hex");
}

/** `{ current: true }`, or why dist/ must not run in place of src/. */
export function distState(root) {
  if (!existsSync(join(root, "dist", "cli.js"))) return { current: false, why: "there is no build in dist/" };
  let recorded;
  try {
    recorded = readFileSync(join(root, DIGEST_FILE), "utf8").trim();
  } catch {
    return { current: false, why: "dist/ was not built by npm run build, or its build did not finish" };
  }
  if (recorded !== sourceDigest(root)) return { current: false, why: "src/ changed since npm run build" };
  return { current: true };
}

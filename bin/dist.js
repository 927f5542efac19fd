/**
 * Whether dist/ is the build of the sources beside it, so that `bin/gongops.js` can run the fast built
 * code in a checkout without ever running a stale build. `npm run build` (scripts/build.js) records a
 * digest of everything that goes into dist/ in dist/.source-digest once the build succeeded: every file
 * under src/, the tsconfigs, package.json, and the installed version of each package bundled into dist/;
 * dist/ is current while they still have that digest. Contents rather than modification times: a branch
 * switch, a stash, or a copy that keeps old times cannot make a stale build look current. (Reading and
 * hashing them takes a few ms.)
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export const DIGEST_FILE = join("dist", ".source-digest");

/**
 * Packages built into dist/ rather than loaded from node_modules: plain JavaScript on most commands' way,
 * whose hundreds of small files cost more to load one by one than their code does (and Node 22 re-reads
 * drizzle-orm's 180 KB package.json for each of them). undici alone is 111 files, jose 46, prom-client
 * with @opentelemetry/api 84: built in, `gongops exempt list` took 0.45 s of CPU instead of 0.71 s, and
 * `gongops jobs` 0.46 s instead of 0.83 s (medians of 7, /usr/bin/time). Every other package (native
 * code, files loaded by path like pino's worker, Bolt and MSAL, which only some commands load) stays in
 * node_modules.
 */
export const BUNDLED = ["zod", "drizzle-orm", "lossless-json", "undici", "jose", "prom-client", "bottleneck"];

/** The digest of what a build is made of, under `root` (the package's folder). */
export function sourceDigest(root) {
  const files = readdirSync(join(root, "src"), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  files.push(
    ...["tsconfig.json", "tsconfig.build.json", "package.json"].map((f) => join(root, f)),
    ...BUNDLED.map((p) => join(root, "node_modules", p, "package.json")),
  );
  const hash = createHash("sha256");
  for (const file of files.map((f) => relative(root, f)).sort()) {
    // Name and length before the bytes: no two different trees hash the same stream. (A package not
    // installed counts as such: node_modules may be missing or partial.)
    const bytes = existsSync(join(root, file)) ? readFileSync(join(root, file)) : null;
    hash.update(bytes ? `${file}\0${bytes.length}\0` : `${file}\0absent\0`);
    if (bytes) hash.update(bytes);
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

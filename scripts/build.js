/**
 * npm run build: tsc to dist/, then the digest of the sources it compiled in dist/.source-digest, which is
 * what lets bin/gongops.js run dist/ in a checkout (bin/dist.js). The old digest goes first, so a failed or
 * interrupted build is never taken for current; a source edited while tsc ran leaves dist/ unstamped.
 *
 * `--prepare` (npm's prepare script, run by `npm ci` and `npm install` in a checkout) builds too, but
 * steps aside where there is no compiler (an install without dev dependencies).
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DIGEST_FILE, sourceDigest } from "../bin/dist.js";

const root = fileURLToPath(new URL("..", import.meta.url));
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch (error) {
  if (!process.argv.includes("--prepare") || error.code !== "MODULE_NOT_FOUND") throw error;
  console.error("gongops: no TypeScript compiler installed (no dev dependencies): dist/ not built");
  process.exit(0);
}
rmSync(join(root, DIGEST_FILE), { force: true });
const before = sourceDigest(root);
const compiled = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
  cwd: root,
  stdio: "inherit",
});
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
if (sourceDigest(root) !== before) {
  console.error("src/ changed while tsc ran: dist/ is left unstamped (bin/gongops.js keeps using src/); build again");
  process.exit(1);
}
writeFileSync(join(root, DIGEST_FILE), `${before}\n`);

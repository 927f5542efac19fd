/**
 * npm run build: src/ bundled into dist/ by esbuild, then the digest of what went into it in
 * dist/.source-digest, which is what lets bin/gongops.js run dist/ in a checkout (bin/dist.js). A failed
 * or interrupted build leaves no digest, so it is never taken for current; a source edited while the
 * build ran leaves dist/ without one too. Types are checked by `npm run typecheck`, not here.
 *
 * dist/cli.js holds the command table; each command's code, and what it needs, is in dist/chunks/ and
 * loads when the command runs. The packages in BUNDLED (bin/dist.js says why) are built in; every
 * other package stays in node_modules (native code, CommonJS that loads files by path, or loaded late).
 * A module that must exist as a file of its own (a worker thread's script) has to be added to the entry
 * points.
 *
 * `--prepare` (npm's prepare script, run by `npm ci` and `npm install` in a checkout) builds too, but
 * steps aside where esbuild is not installed (an install without dev dependencies).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLED, DIGEST_FILE, sourceDigest } from "../bin/dist.js";

const root = fileURLToPath(new URL("..", import.meta.url));
let esbuild;
try {
  esbuild = await import("esbuild");
} catch (error) {
  if (!process.argv.includes("--prepare") || error.code !== "ERR_MODULE_NOT_FOUND") throw error;
  console.error("gongops: esbuild is not installed (no dev dependencies): dist/ not built");
  process.exit(0);
}
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
  (p) => !BUNDLED.includes(p),
);

rmSync(join(root, "dist"), { recursive: true, force: true });
const before = sourceDigest(root);
await esbuild.build({
  absWorkingDir: root,
  // The Slack front's thread (src/slack/front.ts) loads its script from beside the chunks.
  entryPoints: { cli: "src/cli.ts", "chunks/slack-front": "src/slack/frontThread.ts" },
  outdir: "dist",
  // Two folders down, like the sources: src/store/db.ts finds drizzle/ at ../../drizzle from either.
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  tsconfig: "tsconfig.build.json",
  external,
  sourcemap: true,
  // CommonJS packages built in (undici, prom-client, bottleneck) call require() for Node's own modules,
  // which an ES module does not have: give them one.
  banner: {
    js: 'import { createRequire as __gongopsRequire } from "node:module"; const require = __gongopsRequire(import.meta.url);',
  },
  logLevel: "warning",
});
if (sourceDigest(root) !== before) {
  console.error(
    "src/ changed while the build ran: dist/ is left unstamped (bin/gongops.js keeps using src/); build again",
  );
  process.exit(1);
}
writeFileSync(join(root, DIGEST_FILE), `${before}\n`);

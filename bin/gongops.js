#!/usr/bin/env node
// Runs the compiled dist/ whenever it is the build of the sources beside it, and the TypeScript sources
// through tsx otherwise. In a checkout, `npm ci` builds dist/ (the prepare script), so gongops starts as
// fast as in the Docker image; an edit to src/ makes dist/ stale (bin/dist.js compares a digest of the
// sources), and src/ runs until the next `npm run build`: a stale build never runs. Where there are no
// sources (the Docker image, an installed package), dist/ is all there is.
import { existsSync } from "node:fs";
import module from "node:module";
import { fileURLToPath } from "node:url";
import { distState } from "./dist.js";

// Node 22 keeps compiled code between runs (a no-op where it is missing, as on Node 20).
module.enableCompileCache?.();

let entry = new URL("../dist/cli.js", import.meta.url);
const source = new URL("../src/cli.ts", import.meta.url);
if (existsSync(source)) {
  const dist = distState(fileURLToPath(new URL("..", import.meta.url)));
  if (!dist.current) {
    let tsx;
    try {
      tsx = await import("tsx/esm/api");
    } catch (error) {
      if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
      process.stderr.write(
        `gongops: ${dist.why}, and tsx (a dev dependency) is not installed to run src/: run npm run build\n`,
      );
      process.exit(2);
    }
    tsx.register();
    entry = source;
  }
}
const { runCli } = await import(entry.href);
process.exitCode = await runCli(process.argv.slice(2));
// The command is done: from now on Ctrl-C or SIGTERM ends the process at once. (A command's first
// signal only asks it to stop; once it has returned, something it left open must not make a signal
// look ignored.)
process.removeAllListeners("SIGINT");
process.removeAllListeners("SIGTERM");

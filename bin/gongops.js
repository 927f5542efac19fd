#!/usr/bin/env node
// Runs the TypeScript sources through tsx in a checkout (so `npx gongops` works right after `npm ci`),
// and the compiled dist/ where there are no sources (the Docker image, an installed package).
import { existsSync } from "node:fs";

const source = new URL("../src/cli.ts", import.meta.url);
let entry = new URL("../dist/cli.js", import.meta.url);
if (existsSync(source)) {
  try {
    const { register } = await import("tsx/esm/api");
    register();
    entry = source;
  } catch {
    // No tsx (production install): fall back to dist/.
  }
}
const { runCli } = await import(entry.href);
process.exitCode = await runCli(process.argv.slice(2));
// The command is done: from now on Ctrl-C or SIGTERM ends the process at once. (A command's first
// signal only asks it to stop; once it has returned, something it left open must not make a signal
// look ignored.)
process.removeAllListeners("SIGINT");
process.removeAllListeners("SIGTERM");

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * gongops as people run it: `node bin/gongops.js …` in its own process, with its real exit code,
 * stdout and stderr. (A bug where every command exited 13 after a correct answer passed every
 * in-process test.)
 */
export const BIN = fileURLToPath(new URL("../../bin/gongops.js", import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<Finished>;
}

/**
 * What sets the system clock of a process (libfaketime's preload and its settings, the time zone): a
 * suite run with a shifted clock (.ci/run) must shift the processes it starts too, so that the
 * simulator and gongops share one "now". Nothing else of the test's environment leaks into gongops.
 */
export function clockEnv(): Record<string, string | undefined> {
  const keys = Object.keys(process.env).filter(
    (k) => k === "LD_PRELOAD" || k === "TZ" || k.startsWith("FAKETIME"),
  );
  return Object.fromEntries(keys.map((k) => [k, process.env[k]]));
}

export function spawnGongops(
  args: string[],
  env: Record<string, string | undefined>,
  /** Node's own options, before the script (`--import` a recorder). */
  nodeArgs: string[] = [],
): Running {
  const started = Date.now();
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GONGOPS_LOG_LEVEL: "warn", ...clockEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString("utf8");
  });
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  const done = new Promise<Finished>((resolve) =>
    child.once("close", (code, signal) =>
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started }),
    ),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs to the end (killed after `timeoutMs`, which the test then sees as signal SIGKILL). */
export async function runGongops(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 30_000,
): Promise<Finished> {
  const run = spawnGongops(args, env);
  const timer = setTimeout(() => run.child.kill("SIGKILL"), timeoutMs);
  try {
    return await run.done;
  } finally {
    clearTimeout(timer);
  }
}

/** The one JSON document a `--json` command must print, or a failure naming what it printed. */
export function oneJson(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`stdout is not exactly one JSON document:\n${stdout.slice(0, 500)}`);
  }
}

export async function until<T>(
  what: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await what();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The port `gongops start` listens on, from its JSON log line once Slack's auth.test passed. */
export function listeningPort(run: Running, timeoutMs = 20_000): Promise<number> {
  return until(
    () =>
      run
        .stderr()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { msg?: string; port?: number })
        .find((l) => l.msg === "gongops is listening for Slack")?.port,
    timeoutMs,
  ).catch((e) => {
    throw new Error(`${e}: gongops start said:\n${run.stderr().slice(-3000)}`);
  });
}

import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type Finished, oneJson, runGongops, spawnGongops } from "../helpers/process.js";
import { cliRig } from "./cliRig.js";

/**
 * What a `gongops` process loads before it answers (npm run bench:cli times it): `--help` and a usage
 * error read the command table and nothing else; a lookup the local directory answers loads no Gong
 * client, no Slack, no identity provider and no metrics. Recorded by test/helpers/recordLoads.mjs, in
 * whichever code bin/gongops.js runs: the bundle in dist/ when it is current (the command table in
 * dist/cli.js, the rest in dist/chunks/), src/ through tsx otherwise.
 */
const RECORDER = fileURLToPath(new URL("../helpers/recordLoads.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const rig = cliRig();

/** Runs `gongops <args>` with the recorder; what it printed, and every module it loaded. */
async function recorded(args: string[], env: Record<string, string>) {
  const record = join(rig.dir, `loads-${++rig.n}.txt`);
  const r = await spawnGongops(args, { ...env, GONGOPS_RECORD_LOADS: record }, ["--import", RECORDER]).done;
  return { ...r, loaded: readFileSync(record, "utf8").split("\n").filter(Boolean) };
}

/**
 * The npm packages among `loaded` (tsx's own aside, when it runs the sources): loaded from node_modules,
 * or built into a file of dist/ (BUNDLED in bin/dist.js), whose source map names them.
 */
function packages(loaded: string[]): string[] {
  const paths = loaded.flatMap((m) => {
    const path = m.startsWith("file:") ? fileURLToPath(m) : m;
    if (!relative(ROOT, path).startsWith("dist/")) return [m];
    const map = JSON.parse(readFileSync(`${path}.map`, "utf8")) as { sources: string[] };
    return map.sources.map((s) => join(dirname(path), s));
  });
  const names = paths.flatMap((m) => {
    const at = m.lastIndexOf("/node_modules/");
    if (at < 0) return [];
    const [scope, name] = m.slice(at + "/node_modules/".length).split("/");
    return [scope!.startsWith("@") ? `${scope}/${name}` : scope!];
  });
  return [...new Set(names)].sort();
}

/**
 * gongops' own modules among `loaded`, as their sources (`src/cli/io`): a file of the bundle in dist/
 * stands for the sources its source map names.
 */
function ownModules(loaded: string[]): string[] {
  const mods = loaded.flatMap((m) => {
    const path = m.startsWith("file:") ? fileURLToPath(m) : m;
    const rel = relative(ROOT, path);
    if (rel.startsWith("src/")) return [rel];
    if (!rel.startsWith("dist/")) return [];
    const map = JSON.parse(readFileSync(`${path}.map`, "utf8")) as { sources: string[] };
    return map.sources.map((s) => relative(ROOT, join(dirname(path), s))).filter((s) => s.startsWith("src/"));
  });
  return [...new Set(mods.map((m) => m.replace(/\.ts$/, "")))].sort();
}

/** A first name several users share: looking it up lists them, from the snapshot alone. */
function sharedFirstName(): string {
  const names = rig.sim.org.users().map((u) => u.firstName);
  const shared = names.find((n, i) => names.indexOf(n) !== i);
  if (!shared) throw new Error("no first name is shared in the simulated org");
  return shared;
}

/** tsx and what it needs, when bin/gongops.js runs the sources (dist/ is stale or absent). */
const TSX = ["tsx", "esbuild", "get-tsconfig", "resolve-pkg-maps", "source-map-support"];
/** What a lookup answered from the database must not load. */
const NOT_FOR_A_LOOKUP = ["@slack/bolt", "@azure/msal-node", "prom-client", "undici", "bottleneck"];

describe("what a gongops process loads before it answers", () => {
  it("--help, a command's --help and the usage errors parsing finds load the command table alone", async () => {
    const runs: [string[], number, RegExp][] = [
      [["--help"], 0, /Commands:/],
      [["user", "--help"], 0, /gongops user </],
      [["user", "--frobnicate"], 2, /Unknown option '--frobnicate'/],
      [["audit", "--resume", "--days", "3", "--json"], 2, /cannot be used together/],
      [["sync", "extra"], 2, /unexpected argument "extra"/],
      [["frobnicate"], 2, /unknown command "frobnicate"/],
    ];
    for (const [args, code, says] of runs) {
      // No Gong settings at all: nothing here may need them.
      const r = await recorded(args, {});
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stdout + r.stderr).toMatch(says);
      expect({ args, packages: packages(r.loaded).filter((p) => !TSX.includes(p)) }).toEqual({
        args,
        packages: [],
      });
      expect({ args, own: ownModules(r.loaded) }).toEqual({
        args,
        own: [
          "src/cli",
          "src/cli/command",
          "src/cli/commands/index",
          "src/cli/io",
          "src/errors",
          "src/printable",
          "src/stdio",
        ],
      });
    }
  }, 90_000);

  it("a lookup the directory answers loads no Gong client, Slack, identity provider or metrics", async () => {
    const db = rig.freshDb();
    const synced: Finished = await runGongops(["sync", "--json"], rig.env(db));
    expect(synced.code, synced.stderr).toBe(0);
    const r = await recorded(["user", sharedFirstName(), "--json"], rig.env(db));
    expect(r.code, r.stderr).toBe(0);
    expect(oneJson(r.stdout)).toMatchObject({ match: "many", freshness: { source: "snapshot" } });
    expect(packages(r.loaded).filter((p) => NOT_FOR_A_LOOKUP.includes(p))).toEqual([]);
    // The whole context (with Gong's client, the services, the IdP adapters and the metrics), and Slack.
    const services = /^src\/((gong|slack)\/.*|context|metrics|idp\/index)$/;
    expect(ownModules(r.loaded).filter((m) => services.test(m))).toEqual([]);
  }, 90_000);

  it("a lookup the directory cannot answer grows the context then, and asks Gong through it", async () => {
    // A database never synced: the lookup must take a snapshot first, through the Gong side that the
    // CLI hands the core (the services and Gong's client load only now).
    const r = await recorded(["user", sharedFirstName(), "--json"], rig.env(rig.freshDb()));
    expect(r.code, r.stderr).toBe(0);
    const answer = oneJson(r.stdout) as { match: string; freshness: { note: string } };
    expect(answer.match).toBe("many");
    expect(answer.freshness.note).toMatch(/synced for this lookup/);
    expect(packages(r.loaded)).toContain("undici");
    expect(ownModules(r.loaded)).toEqual(
      expect.arrayContaining(["src/context", "src/directory/sync.service"]),
    );
  }, 90_000);
});

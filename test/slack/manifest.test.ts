import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ACTIONS, API_SCOPES, EVENTS, EXTRA_SCOPES, SLASH_COMMAND, VIEWS } from "../../src/slack/ids.js";
import { registerListeners } from "../../src/slack/listeners/index.js";
import type { SlackServices } from "../../src/slack/services.js";

/**
 * manifest.yml must import as-is ("Create app from manifest") and grant what the code uses. The schema
 * is slackapi/manifest-schema (MIT, vendored with its license in test/fixtures/slack-manifest-schema).
 */
const manifest = parse(readFileSync(new URL("../../manifest.yml", import.meta.url), "utf8")) as Record<
  string,
  any
>;
const schema = JSON.parse(
  readFileSync(
    new URL("../fixtures/slack-manifest-schema/manifest.schema.1.0.0.json", import.meta.url),
    "utf8",
  ),
) as object;

/** What registerListeners registers, recorded by a stand-in for Bolt's App. */
function registered() {
  const seen = {
    commands: [] as string[],
    actions: [] as string[],
    events: [] as string[],
    views: [] as string[],
    functions: [] as string[],
  };
  const app = {
    command: (id: string) => seen.commands.push(id),
    action: (id: string) => seen.actions.push(id),
    event: (id: string) => seen.events.push(id),
    view: (id: string) => seen.views.push(id),
    function: (id: string) => seen.functions.push(id),
    use: () => {},
  };
  registerListeners(app as never, {} as SlackServices);
  return seen;
}

describe("manifest.yml", () => {
  it("validates against Slack's published manifest schema", () => {
    const ajv = new Ajv({ strict: false, allErrors: true, formats: { uri: true } });
    const validate = ajv.compile(schema);
    const ok = validate(manifest);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it("declares every command and event the code registers; interactivity is on for its buttons", () => {
    const seen = registered();
    const commands = (manifest.features.slash_commands as { command: string; should_escape: boolean }[]).map(
      (c) => c.command,
    );
    expect(seen.commands).toEqual([SLASH_COMMAND]);
    for (const c of seen.commands) expect(commands).toContain(c);
    expect(manifest.features.slash_commands[0].should_escape).toBe(true); // mentions arrive as <@U…> ids
    for (const e of seen.events) expect(manifest.settings.event_subscriptions.bot_events).toContain(e);
    expect(seen.events).toEqual([...EVENTS]);
    expect(seen.actions.sort()).toEqual(Object.values(ACTIONS).sort());
    expect(seen.views.sort()).toEqual(Object.values(VIEWS).sort()); // modals need interactivity too
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    // Workflow Builder steps: each function the code listens for is declared, remote, on an org-ready app.
    expect(seen.functions).toEqual(Object.keys(manifest.functions));
    expect(manifest.settings.function_runtime).toBe("remote");
    expect(manifest.settings.org_deploy_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain("function_executed");
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it("grants every bot scope the code needs", () => {
    const scopes = manifest.oauth_config.scopes.bot as string[];
    for (const scope of [...Object.values(API_SCOPES), ...EXTRA_SCOPES]) expect(scopes).toContain(scope);
  });

  it("the schema check can fail", () => {
    const ajv = new Ajv({ strict: false, formats: { uri: true } });
    const validate = ajv.compile(schema);
    expect(
      validate({ ...manifest, features: { ...manifest.features, slash_commands: [{ command: "gong" }] } }),
    ).toBe(false);
  });
});

import type { SyncResult } from "../../directory/sync.service.js";
import { InterruptedError } from "../../errors.js";
import { type CommandCode, flag } from "../command.js";
import { withContext } from "../context.js";
import { printJson } from "../io.js";
import { progressReporter } from "../progress.js";

export function renderSync(result: SyncResult): string {
  const { run, changes } = result;
  const counts = Object.entries(run.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k.replace("_", " ")}`)
    .join(", ");
  const lines = [
    `Synced ${run.usersSeen} Gong users with ${run.requestsUsed} requests (sync run ${run.id}): ${counts || "no changes"}.`,
  ];
  for (const c of changes.slice(0, 50)) {
    const detail =
      c.kind === "joined" || c.kind === "left"
        ? (c.before ?? c.after ?? "")
        : `${c.before ?? "none"} -> ${c.after ?? "none"}`;
    lines.push(`  ${c.kind.padEnd(15)} ${c.name ?? c.userId} (id ${c.userId}) ${detail}`);
  }
  if (changes.length > 50) lines.push(`  ... and ${changes.length - 50} more (use --json for all)`);
  return `${lines.join("\n")}\n`;
}

export const syncCommand: CommandCode = {
  async run(args, io) {
    return withContext(io, ["gong"], async (ctx) => {
      const progress = progressReporter(io);
      const controller = new AbortController();
      void io.interrupted.then(() => {
        const current = ctx.repos.directory.state();
        controller.abort(
          new InterruptedError(
            `the sync was interrupted; ${current ? `the snapshot from ${current.syncedAt} stays current` : "no snapshot was made"}`,
          ),
        );
      });
      const result = await ctx.directory.sync
        .run({ trigger: "cli", onProgress: (p) => progress.update(p), signal: controller.signal })
        .finally(() => progress.end());
      if (flag(args, "json")) {
        printJson(io, { run: result.run, counts: result.run.counts, changes: result.changes });
      } else io.stdout(renderSync(result));
      return 0;
    });
  },
};

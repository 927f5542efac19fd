import { UsageError } from "../../errors.js";
import { backupDatabase } from "../../store/backup.js";
import { type Command, flag } from "../command.js";
import { withContext } from "../context.js";
import { printJson } from "../io.js";

export const backupCommand: Command = {
  name: "backup",
  summary: "an online, consistent copy of the database (the trail, requests, audits) to a file",
  usage: `gongops backup <file> [--json]

Copies the database (GONGOPS_DB_PATH) to <file> through SQLite's backup API, while gongops keeps running:
the copy is the database as it was at one instant, checked, in one file. It never overwrites a file.
Restore by stopping gongops and putting the copy in place of the database.`,
  maxPositionals: 1,
  options: { json: { type: "boolean" } },
  async run(args, io) {
    const [destination] = args.positionals;
    if (!destination) throw new UsageError("name the file to write the backup to");
    return withContext(io, [], async (ctx) => {
      const result = await backupDatabase(ctx.db, ctx.config.dbPath, destination);
      if (flag(args, "json")) printJson(io, { database: ctx.config.dbPath, ...result });
      else
        io.stdout(
          `Backed up ${ctx.config.dbPath} to ${result.file}: ${(result.bytes / 1_048_576).toFixed(1)} MB, checked.\n`,
        );
      return 0;
    });
  },
};

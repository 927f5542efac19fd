import { UsageError } from "../../errors.js";
import { backupDatabase } from "../../store/backup.js";
import { type CommandCode, flag } from "../command.js";
import { withContext } from "../context.js";
import { printJson } from "../io.js";

export const backupCommand: CommandCode = {
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

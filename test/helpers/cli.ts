import type { CliIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli.js";

/** Runs `gongops <argv>` in-process with captured stdout/stderr and the given environment. */
export async function cli(argv: string[], env: Record<string, string | undefined>) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stderrIsTTY: false,
    env,
    interrupted: new Promise(() => {}),
  };
  const code = await runCli(argv, io);
  return {
    code,
    stdout,
    stderr,
    json: () => JSON.parse(stdout) as Record<string, unknown> & Record<string, any>,
  };
}

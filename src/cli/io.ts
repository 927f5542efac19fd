import { printable } from "../printable.js";
import { processOutput, type StreamName } from "../stdio.js";

/**
 * Where a command's output goes. stdout carries results (one JSON document with --json); stderr carries
 * progress and logs. Tests pass their own buffers.
 */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress is drawn as a bar instead of plain lines. */
  stderrIsTTY: boolean;
  env: Record<string, string | undefined>;
  /** Resolves when the user asks to stop (Ctrl-C); long-running commands await it. */
  interrupted: Promise<void>;
  /**
   * Tells the listener once when stdout or stderr is found closed (its reader went away, EPIPE); writes
   * to it stop quietly. Only the real terminal has it: the app says so once on the other stream.
   */
  onOutputClosed?: (listener: (stream: StreamName) => void) => void;
}

/** The progress bar's own "back to the start of the line and clear it". */
const CLEAR_LINE = "\r\x1b[2K";

/**
 * The real terminal. Everything written is made printable (Gong text may carry escape sequences), but
 * for the progress bar's own line clearing. The first Ctrl-C or SIGTERM asks the command to stop (it
 * stops promptly and says where it got to); a second one exits at once with 130, and leases held by
 * the process are released on the way out (locks.repo.ts). A closed stdout or stderr (`| head`) ends
 * the writing to it, quietly (streams.ts).
 */
export function processIo(): CliIo {
  let signals = 0;
  const output = processOutput();
  return {
    stdout: (t) => output.write("stdout", printable(t)),
    stderr: (t) =>
      output.write(
        "stderr",
        t.startsWith(CLEAR_LINE) ? CLEAR_LINE + printable(t.slice(CLEAR_LINE.length)) : printable(t),
      ),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    interrupted: new Promise<void>((resolve) => {
      const onSignal = () => {
        signals++;
        if (signals === 1) return resolve();
        output.write("stderr", "\ngongops: stopping now\n");
        process.exit(130);
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
    }),
    onOutputClosed: (listener) => output.onClosed(listener),
  };
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

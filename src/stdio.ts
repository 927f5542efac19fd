/**
 * stdout and stderr as the process writes them, guarded against a reader that went away. `gongops … |
 * head` closes the pipe after a few lines; node then reports EPIPE as an 'error' event on the stream,
 * and with no listener that is an uncaught exception: a stack trace for a one-shot command, and in
 * `gongops start` a loop (the last-resort handler logs the error, that log line hits the same broken
 * pipe, and so on at 100% CPU, deaf to SIGTERM). Here a stream that fails is closed for good, quietly:
 * nothing more is written to it, and the failure never reaches the logger. Listeners (the app) may say
 * once, on the other stream, that it went away.
 */
export type StreamName = "stdout" | "stderr";

/** EPIPE (the reader closed its end) and its relatives: the stream can take no more writes. */
export function isClosedOutput(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EPIPE" || code === "ECONNRESET" || code === "ERR_STREAM_DESTROYED";
}

export interface GuardedOutput {
  write(stream: StreamName, text: string): void;
  isOpen(stream: StreamName): boolean;
  /** Called once per stream, when it is found closed. */
  onClosed(listener: (stream: StreamName) => void): void;
}

let shared: GuardedOutput | null = null;

/** The process's guarded stdout and stderr (one per process: the 'error' listeners are installed once). */
export function processOutput(): GuardedOutput {
  shared ??= guard({ stdout: process.stdout, stderr: process.stderr });
  return shared;
}

/** Guards two writable streams (exported for tests; the process uses processOutput()). */
export function guard(streams: Record<StreamName, NodeJS.WritableStream>): GuardedOutput {
  const closed = new Set<StreamName>();
  const listeners: ((stream: StreamName) => void)[] = [];
  const lose = (name: StreamName) => {
    if (closed.has(name)) return;
    closed.add(name);
    for (const listener of listeners) {
      try {
        listener(name);
      } catch {
        // A listener that fails to say so has nothing better to do: the stream is gone either way.
      }
    }
  };
  for (const name of ["stdout", "stderr"] as const) {
    // Any failure of an output stream (EPIPE, EIO on a vanished terminal) ends writing to it: an error
    // rethrown from here could only be reported by writing, which is what just failed.
    streams[name].on("error", () => lose(name));
  }
  return {
    write(name, text) {
      if (closed.has(name)) return;
      const stream = streams[name] as NodeJS.WritableStream & { destroyed?: boolean };
      if (stream.destroyed || !stream.writable) return lose(name);
      try {
        stream.write(text);
      } catch {
        lose(name);
      }
    },
    isOpen: (name) => !closed.has(name),
    onClosed: (listener) => void listeners.push(listener),
  };
}

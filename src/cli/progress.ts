import type { CliIo } from "./io.js";

/**
 * Renders service progress events on stderr: a bar redrawn in place on a terminal, plain lines (at most
 * one a second, plus every phase change) when stderr is a file or a pipe.
 */
export interface ProgressEvent {
  phase: string;
  done: number;
  total: number | null;
  requestsUsed: number;
  etaMs?: number | null;
}

function eta(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "";
  const s = Math.round(ms / 1000);
  return ` · ETA ${s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`}`;
}

export function progressLine(e: ProgressEvent, width = 24): string {
  const ratio = e.total ? Math.min(1, e.done / e.total) : null;
  const bar =
    ratio === null
      ? ""
      : `[${"#".repeat(Math.round(ratio * width)).padEnd(width, "-")}] ${Math.floor(ratio * 100)}% `;
  const count = e.total ? `${e.done}/${e.total}` : `${e.done}`;
  return `${bar}${e.phase} ${count} · ${e.requestsUsed} Gong requests${eta(e.etaMs)}`;
}

export function progressReporter(
  io: CliIo,
  now: () => number = Date.now,
): { update(e: ProgressEvent): void; end(): void } {
  let lastPhase = "";
  let lastAt = 0;
  let drawn = false;
  return {
    update(e) {
      if (io.stderrIsTTY) {
        io.stderr(`\r\x1b[2K${progressLine(e)}`);
        drawn = true;
        return;
      }
      const t = now();
      if (e.phase !== lastPhase || t - lastAt >= 1000) {
        io.stderr(`${progressLine(e)}\n`);
        lastPhase = e.phase;
        lastAt = t;
      }
    },
    end() {
      if (drawn) io.stderr("\r\x1b[2K");
      drawn = false;
    },
  };
}

import { describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { progressLine, progressReporter } from "../../src/cli/progress.js";
import { toCsv } from "../../src/csv.js";

function io(tty: boolean) {
  const out: string[] = [];
  const value: CliIo = {
    stdout: () => {},
    stderr: (t) => out.push(t),
    stderrIsTTY: tty,
    env: {},
    interrupted: new Promise(() => {}),
  };
  return { io: value, out };
}

describe("progress", () => {
  it("draws a bar with phase, counts, requests and ETA", () => {
    expect(
      progressLine({ phase: "checking calls", done: 50, total: 200, requestsUsed: 7, etaMs: 83_000 }, 8),
    ).toBe("[##------] 25% checking calls 50/200 · 7 Gong requests · ETA 1m23s");
  });

  it("redraws in place on a terminal and prints plain lines, at most one a second per phase, otherwise", () => {
    const tty = io(true);
    const bar = progressReporter(tty.io);
    bar.update({ phase: "a", done: 1, total: 2, requestsUsed: 1 });
    bar.end();
    expect(tty.out[0]?.startsWith("\r\u001b[2K[")).toBe(true);
    let clock = 0;
    const plain = io(false);
    const lines = progressReporter(plain.io, () => clock);
    for (let i = 0; i < 10; i++) lines.update({ phase: "listing", done: i, total: 10, requestsUsed: i });
    clock = 1500;
    lines.update({ phase: "listing", done: 10, total: 10, requestsUsed: 10 });
    lines.update({ phase: "done", done: 10, total: 10, requestsUsed: 10 });
    expect(plain.out).toHaveLength(3);
    expect(plain.out.every((l) => l.endsWith("\n") && !l.includes("\r"))).toBe(true);
  });
});

describe("csv", () => {
  it("quotes what needs quoting and defuses spreadsheet formulas from Gong text", () => {
    const csv = toCsv(
      [{ a: 'He said "hi", twice', b: '=HYPERLINK("http://evil")', c: null }],
      ["a", "b", "c"],
    );
    expect(csv).toBe('a,b,c\r\n"He said ""hi"", twice","\'=HYPERLINK(""http://evil"")",\r\n');
  });
});

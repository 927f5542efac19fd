import { describe, expect, it } from "vitest";
import { Metrics } from "../src/metrics.js";

/** The count of observations in `bucket` (cumulative, as Prometheus has it) and in all. */
function counts(text: string, le: string): { upTo: number; all: number } {
  const read = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  return {
    upTo: read(new RegExp(`^gongops_eventloop_delay_seconds_bucket\\{le="${le}"\\} (\\d+)$`, "m")),
    all: read(/^gongops_eventloop_delay_seconds_count (\d+)$/m),
  };
}

describe("event-loop delay in /metrics", () => {
  it("is a histogram that shows the loop held for 150 ms in its buckets above 0.1 s", async () => {
    const metrics = new Metrics();
    await new Promise((r) => setTimeout(r, 100));
    const before = counts((await metrics.render()).body, "0.1");
    expect(before.all).toBeGreaterThan(0);
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // holding the loop, as a long synchronous step would
    }
    await new Promise((r) => setTimeout(r, 60));
    const { body } = await metrics.render();
    expect(body).toContain("# TYPE gongops_eventloop_delay_seconds histogram");
    const after = counts(body, "0.1");
    // The sample due during the block ran at least 130 ms late: one more observation above 0.1 s.
    expect(after.all - after.upTo).toBeGreaterThan(before.all - before.upTo);
  });

  it("is the process's one histogram, shown by every registry", async () => {
    const a = new Metrics();
    const b = new Metrics();
    await new Promise((r) => setTimeout(r, 50));
    const countOf = async (m: Metrics) => counts((await m.render()).body, "+Inf").all;
    const [ca, cb] = [await countOf(a), await countOf(b)];
    expect(ca).toBeGreaterThan(0);
    expect(Math.abs(ca - cb)).toBeLessThanOrEqual(1);
  });
});

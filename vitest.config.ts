import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file gets its own process: the simulator and Bolt servers bind ports, and native sqlite
    // handles are per process.
    pool: "forks",
    // ...but the four worker processes are reused from file to file, with the modules they loaded
    // (Bolt, drizzle, undici, the app's own). Isolated, every one of the 100 files forked a new process
    // and loaded them again: the suite spent 527 s of CPU isolated and 346 s not, in two full runs a few
    // minutes apart on this two-core machine, both beside the same other work (the whole suite passed
    // both ways, and again with the files shuffled). Each file still closes what it opens (servers, databases, apps); nothing in a test
    // changes a global without restoring it.
    isolate: false,
    // Most of the slow tests wait (on rate limits, latency, child processes) rather than compute.
    maxWorkers: 4,
    // A failed test runs once more before it counts as failed: on these shared two-core machines a
    // process test's wait or the limiter's burst test can lose to the suite's own load (seen: one in
    // roughly 550 per run). A real defect fails both times; the reporter marks every retry, and the
    // closing notes name the tests that needed one.
    retry: 1,
  },
});

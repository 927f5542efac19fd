import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file gets its own process: the simulator and Bolt servers bind ports, and native sqlite
    // handles are per process.
    pool: "forks",
    // Most of the slow tests wait (on rate limits, latency, child processes) rather than compute.
    maxWorkers: 4,
  },
});

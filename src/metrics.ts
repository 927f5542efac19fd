/**
 * Prometheus metrics (GET /metrics), one registry per process, built by the composition root. Counters
 * for what this process did (Gong requests and retries, Slack acks); gauges read at scrape time for what
 * the database knows for every process (sync and audit runs by outcome, jobs by status, today's Gong
 * budget), so a scrape of any process tells the same story.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { GongObserver } from "./gong/http.js";

export interface MetricSources {
  /** Requests counted against today's budget, and the budget. */
  budget?: () => { used: number; quota: number } | null;
  /** Gong requests waiting in this process's limiter. */
  queued?: () => number;
  syncRuns?: () => Record<string, number>;
  auditRuns?: () => Record<string, number>;
  jobs?: () => Record<string, number>;
}

/** How often the event-loop delay is sampled. */
const LOOP_SAMPLE_MS = 20;
let loopDelay: Histogram | undefined;

/**
 * How long the event loop was held, as a Prometheus histogram: every 20 ms a timer notes how late it ran
 * (what a Slack ack arriving then would have waited). perf_hooks.monitorEventLoopDelay, which
 * bench:slack and the default metrics' nodejs_eventloop_lag_* gauges use, measures the same thing the
 * same way but keeps only percentiles, which cannot be turned into buckets exactly. The loop is the
 * process's: one sampler and one histogram, shown by every registry (unref'd: it keeps nothing alive).
 */
function eventLoopDelay(): Histogram {
  if (loopDelay) return loopDelay;
  const histogram = new Histogram({
    name: "gongops_eventloop_delay_seconds",
    help: "How late a timer due every 20 ms ran: how long the event loop was held (Slack acks wait that long)",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [],
  });
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    histogram.observe(Math.max(0, now - last - LOOP_SAMPLE_MS) / 1000);
    last = now;
  }, LOOP_SAMPLE_MS).unref();
  loopDelay = histogram;
  return histogram;
}

export class Metrics {
  readonly registry = new Registry();
  readonly gongRequests: Counter<"endpoint" | "status">;
  readonly gongRetries: Counter<"endpoint" | "reason">;
  readonly slackAck: Histogram<"listener">;
  private sources: MetricSources = {};

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "gongops_" });
    this.registry.registerMetric(eventLoopDelay());
    const registers = [this.registry];
    this.gongRequests = new Counter({
      name: "gongops_gong_requests_total",
      help: "Gong REST and SCIM answers, by endpoint and HTTP status (network-error when there was none)",
      labelNames: ["endpoint", "status"],
      registers,
    });
    this.gongRetries = new Counter({
      name: "gongops_gong_retries_total",
      help: "Gong requests retried, by reason: 429 (Retry-After honoured), 5xx or network",
      labelNames: ["endpoint", "reason"],
      registers,
    });
    this.slackAck = new Histogram({
      name: "gongops_slack_ack_seconds",
      help: "Time until a Slack request is acked (Slack allows 3 s): from its arrival where the HTTP front acks it, else from its listener's start",
      labelNames: ["listener"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3],
      registers,
    });
    const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          collect(this);
        },
      });
    gauge("gongops_gong_limiter_queued", "Gong requests waiting in this process's limiter", [], (g) => {
      const n = this.sources.queued?.();
      if (n !== undefined) g.set(n);
    });
    gauge("gongops_gong_budget_used_today", "Gong requests counted today (UTC) by every process", [], (g) => {
      const b = this.sources.budget?.();
      if (b) g.set(b.used);
    });
    gauge("gongops_gong_budget_quota", "GONG_DAILY_QUOTA", [], (g) => {
      const b = this.sources.budget?.();
      if (b) g.set(b.quota);
    });
    const byLabel = (label: string, read: () => Record<string, number> | undefined) => (g: Gauge) => {
      g.reset();
      for (const [value, n] of Object.entries(read() ?? {})) g.set({ [label]: value }, n);
    };
    gauge(
      "gongops_sync_runs",
      "Directory syncs recorded in the database, by outcome",
      ["outcome"],
      byLabel("outcome", () => this.sources.syncRuns?.()),
    );
    gauge(
      "gongops_audit_runs",
      "Inactive-user audits recorded in the database, by status",
      ["status"],
      byLabel("status", () => this.sources.auditRuns?.()),
    );
    gauge(
      "gongops_jobs",
      "Jobs in the durable queue, by status (dead ones need an admin: gongops jobs)",
      ["status"],
      byLabel("status", () => this.sources.jobs?.()),
    );
  }

  /** Where the scrape-time gauges read from (the composition root knows the repos and the limiter). */
  readFrom(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** Hands the Gong HTTP layer its hook. */
  gongObserver(): GongObserver {
    return {
      response: (endpoint, status) => this.gongRequests.inc({ endpoint, status: String(status) }),
      retry: (endpoint, reason) => this.gongRetries.inc({ endpoint, reason }),
    };
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

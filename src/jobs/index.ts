/** The durable job queue: define kinds, enqueue (in the caller's transaction if it likes), run a worker. */
export { type Backoff, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
export { defineJob, type JobContext, type JobDefinition, JobRegistry } from "./define.js";
export { DEFAULT_MAX_ATTEMPTS, type EnqueueOptions, enqueueJob } from "./enqueue.js";
export { RetryAfterError } from "./errors.js";
export {
  DEFAULT_WORKER_SETTINGS,
  describeError,
  JobWorker,
  type JobWorkerOptions,
  type JobWorkerSettings,
} from "./worker.js";

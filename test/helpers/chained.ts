/**
 * For a describe whose tests build on each other on one rig (who is filed, approved, done): a retry
 * (vitest.config.ts) of one of them meets what its first attempt left and cannot pass, so none is
 * retried, and a failure reports its own error.
 */
export const CHAINED = { retry: 0 };

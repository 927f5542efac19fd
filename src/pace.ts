/**
 * Keeping the event loop responsive while doing large synchronous work (SQLite through better-sqlite3 is
 * synchronous): do the work in chunks, yield between them, and size the chunks by measuring, so that no
 * single stretch blocks Slack acks and timers for more than a few tens of milliseconds.
 */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ChunkPacer {
  size: number;

  constructor(
    initial = 500,
    private readonly targetMs = 10,
    private readonly min = 20,
    private readonly max = 5000,
  ) {
    this.size = initial;
  }

  /** Runs one chunk of `size` items via `work`, then adapts the size toward the target duration. */
  async run(work: (size: number) => number | undefined): Promise<number | undefined> {
    const started = performance.now();
    const result = work(this.size);
    const elapsed = performance.now() - started;
    const scale = elapsed > 0 ? this.targetMs / elapsed : 2;
    this.size = Math.round(
      Math.min(this.max, Math.max(this.min, this.size * Math.min(2, Math.max(0.25, scale)))),
    );
    await yieldToLoop();
    return result;
  }
}

/**
 * Called by Slack listeners right after `ack()`: the work that follows waits for the next turn of the
 * event loop, so requests that arrived meanwhile are read and acked first. Acks then wait on other
 * requests' acks only, not on their lookups (measured in bench:slack).
 */
export const afterAck = yieldToLoop;

/**
 * Keeping the event loop responsive while doing large synchronous work (SQLite through better-sqlite3 is
 * synchronous): do the work in chunks, yield between them, and size the chunks by measuring, so that no
 * single stretch blocks Slack acks and timers for more than a few tens of milliseconds.
 */
export async function yieldToLoop(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  if (!stepAside?.()) return;
  const until = performance.now() + STEP_ASIDE_MAX_MS;
  while (stepAside?.() && performance.now() < until) await new Promise((r) => setTimeout(r, 2));
}

/**
 * While this says so, work that yields here waits before its next slice, at most STEP_ASIDE_MAX_MS at a
 * time: the Slack front's thread is acking a burst of requests (slack/front.ts), and on a machine of
 * two cores an audit's slices beside it made those acks wait for a core (bench:slack).
 */
let stepAside: (() => boolean) | null = null;
const STEP_ASIDE_MAX_MS = 100;

export function stepAsideWhile(busy: (() => boolean) | null): void {
  stepAside = busy;
}

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
 * Runs `work` over `items` a chunk at a time, chunks sized by `pacer` toward its target duration, and
 * yields to the event loop between chunks. A chunk that writes to SQLite is its own short transaction:
 * callers write only what is true on its own, so that stopping between any two chunks (a crash, a lost
 * lease) leaves nothing half-made visible (see each caller).
 */
export async function inChunks<T>(
  items: readonly T[],
  work: (chunk: readonly T[]) => void,
  pacer = new ChunkPacer(200),
): Promise<void> {
  for (let i = 0; i < items.length; ) {
    const from = i;
    i += (await pacer.run((n) => {
      const chunk = items.slice(from, from + n);
      work(chunk);
      return chunk.length;
    }))!;
  }
}

/**
 * Reads a keyset-paged source to its end: `page(after, limit)` returns up to `limit` rows whose key
 * comes after `after` (null: from the start), in key order. Yields to the event loop between pages.
 */
export async function readInPages<T, K>(
  page: (after: K | null, limit: number) => readonly T[],
  keyOf: (row: T) => K,
  pacer = new ChunkPacer(500),
): Promise<T[]> {
  const rows: T[] = [];
  let after: K | null = null;
  for (let more = true; more; ) {
    more =
      (await pacer.run((n) => {
        const got = page(after, n);
        for (const r of got) rows.push(r);
        if (got.length > 0) after = keyOf(got[got.length - 1]!);
        return got.length === n ? 1 : 0;
      })) === 1;
  }
  return rows;
}

/**
 * Called by Slack listeners right after `ack()`: the work that follows waits for the next turn of the
 * event loop, so requests that arrived meanwhile are read and acked first. Acks then wait on other
 * requests' acks only, not on their lookups (measured in bench:slack).
 */
export const afterAck = yieldToLoop;

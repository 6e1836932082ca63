import type { BufferRing } from './buffer-ring.js';

/**
 * Runs `fn` over `items` with at most `limit` at once; stops taking new items once `stop()` is true or
 * an item failed. Settles only when every started item has: a caller that cleans up after it (a pool
 * destroyed, a catalog closed) never does so under work still running. Rejects with the first failure.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async () => {
    while (next < items.length && !failed && !stop()) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (err) {
        if (!failed) firstError = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw firstError;
}

/** A buffer whose owner may change it (were it ever transferred, the pool hands it back as a new view). */
export interface Held {
  buf: Uint8Array;
}

/**
 * forEachLimit where each item runs with a buffer from `ring`: `fn` returns 'release' to give the
 * buffer back at once, or 'keep' when it hands the buffer on (its new owner releases it). The first
 * failure, or `signal`, aborts the `stop` signal `fn` gets and wakes every item waiting for a buffer.
 */
export async function forEachWithBuffer<T>(items: readonly T[], concurrency: number, ring: BufferRing, signal: AbortSignal,
  fn: (item: T, held: Held, stop: AbortSignal) => Promise<'keep' | 'release'>): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await forEachLimit(items, concurrency, async (item) => {
      const buf = await ring.acquire();
      if (!buf) return;
      if (stop.signal.aborted) {
        ring.release(buf);
        return;
      }
      const held = { buf };
      try {
        if ((await fn(item, held, stop.signal)) === 'release') ring.release(held.buf);
      } catch (err) {
        stop.abort(err);
        ring.close();
        throw err;
      }
    }, () => stop.signal.aborted);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (signal.aborted) throw signal.reason;
}

import type { Held } from './fetch.js';

/**
 * A fixed set of chunk buffers on SharedArrayBuffers: the pool's workers hash them in place (no
 * copy, no transfer). Transferring plain ArrayBuffers back and forth instead registers each one as
 * new external memory on every return, which makes V8 run full collections over and over.
 */
export class BufferRing {
  private readonly free: Uint8Array[] = [];
  private waiters: ((b: Uint8Array | undefined) => void)[] = [];
  private allocated = 0;
  private closed = false;
  constructor(private readonly count: number, private readonly size: number) {}
  /** A free buffer, or undefined once close() was called. */
  acquire(): Promise<Uint8Array | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const b = this.free.pop();
    if (b) return Promise.resolve(b);
    if (this.allocated < this.count) {
      this.allocated++;
      return Promise.resolve(new Uint8Array(new SharedArrayBuffer(this.size)));
    }
    return new Promise((r) => this.waiters.push(r));
  }
  release(b: Uint8Array): void {
    // A buffer lost with a failed hashing call is replaced.
    if (b.byteLength !== this.size) b = new Uint8Array(this.size);
    const w = this.waiters.shift();
    if (w) w(b);
    else this.free.push(b);
  }
  /** Wakes every waiter with undefined (the download is ending). */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}

/** Runs `concurrency` workers over `items`, each with a buffer from the ring; the first failure stops all. */
export async function forEachWithBuffer<T>(items: readonly T[], concurrency: number, ring: BufferRing, signal: AbortSignal,
  fn: (item: T, held: Held, stop: AbortSignal) => Promise<'keep' | 'release'>): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && !stop.signal.aborted && next < items.length) {
      const buf = await ring.acquire();
      if (!buf) return;
      if (failure || stop.signal.aborted || next >= items.length) {
        ring.release(buf);
        return;
      }
      const item = items[next++]!;
      const held = { buf };
      try {
        if ((await fn(item, held, stop.signal)) === 'release') ring.release(held.buf);
      } catch (err) {
        failure ??= { err };
        stop.abort(err);
        ring.close();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, items.length)) }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure.err;
  if (signal.aborted) throw signal.reason;
}

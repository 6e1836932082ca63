/**
 * The migration's memory bound: `count` x `commonSize` bytes of chunk buffers shared by every
 * archive in flight. A part is fetched, hashed and sent only while it holds its bytes, so memory
 * stays within the bound whatever the archives' sizes. The budget is counted in bytes, not in
 * buffers: a 64 KiB archive holds 64 KiB, so many small archives are in flight at once (each one a
 * few round trips: job output, PutObject) where whole chunk buffers would allow only `count`.
 * Buffers of the common size are reused; waiters are served strictly in order, so a whole chunk
 * is never starved by a stream of small ones.
 */
import type { Held } from './fetch-chunk.js';

interface Waiter {
  cost: number;
  go: () => void;
}

export class Slots {
  /** Bytes held by acquirers. */
  private used = 0;
  private readonly capacity: number;
  private readonly queue: Waiter[] = [];
  private readonly spare: Uint8Array[] = [];
  /** What each held buffer counts (its buffer may be transferred to a worker and come back as another view). */
  private readonly costs = new WeakMap<Held, number>();

  constructor(readonly count: number, private readonly commonSize: number) {
    this.capacity = count * commonSize;
  }

  /** Bytes a buffer for `size` bytes counts against the bound (a part larger than the common size counts as one). */
  private costOf(want: number): number {
    // Up to half a chunk gets a buffer of its own size; above that the common buffer is reused.
    return want <= this.commonSize / 2 ? want : this.commonSize;
  }

  /** Waits for its bytes; the held buffer is at least `size` bytes (a whole ArrayBuffer of its own). */
  async acquire(size: number, signal?: AbortSignal): Promise<Held> {
    signal?.throwIfAborted();
    const want = Math.max(size, 1);
    const cost = this.costOf(want);
    if (this.queue.length === 0 && this.used + cost <= this.capacity) this.used += cost;
    else {
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          cost,
          go: () => {
            signal?.removeEventListener('abort', stop);
            resolve();
          },
        };
        const stop = () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          // Its place may have held back smaller waiters behind it.
          this.grant();
          reject(signal!.reason);
        };
        this.queue.push(waiter);
        signal?.addEventListener('abort', stop, { once: true });
      });
    }
    const held = { buf: this.bufferFor(want, cost) };
    this.costs.set(held, cost);
    return held;
  }

  private bufferFor(want: number, cost: number): Uint8Array {
    if (cost < this.commonSize) {
      // Idle common buffers count against the bound too: give back what no longer fits.
      while (this.spare.length > 0 && this.used + this.spare.length * this.commonSize > this.capacity) this.spare.pop();
      return new Uint8Array(want);
    }
    if (want <= this.commonSize) {
      const buf = this.spare.pop();
      return buf && buf.byteLength === this.commonSize ? buf : new Uint8Array(this.commonSize);
    }
    return new Uint8Array(want);
  }

  release(held: Held): void {
    const cost = this.costs.get(held);
    if (cost === undefined) return; // released already
    this.costs.delete(held);
    if (held.buf.byteLength === this.commonSize && cost === this.commonSize) this.spare.push(held.buf);
    this.used -= cost;
    this.grant();
  }

  /** Lets waiters in, in order, while their bytes fit. */
  private grant(): void {
    while (this.queue.length > 0 && this.used + this.queue[0]!.cost <= this.capacity) {
      const w = this.queue.shift()!;
      this.used += w.cost;
      w.go();
    }
  }
}

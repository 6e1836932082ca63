/**
 * The migration's memory bound: `count` chunk buffers shared by every archive in flight. A part is
 * fetched, hashed and sent only while it holds a slot, so memory stays at count x chunk size
 * whatever the archives' sizes. Buffers of the common size are reused.
 */
import type { Held } from './fetch-chunk.js';

export class Slots {
  private free: number;
  private readonly queue: (() => void)[] = [];
  private readonly spare: Uint8Array[] = [];

  constructor(readonly count: number, private readonly commonSize: number) {
    this.free = count;
  }

  /** Waits for a slot; the held buffer is at least `size` bytes (a whole ArrayBuffer of its own). */
  async acquire(size: number, signal?: AbortSignal): Promise<Held> {
    if (this.free === 0) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', stop);
          resolve();
        };
        const stop = () => {
          const i = this.queue.indexOf(go);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal!.reason);
        };
        this.queue.push(go);
        signal?.addEventListener('abort', stop, { once: true });
      });
    } else this.free--;
    const want = Math.max(size, 1);
    if (want <= this.commonSize) {
      const buf = this.spare.pop();
      return { buf: buf && buf.byteLength === this.commonSize ? buf : new Uint8Array(this.commonSize) };
    }
    return { buf: new Uint8Array(want) };
  }

  release(held: Held): void {
    if (held.buf.byteLength === this.commonSize) this.spare.push(held.buf);
    const next = this.queue.shift();
    if (next) next();
    else this.free++;
  }
}

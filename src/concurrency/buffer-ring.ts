/**
 * A fixed set of reusable buffers on SharedArrayBuffers, for uploads' parts and downloads' chunks:
 * the pool's workers read them in place (no copy, no transfer). Transferring plain ArrayBuffers
 * back and forth instead registers each one as new external memory on every return, which makes
 * V8 run full collections over and over. Pages are touched only as data is written, so a short
 * last part costs no more than its bytes. Whoever waits for a free buffer gets one in call order.
 */
export class BufferRing {
  private readonly free: Uint8Array[] = [];
  private readonly waiters: ((b: Uint8Array | undefined) => void)[] = [];
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
    // A buffer lost with a failed hashing call (transferred away) is replaced.
    if (b.byteLength !== this.size) b = new Uint8Array(new SharedArrayBuffer(this.size));
    const w = this.waiters.shift();
    if (w) w(b);
    else this.free.push(b);
  }

  /** Wakes every waiter with undefined (the transfer is ending). */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}

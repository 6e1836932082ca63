/** A FIFO that lanes await: push from the staging loop, close when it ends. */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly takers: ((v: T | undefined) => void)[] = [];
  private closed = false;

  push(item: T): void {
    const taker = this.takers.shift();
    if (taker) taker(item);
    else this.items.push(item);
  }

  close(): void {
    this.closed = true;
    for (const t of this.takers.splice(0)) t(undefined);
  }

  /** The next item; undefined once closed and drained. */
  take(): Promise<T | undefined> {
    if (this.items.length) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.takers.push(resolve));
  }
}

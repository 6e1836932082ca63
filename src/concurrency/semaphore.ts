/** A counting semaphore: at most `available` holders at once, granted in call order. */
export class Semaphore {
  private readonly waiters: (() => void)[] = [];
  constructor(private available: number) {}

  async acquire(): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const w = this.waiters.shift();
    if (w) w();
    else this.available++;
  }
}

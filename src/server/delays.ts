/** Timed holds that end early when the server closes, so close() never waits out a long fault delay. */
export class Delays {
  private readonly pending = new Set<() => void>();

  wait(ms: number): Promise<void> {
    return new Promise<void>((ok) => {
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(done);
        ok();
      };
      const timer = setTimeout(done, ms);
      this.pending.add(done);
    });
  }

  finishAll(): void {
    for (const finish of [...this.pending]) finish();
  }
}

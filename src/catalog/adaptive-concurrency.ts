/**
 * Concurrency chosen from what the link does, for many small requests (sync's one-request uploads):
 * to keep a link busy, the requests in flight must cover its bandwidth x round trip, which no fixed
 * number does for both a LAN and a distant region. The probe measures the completion rate at one
 * level, doubles it while the rate grows by more than GAIN, and settles on the faster of the last two
 * levels (like TCP's slow start, on whole requests).
 */

/** A level must beat the one before by this factor to count as better. */
const GAIN = 1.15;
/** Once doubling stops, the higher level is kept only if it measured at least this much faster (else noise). */
const KEEP = 1.03;

export class ConcurrencyProbe {
  limit: number;
  private readonly max: number;
  private settled: boolean;
  private windowDone = 0;
  private windowStart: number;
  private best: { limit: number; rate: number } | undefined;

  /** `initial` in flight at first; never above `max` (equal: a fixed concurrency). */
  constructor(initial: number, max: number, private readonly now: () => number = () => performance.now()) {
    this.limit = Math.max(1, Math.min(initial, max));
    this.max = Math.max(this.limit, max);
    this.settled = this.limit >= this.max;
    this.windowStart = now();
  }

  /** The most it will ever allow in flight. */
  get ceiling(): number {
    return this.max;
  }

  /** Whether the probe has settled on its level. */
  get fixed(): boolean {
    return this.settled;
  }

  /** One request finished. Each level is measured over 2 x limit completions. */
  completed(): void {
    if (this.settled) return;
    if (++this.windowDone < 2 * this.limit) return;
    const t = this.now();
    const rate = this.windowDone / Math.max(t - this.windowStart, 1e-3);
    if (!this.best || rate > this.best.rate * GAIN) {
      this.best = { limit: this.limit, rate };
      if (this.limit >= this.max) this.settled = true;
      else this.limit = Math.min(this.max, this.limit * 2);
    } else {
      // Doubling no longer pays: stay at whichever of the two levels measured faster (a level that
      // helped a little is kept: on a link limited by bandwidth, the last doubling gains < GAIN).
      if (rate < this.best.rate * KEEP) this.limit = this.best.limit;
      this.settled = true;
    }
    this.windowDone = 0;
    this.windowStart = t;
  }
}

/**
 * Runs `fn` over `items` with at most `probe.limit` at once (read again as each item ends, so the
 * level may change); stops taking items once `stop()` is true or an item failed, and settles when
 * every started item has. Rejects with the first failure.
 */
export function forEachAdaptive<T>(items: readonly T[], probe: ConcurrencyProbe, fn: (item: T, index: number) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  let next = 0;
  let running = 0;
  let failed = false;
  let firstError: unknown;
  return new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (running < probe.limit && next < items.length && !failed && !stop()) {
        const i = next++;
        running++;
        fn(items[i]!, i).then(() => probe.completed(), (err: unknown) => {
          if (!failed) firstError = err;
          failed = true;
        }).finally(() => {
          running--;
          pump();
        });
      }
      if (running === 0 && (next >= items.length || failed || stop())) {
        if (failed) reject(firstError);
        else resolve();
      }
    };
    pump();
  });
}

/**
 * Pacing of retrieval jobs: a job is started only while the bytes staged (job started, not yet
 * copied) stay within a day's copying (measured) or the budget (maxBytesPerDay), and, with a
 * budget, while the bytes of jobs started in the last 24 hours stay within it. Staged output
 * expires about 24 hours after its job completes, so staging more than a day's copying wastes
 * retrievals.
 */
import { sleep } from '../glacier/retry.js';

const DAY_MS = 24 * 3600_000;
/** Before anything was copied, how much may be staged without a budget. */
export const INITIAL_STAGE_BYTES = 256 * 1024 ** 3;
/** At most this many archives staged at once, whatever their sizes (each costs a queue entry). */
export const MAX_STAGED_ARCHIVES = 2000;

export class Pacer {
  private staged = 0;
  private stagedCount = 0;
  private copied = 0;
  private readonly started = Date.now();
  /** (time, bytes) of jobs started in the last 24 h, oldest first; only kept with a budget. */
  private readonly recent: { at: number; bytes: number }[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly maxBytesPerDay: number | undefined, private readonly now = () => Date.now()) {}

  /** Bytes a day of copying moves, as measured so far (undefined before a minute of data). */
  measuredPerDay(): number | undefined {
    const elapsed = this.now() - this.started;
    return elapsed > 60_000 && this.copied > 0 ? (this.copied / elapsed) * DAY_MS : undefined;
  }

  /** How many bytes may be staged at once. */
  stageLimit(): number {
    return this.maxBytesPerDay ?? Math.max(INITIAL_STAGE_BYTES, this.measuredPerDay() ?? 0);
  }

  private fits(bytes: number): boolean {
    if (this.stagedCount >= MAX_STAGED_ARCHIVES) return false;
    // One archive always goes, however large: else an archive above the limit would never move.
    if (this.stagedCount > 0 && this.staged + bytes > this.stageLimit()) return false;
    if (this.maxBytesPerDay !== undefined) {
      while (this.recent.length && this.recent[0]!.at <= this.now() - DAY_MS) this.recent.shift();
      const day = this.recent.reduce((s, r) => s + r.bytes, 0);
      if (this.recent.length > 0 && day + bytes > this.maxBytesPerDay) return false;
    }
    return true;
  }

  /** Waits until `bytes` more may be staged, then counts them as staged. */
  async stage(bytes: number, signal?: AbortSignal, newJob = true): Promise<void> {
    while (!this.fits(bytes)) {
      const oldest = this.recent[0];
      // Woken by a copy finishing, or when the oldest job of the day's budget ages out.
      const waitMs = oldest && this.stagedCount === 0 ? Math.max(1, oldest.at + DAY_MS - this.now()) : 60_000;
      const timer = new AbortController();
      const both = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
      await Promise.race([new Promise<void>((r) => (this.wake = r)), sleep(waitMs, both).catch(() => undefined)]);
      timer.abort();
      signal?.throwIfAborted();
    }
    this.staged += bytes;
    this.stagedCount++;
    if (newJob && this.maxBytesPerDay !== undefined) this.recent.push({ at: this.now(), bytes });
  }

  /** An archive left the stage (copied, or failed): its bytes count as copied when it was. */
  release(bytes: number, copied: boolean): void {
    this.staged -= bytes;
    this.stagedCount--;
    if (copied) this.copied += bytes;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

// A vault's retrieval jobs, kept in ListJobs order (creation date, then id) beside a map by id, so a
// ListJobs page costs a binary search plus the page, and expired jobs go in one pass per sweep
// (20,000 jobs paged by 50 was quadratic: every page copied, filtered and sorted them all).
import type { JobRecord } from './store.js';

export const jobKey = (j: JobRecord): string => j.creationDate + j.jobId;

export class JobIndex {
  private readonly byId = new Map<string, JobRecord>();
  private readonly sorted: JobRecord[] = [];

  get size(): number {
    return this.byId.size;
  }

  get(id: string): JobRecord | undefined {
    return this.byId.get(id);
  }

  /** Adds a job (or replaces the one of the same id); new jobs land at the end, in O(log n). */
  set(job: JobRecord): void {
    const key = jobKey(job);
    const at = this.lowerBound(key);
    if (this.byId.has(job.jobId) && this.sorted[at]?.jobId === job.jobId) this.sorted[at] = job;
    else this.sorted.splice(at, 0, job);
    this.byId.set(job.jobId, job);
  }

  values(): IterableIterator<JobRecord> {
    return this.byId.values();
  }

  /**
   * Up to `limit` jobs after the key `after` that `keep` accepts, in order, and whether more follow
   * (cost: the jobs looked at, i.e. the page plus those filtered out on the way).
   */
  page(after: string | undefined, limit: number, keep: (j: JobRecord) => boolean): { page: JobRecord[]; more: boolean } {
    const page: JobRecord[] = [];
    let i = after === undefined ? 0 : this.upperBound(after);
    for (; i < this.sorted.length; i++) {
      const j = this.sorted[i]!;
      if (!keep(j)) continue;
      if (page.length === limit) return { page, more: true };
      page.push(j);
    }
    return { page, more: false };
  }

  /** Removes every job `expired` accepts, in one pass; returns them. */
  removeWhere(expired: (j: JobRecord) => boolean): JobRecord[] {
    const gone: JobRecord[] = [];
    let w = 0;
    for (const j of this.sorted) {
      if (expired(j)) {
        gone.push(j);
        this.byId.delete(j.jobId);
      } else {
        this.sorted[w++] = j;
      }
    }
    this.sorted.length = w;
    return gone;
  }

  /** First index whose key is >= key. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (jobKey(this.sorted[mid]!) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose key is > key. */
  private upperBound(key: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (jobKey(this.sorted[mid]!) <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

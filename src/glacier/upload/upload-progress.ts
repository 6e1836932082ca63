/** How uploadArchive reports progress: at most every 100 ms, plus a final report. */
const PROGRESS_INTERVAL_MS = 100;

export interface UploadProgress {
  /** Bytes hashed by the pool so far (skipped parts trusted from the journal are not re-hashed). */
  bytesHashed: number;
  /** Bytes Glacier confirmed in this run. */
  bytesUploaded: number;
  /**
   * Bytes of parts being sent but not yet confirmed (large parts streamed from a file count as
   * their bytes go out; a retried part starts again from 0). bytesUploaded + bytesInFlight is what
   * has been sent so far.
   */
  bytesInFlight: number;
  /** Bytes of parts Glacier already held (resume), not sent again. */
  bytesSkipped: number;
  /** Parts finished: uploaded + skipped. */
  partsDone: number;
  partsUploaded: number;
  partsSkipped: number;
  /** Known for files and byte arrays; for a stream only once it has ended. */
  partsTotal: number | undefined;
  totalBytes: number | undefined;
  partSize: number;
  /** Retried requests so far. */
  retries: number;
  uploadId: string | undefined;
  /** True on the final report of a successful upload. */
  done: boolean;
}

/** Throttles onProgress calls; an exception the callback throws fails the upload. */
export class ProgressReporter {
  readonly p: UploadProgress;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly cb: ((p: UploadProgress) => void) | undefined, private readonly onError: (err: unknown) => void, init: UploadProgress) {
    this.p = init;
  }

  /** Reports now if 100 ms have passed since the last report, else once they have. */
  changed(): void {
    if (!this.cb || this.timer) return;
    const wait = this.last + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) this.emit();
    else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.emit();
      }, wait);
      this.timer.unref();
    }
  }

  emit(): void {
    if (!this.cb) return;
    this.last = Date.now();
    try {
      this.cb({ ...this.p });
    } catch (err) {
      this.onError(err);
    }
  }

  final(done: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.p.done = done;
    this.emit();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}



import { Semaphore } from '../../concurrency/index.js';
import type { FilePartBody } from './file-range-body.js';
import type { JournalWriter, JournalPart } from './journal.js';
import type { ListedPart, MultipartUpload, PartHashes } from './multipart-upload.js';
import type { ProgressReporter } from './upload-progress.js';

/** A hashed part, ready to go: its bytes in memory, or its range of the file (streamed from disk). */
export interface HashedPart {
  index: number;
  size: number;
  hashes: PartHashes;
  body: Uint8Array | FilePartBody;
  /** Runs right before the part is sent (e.g. checks that the file is unchanged). */
  check?: () => Promise<void>;
}

/**
 * The one send loop of uploadArchive: every producer (file ranges, buffered ring, stream) hands
 * it hashed parts; it sends at most `concurrency` at once, in the order their hashes arrived,
 * skips a part Glacier already holds with the same tree hash, journals each finished part and
 * counts progress. The first failure stops it (`fail`), and parts still waiting are dropped.
 */
export class SendLoop {
  uploadedParts = 0;
  skippedParts = 0;
  private readonly slots: Semaphore;
  private readonly tasks = new Set<Promise<void>>();

  constructor(private readonly o: {
    upload: MultipartUpload; remote: Map<number, ListedPart>; journal: JournalWriter | undefined; journaled: Map<number, JournalPart> | undefined;
    concurrency: number; maxAttempts: number; signal: AbortSignal; progress: ProgressReporter;
    /** Records the first failure (and cancels everything in flight). */
    fail: (err: unknown) => void; failed: () => boolean;
  }) {
    this.slots = new Semaphore(o.concurrency);
  }

  /** Runs `work` as part of the upload: its failure fails the upload, and drain() waits for it. */
  track(work: Promise<void>): void {
    const t = work.catch(this.o.fail).finally(() => this.tasks.delete(t));
    this.tasks.add(t);
  }

  /** Queues a hashed part for sending; `done` runs once it is sent, skipped or dropped. */
  send(part: HashedPart, done?: () => void): void {
    this.track((async () => {
      await this.slots.acquire();
      try {
        if (this.o.failed()) return;
        await part.check?.();
        await this.finish(part);
      } finally {
        this.slots.release();
        done?.();
      }
    })());
  }

  /** A part Glacier holds that need not be read again (vouched for by the journal or re-hashed). */
  skipTrusted(known: ListedPart): void {
    const p = this.o.progress.p;
    this.skippedParts++;
    p.partsSkipped++;
    p.partsDone++;
    p.bytesSkipped += known.size;
    this.o.progress.changed();
  }

  /** Waits until every part in flight has settled. */
  async drain(): Promise<void> {
    while (this.tasks.size) await Promise.allSettled([...this.tasks]);
  }

  private async finish({ index, size, hashes, body }: HashedPart): Promise<void> {
    const { progress, remote } = this.o;
    const held = remote.get(index);
    if (held && held.treeHash === hashes.treeHash) {
      this.skippedParts++;
      progress.p.partsSkipped++;
      progress.p.bytesSkipped += size;
    } else {
      let inFlight = 0;
      try {
        await this.o.upload.uploadPart(index, body, hashes, {
          signal: this.o.signal, maxAttempts: this.o.maxAttempts, onRetry: () => {
            progress.p.retries++;
            progress.changed();
          },
          onBodyProgress: (bytes) => {
            progress.p.bytesInFlight += bytes - inFlight;
            inFlight = bytes;
            progress.changed();
          },
        });
      } finally {
        progress.p.bytesInFlight -= inFlight;
      }
      this.uploadedParts++;
      progress.p.partsUploaded++;
      progress.p.bytesUploaded += size;
    }
    if (this.o.journal && this.o.journaled?.get(index)?.treeHash !== hashes.treeHash) await this.o.journal.recordPart(index, hashes.treeHash, size);
    progress.p.partsDone++;
    progress.changed();
  }
}

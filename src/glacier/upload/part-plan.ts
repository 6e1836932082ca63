import { ResumeMismatchError } from '../errors.js';
import { raceAbort } from '../retry.js';
import type { PartReader } from '../sources.js';
import type { JournalPart } from './journal.js';
import type { ListedPart } from './multipart-upload.js';
import type { Pool } from './upload-options.js';
import type { UploadProgress } from './upload-progress.js';

/**
 * What a part of a resumed upload needs:
 * - 'trusted': Glacier holds it and the journal vouches for it (same tree hash, and the file's
 *   whole identity unchanged since the journal was written, and no `verify`): not read again;
 * - 'rehash': Glacier holds it but nothing vouches for it: hashed from the bytes on disk now,
 *   then trusted only if that hash is Glacier's;
 * - 'send': Glacier lacks it (or holds other bytes): read, hashed and sent.
 */
export type PartDecision = 'trusted' | 'rehash' | 'send';

export interface PartPlanInput {
  reader: PartReader;
  /** The parts Glacier holds (ListParts). */
  remote: Map<number, ListedPart>;
  /** The parts the journal recorded, if there is a journal. */
  journaled: Map<number, JournalPart> | undefined;
  /** The journal may vouch for parts: the file's identity matches its record and `verify` is off. */
  trustJournal: boolean;
}

/** The one place a resume decides, part by part, whether to trust, re-hash or send. */
export class PartPlan {
  /** Held parts re-hashed from disk: index -> tree hash of the bytes there now. */
  private readonly onDisk = new Map<number, string>();

  constructor(private readonly i: PartPlanInput) {}

  /** The decision before any re-hashing (for a part of `size` bytes, when known). */
  decision(index: number): PartDecision {
    const { remote, journaled, trustJournal, reader } = this.i;
    const held = remote.get(index);
    if (!held || reader.kind !== 'file') return 'send';
    if (trustJournal && journaled?.get(index)?.treeHash === held.treeHash) return 'trusted';
    return 'rehash';
  }

  /** Held parts to hash from disk before anything is sent, in index order. */
  toRehash(): number[] {
    return [...this.i.remote.keys()].sort((a, b) => a - b).filter((index) => this.decision(index) === 'rehash');
  }

  /**
   * Hashes the 'rehash' parts from the bytes on disk now (through the reader's open descriptor).
   * When none of the held parts matches the file, the upload belongs to another file (or the file
   * was replaced): refused before any part is sent, unless `force`.
   */
  async rehash(pool: Pool, partSize: number, signal: AbortSignal, progress: UploadProgress, check: { force?: boolean; uploadId: string }): Promise<void> {
    const { reader, remote } = this.i;
    const toHash = this.toRehash();
    if (!reader.file || toHash.length === 0) return;
    const opened = reader.opened;
    const hashed = await raceAbort(pool.hashFile(reader.file.path, { partSize, parts: toHash, signal, ...(opened ? { opened } : {}) }), signal);
    for (const h of hashed.parts) {
      this.onDisk.set(h.index, h.treeHash);
      progress.bytesHashed += h.last - h.first + 1;
    }
    const held = [...remote.keys()].sort((a, b) => a - b);
    if (check.force || held.some((i) => this.decision(i) === 'trusted' || this.onDisk.get(i) === remote.get(i)!.treeHash)) return;
    const first = held[0]!;
    throw new ResumeMismatchError(
      `None of the ${held.length} part${held.length === 1 ? '' : 's'} that upload ${check.uploadId} holds matches ${reader.file.path} (part ${first}: ` +
      `Glacier holds tree hash ${remote.get(first)!.treeHash}, the file has ${this.onDisk.get(first)}): the upload belongs to another file, ` +
      `or this file was replaced. Nothing was sent. Pass force: true (CLI: --force) to replace its parts with this file's, ` +
      `or start a new upload without the upload id or journal (and abort ${check.uploadId}).`);
  }

  /**
   * After rehash(): the part Glacier holds when it needs no reading (trusted by the journal, or
   * re-hashed to Glacier's tree hash), with its true size; undefined when it must be sent.
   */
  trusted(index: number, size: number): ListedPart | undefined {
    const held = this.i.remote.get(index);
    const decision = this.decision(index);
    if (!held || decision === 'send') return undefined;
    if (decision === 'rehash') return this.onDisk.get(index) === held.treeHash ? { ...held, size } : undefined;
    // Equal tree hashes mean equal bytes (and so equal sizes, whatever a quirky listed range says).
    return this.i.journaled?.get(index)?.size === size ? { ...held, size } : undefined;
  }
}

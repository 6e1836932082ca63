// Archive bytes on disk: receiving a checked body into tmp/, and reading (or hashing) a byte range.
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { invalidParameter } from './errors.js';
import type { Stats } from './context.js';
import { MiB, StreamingTreeHash, combineDigests } from './hash.js';
import { readLeaves } from './leaves.js';
import { contentSha256Header, contentSha256Mismatch, treeHashHeader } from './headers.js';
import { receiveBody, type BodyIdle } from './http-util.js';
import type { ArchiveRecord, Store, Vault } from './store.js';

/**
 * Streams a body of archive data to a temp file while hashing it with node:crypto, then checks the
 * two hashes the client sent. On success the caller owns `tmp` (and removes it); on a mismatch it
 * is removed here.
 */
export async function receiveArchiveData(store: Store, req: IncomingMessage, contentLength: number, idleMs: BodyIdle) {
  const sentTree = treeHashHeader(req);
  const sentSha = contentSha256Header(req);
  const tmp = store.tmpPath();
  const got = await receiveBody(req, tmp, contentLength, idleMs);
  if (got.sha256 !== sentSha || got.treeHash !== sentTree) {
    await rm(tmp, { force: true });
    if (got.sha256 !== sentSha) throw contentSha256Mismatch(got.sha256, sentSha);
    throw invalidParameter(`Checksum mismatch: expected ${sentTree}, computed ${got.treeHash}`);
  }
  return { tmp, got };
}

/** Yields archive bytes [first, last] from its part files, streaming. */
export async function* readArchiveRange(store: Store, vault: Vault, archive: ArchiveRecord, first: number, last: number): AsyncGenerator<Buffer> {
  const dir = store.archiveDir(vault, archive.archiveId);
  let offset = 0;
  for (const f of archive.files) {
    const fFirst = offset;
    const fLast = offset + f.size - 1;
    offset += f.size;
    if (fLast < first || fFirst > last) continue;
    const start = Math.max(first, fFirst) - fFirst;
    const end = Math.min(last, fLast) - fFirst;
    for await (const chunk of createReadStream(join(dir, f.file), { start, end, highWaterMark: MiB })) {
      yield chunk as Buffer;
    }
  }
}

/** Tree hash of archive bytes [first, last] by reading and hashing them (archives without leaves). */
export async function hashArchiveRange(store: Store, vault: Vault, archive: ArchiveRecord, first: number, last: number): Promise<string> {
  const h = new StreamingTreeHash({ linear: false });
  for await (const chunk of readArchiveRange(store, vault, archive, first, last)) h.update(chunk);
  return h.digest().treeHash;
}

/**
 * Tree hash of archive bytes [first, last], `first` on a MiB boundary: combined from the archive's
 * stored leaf digests (as Glacier answers from the hashes it stored at upload, so bytes changed on
 * disk since then do not change the answer), or, for an archive stored without leaves, hashed from
 * its bytes. stats: 'RangeTreeHash:leaves' counts leaves combined, 'RangeTreeHash:hashedBytes'
 * bytes read and hashed.
 */
export async function rangeTreeHash(
  store: Store, vault: Vault, archive: ArchiveRecord, first: number, last: number, stats: Stats,
): Promise<string> {
  if (first % MiB !== 0) throw new Error(`range ${first}-${last} does not start on a MiB boundary`);
  const path = await store.checkedLeavesPath(vault, archive);
  if (path !== undefined) {
    const count = Math.floor(last / MiB) - first / MiB + 1;
    const leaves = await readLeaves(path, first / MiB, count);
    stats.bump('RangeTreeHash:leaves', count);
    return combineDigests(leaves).toString('hex');
  }
  stats.bump('RangeTreeHash:hashedBytes', last - first + 1);
  return hashArchiveRange(store, vault, archive, first, last);
}

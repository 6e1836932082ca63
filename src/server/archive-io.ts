// Archive bytes on disk: receiving a checked body into tmp/, and reading (or hashing) a byte range.
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { invalidParameter } from './errors.js';
import { MiB, StreamingTreeHash } from './hash.js';
import { contentSha256Header, contentSha256Mismatch, treeHashHeader } from './headers.js';
import { receiveBody } from './http-util.js';
import type { ArchiveRecord, Store, Vault } from './store.js';

/**
 * Streams a body of archive data to a temp file while hashing it with node:crypto, then checks the
 * two hashes the client sent. On success the caller owns `tmp` (and removes it); on a mismatch it
 * is removed here.
 */
export async function receiveArchiveData(store: Store, req: IncomingMessage, contentLength: number, idleMs: number) {
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

export async function hashArchiveRange(store: Store, vault: Vault, archive: ArchiveRecord, first: number, last: number): Promise<string> {
  const h = new StreamingTreeHash({ linear: false });
  for await (const chunk of readArchiveRange(store, vault, archive, first, last)) h.update(chunk);
  return h.digest().treeHash;
}

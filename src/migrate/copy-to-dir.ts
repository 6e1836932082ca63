/**
 * One archive into a directory: verified chunks written at their offsets into '<file>.migrate-part'
 * (opened without following a symlink, in directories checked to be real ones under the root), the
 * chunks' tree hashes combined and compared with the archive's, then fsync and rename. Nothing is
 * ever written through a symlink or outside the directory.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { combineChunkTreeHashes } from '../glacier/download/chunk-plan.js';
import { UnsafeDestinationError } from '../glacier/download/download-errors.js';
import { archiveMismatch } from './errors.js';
import { archiveSignal, chunkTarget, partSizeFor, type CopyArchive, type CopyContext, type CopyResult } from './copy-context.js';
import { fetchChunk } from './fetch-chunk.js';

const code = (err: unknown) => (err as NodeJS.ErrnoException)?.code;

/** Creates (or checks) every directory of `key` under root: each must be a real directory, never a symlink. */
async function safeParent(root: string, a: CopyArchive): Promise<void> {
  const segments = a.key.split('/').slice(0, -1);
  // The root itself is the user's choice (it may be a symlink); what is below it is checked.
  await mkdir(root, { recursive: true });
  let at = root;
  for (const s of segments) {
    at = join(at, s);
    try {
      const st = await lstat(at);
      if (st.isSymbolicLink() || !st.isDirectory()) {
        throw new UnsafeDestinationError(a.key, { operation: 'migrate', link: at, detail: st.isSymbolicLink() ? 'is a symbolic link' : 'is not a directory' });
      }
    } catch (err) {
      if (code(err) !== 'ENOENT') throw err;
      await mkdir(at).catch((e: unknown) => { if (code(e) !== 'EEXIST') throw e; });
    }
  }
}

export type ExistingFile = { kind: 'absent' } | { kind: 'ours'; treeHash: string } | { kind: 'other'; why: string };

/** The file at the key: absent, this archive (same tree hash, copied by an earlier run), or something else. */
export async function existingFile(ctx: CopyContext, root: string, a: Pick<CopyArchive, 'key' | 'treeHash' | 'size'>): Promise<ExistingFile> {
  const path = join(root, a.key);
  try {
    const st = await lstat(path);
    if (!st.isFile()) return { kind: 'other', why: `${path} exists and is not a regular file; it is left alone` };
    if (st.size === a.size) {
      const h = await ctx.pool.hashFile(path, { signal: ctx.signal });
      if (h.treeHash === a.treeHash) return { kind: 'ours', treeHash: h.treeHash };
    }
    return { kind: 'other', why: `${path} exists with other content; it is not overwritten: give this archive another name (a CSV name override)` };
  } catch (err) {
    if (code(err) === 'ENOENT') return { kind: 'absent' };
    throw err;
  }
}

export async function copyToDir(ctx: CopyContext, root: string, a: CopyArchive): Promise<CopyResult> {
  await safeParent(root, a);
  const final = join(root, a.key);
  const temp = `${final}.migrate-part`;
  await unlink(temp).catch(() => undefined);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  let ok = false;
  try {
    const partSize = partSizeFor(a.size, ctx.chunkSize);
    const count = Math.ceil(a.size / partSize);
    const hashes: { first: number; size: number; treeHash: string }[] = new Array(count);
    const { stop, signal } = archiveSignal(ctx);
    const target = chunkTarget(ctx, a);
    const tasks: Promise<void>[] = [];
    let failure: unknown;
    for (let i = 0; i < count && !signal.aborted; i++) {
      const first = i * partSize;
      const size = Math.min(partSize, a.size - first);
      const held = await ctx.slots.acquire(size, signal).catch(() => undefined);
      if (!held) break;
      tasks.push((async () => {
        try {
          const c = await fetchChunk(target, first, first + size - 1, held, signal);
          ctx.stats.bytesFetched += size;
          await handle.write(held.buf, 0, size, first);
          hashes[i] = { first, size, treeHash: c.treeHash };
          ctx.stats.partsUploaded++;
          ctx.onBytes(size);
        } catch (err) {
          failure ??= err;
          stop.abort(err);
        } finally {
          ctx.slots.release(held);
        }
      })());
    }
    await Promise.all(tasks);
    if (failure !== undefined) throw failure;
    ctx.signal.throwIfAborted();
    const treeHash = count === 0 ? 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' : combineChunkTreeHashes(hashes);
    if (treeHash !== a.treeHash) {
      throw archiveMismatch(a, treeHash);
    }
    await handle.datasync();
    ok = true;
    return { etag: '', checksum: treeHash };
  } finally {
    await handle.close();
    if (ok) await rename(temp, final);
    else await unlink(temp).catch(() => undefined);
  }
}

import { constants } from 'node:fs';
import { access, lstat, open, rename, stat, statfs, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BufferRing, forEachWithBuffer } from '../../concurrency/index.js';
import { DestinationExistsError, DiskFullError, InvalidDownloadOptionError, UnsafeDestinationError } from './download-errors.js';
import { hashHeld } from './fetch.js';
import type { Session } from './session.js';

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Before any request: refuse to replace a file unasked, and fail early on a missing or read-only folder. */
export async function checkDestination(destination: string, overwrite: boolean): Promise<void> {
  for (const path of [destination, `${destination}.part`]) {
    if ((await lstat(path).catch(() => undefined))?.isSymbolicLink()) throw new UnsafeDestinationError(path);
  }
  const info = await stat(destination).catch(() => undefined);
  if (info?.isDirectory()) throw new InvalidDownloadOptionError('destination', `${destination} is a directory: name the file to write, e.g. ${destination}/archive.bin.`);
  if (info && !overwrite) throw new DestinationExistsError(destination);
  try {
    await access(dirname(destination), constants.W_OK);
  } catch (err) {
    throw new InvalidDownloadOptionError('destination',
      `Cannot write into ${dirname(destination)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): create the folder or pick a writable one.`);
  }
}

/**
 * Bytes beat records: each chunk the journal calls verified is read back from the partial file and
 * hashed again; one that does not match its recorded hash is fetched again.
 */
async function recheckPartial(s: Session, fh: FileHandle, concurrency: number): Promise<void> {
  const records = [...s.verified.values()];
  const ring = new BufferRing(concurrency, Math.max(...records.map((c) => c.last - c.first + 1)));
  await forEachWithBuffer(records, concurrency, ring, s.signal, async (c, held) => {
    const size = c.last - c.first + 1;
    const { bytesRead } = await fh.read(held.buf, 0, size, c.first);
    const ok = bytesRead === size && (await hashHeld(s.pool, held, size)) === c.treeHash;
    if (!ok) s.verified.delete(c.index);
    return 'release';
  });
}

/** Opens `<destination>.part`; keeps the journal's chunks only if the file is there with the right size. */
export async function openPartial(s: Session, partFile: string, outputSize: number, concurrency: number): Promise<FileHandle> {
  const info = await stat(partFile).catch(() => undefined);
  if (!info || info.size !== outputSize) s.verified.clear();
  // O_NOFOLLOW: a link put in its place is refused, never written through. Mode 0666: the
  // finished file gets the mode any new file gets under the user's umask.
  const flags = (info ? constants.O_RDWR : constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC) | constants.O_NOFOLLOW;
  const fh = await open(partFile, flags, 0o666).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ELOOP' ? new UnsafeDestinationError(partFile, { cause: err }) : err;
  });
  try {
    if (s.verified.size) await recheckPartial(s, fh, concurrency);
    let needed = outputSize;
    for (const c of s.verified.values()) needed -= c.last - c.first + 1;
    const fsInfo = await statfs(dirname(partFile)).catch(() => undefined);
    // A sparse file reserves nothing: count what is still to be written (an estimate: a sparse
    // partial file may already hold some of those blocks).
    if (fsInfo && fsInfo.bavail * fsInfo.bsize < needed) {
      throw new DiskFullError(partFile, `${needed} bytes still to write, ${fsInfo.bavail * fsInfo.bsize} free`);
    }
    await fh.truncate(outputSize);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Makes the verified bytes the destination: fsync, close, rename, and fsync the folder so the rename lasts. */
export async function commitPartial(fh: FileHandle, partFile: string, destination: string): Promise<void> {
  await fh.sync();
  await fh.close();
  await rename(partFile, destination);
  await syncDir(dirname(destination));
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r').catch(() => undefined);
  await d?.sync().catch(() => undefined);
  await d?.close();
}

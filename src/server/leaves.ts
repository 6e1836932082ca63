// Stored leaf digests: the SHA-256 of every 1 MiB of an archive (32 bytes each, in order, in one
// binary file beside its metadata). Glacier keeps these hashes; keeping them here lets GetJobOutput
// answer a range's tree hash by combining digests instead of reading and hashing the range again.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDir } from './fsutil.js';
import { MiB } from './hash.js';

export const DIGEST_BYTES = 32;

/** Leaves of a payload of `size` bytes: one per started MiB, and one (of the empty string) for 0 B. */
export const leafCount = (size: number): number => Math.max(1, Math.ceil(size / MiB));

/** Writes leaf digests atomically and durably: temp file, fsync, rename, fsync the directory. */
export async function writeLeaves(path: string, leaves: readonly Buffer[]): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(Buffer.concat(leaves)); // writeFile continues after a short write; writev does not
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  await syncDir(dirname(path));
}

/** Reads `count` leaf digests from index `first`; throws when the file holds fewer. */
export async function readLeaves(path: string, first: number, count: number): Promise<Buffer[]> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(count * DIGEST_BYTES);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, first * DIGEST_BYTES + got);
      if (bytesRead === 0) throw new Error(`leaf file ${path} is short: ${got} of ${buf.length} bytes at leaf ${first}`);
      got += bytesRead;
    }
    const out: Buffer[] = [];
    for (let i = 0; i < count; i++) out.push(buf.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES));
    return out;
  } finally {
    await fh.close();
  }
}

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync a directory so a rename inside it survives a crash (best effort where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  } finally {
    await fh?.close();
  }
}

/**
 * Writes JSON atomically: a temp file in the same directory, fsync, rename over the target, fsync
 * the directory. A crash at any moment leaves either the old or the new content, never a torn file.
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(value));
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

/** A keyed mutex: calls with the same key run one after another, in call order. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(fn, fn);
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/** Appends one line and fsyncs it: an acknowledged record survives a crash; a torn last line is skipped on reading. */
export async function appendLineDurable(path: string, line: string): Promise<void> {
  const fh = await open(path, 'a');
  try {
    await fh.writeFile(`${line}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The JSON lines of a file appended by appendLineDurable (none when it is missing; a torn line skipped). */
export async function readJsonLines<T>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a line torn by a crash mid-append was never acknowledged
    }
  }
  return out;
}

/** Writes text pieces to a new file, one write (and event-loop turn) each, then fsyncs; returns its bytes. */
export async function writePieces(path: string, pieces: Iterable<string>): Promise<number> {
  const fh = await open(path, 'w');
  let size = 0;
  try {
    for (const piece of pieces) {
      const buf = Buffer.from(piece, 'utf8');
      await fh.writeFile(buf);
      size += buf.length;
    }
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(path, { force: true });
    throw err;
  }
  await fh.close();
  return size;
}

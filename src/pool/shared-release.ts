/**
 * Worker side: lets go of the SharedArrayBuffers a hashPart task brought, so a long-lived pool
 * does not keep every shared part it was ever given.
 *
 * Why this is needed: a SharedArrayBuffer view that reaches a worker in a task message becomes an
 * object of the worker's own heap, and that object holds the buffer's memory (for every thread)
 * until the worker's garbage collector finds it dead. V8 does not count memory shared from another
 * thread towards the worker's collection pressure, and a pool worker allocates almost nothing of
 * its own (it hashes in place and sleeps in Atomics.wait between tasks), so that collection never
 * came: every buffer of every upload stayed alive until destroy() (issue 9 §4).
 *
 * So after a task the worker drops its references to the shared views and, once enough shared
 * bytes went through since the last time, runs a young-generation collection (~0.1 ms: the views
 * of recent tasks are young objects), plus now and then a full one for views that an unlucky
 * collection during a task promoted to the old generation.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Shared bytes between two young-generation collections: bounds what one idle thread may hold. */
export const SHARED_MINOR_GC_BYTES = 8 * 1024 * 1024;
/** Shared bytes between two full collections (a full one costs milliseconds; this is ~0.5 s of hashing). */
export const SHARED_MAJOR_GC_BYTES = 1024 * 1024 * 1024;

type Collect = (options?: { type?: 'minor' | 'major' }) => void;

let collector: Collect | null | undefined;
let sinceMinor = 0;
let sinceMajor = 0;

/**
 * The engine's collector. Exposed when the process runs with --expose-gc; otherwise taken from a
 * fresh context with the flag set for that moment only (the way jest's leak detector does), so the
 * host's own contexts do not gain a global `gc`. null where neither works: then memory behaves as
 * before (freed when the worker collects on its own, or at destroy()).
 */
function getCollector(): Collect | null {
  if (collector !== undefined) return collector;
  const exposed = (globalThis as { gc?: Collect }).gc;
  if (typeof exposed === 'function') return (collector = exposed);
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    collector = typeof gc === 'function' ? (gc as Collect) : null;
  } catch {
    collector = null;
  } finally {
    try {
      setFlagsFromString('--no-expose-gc');
    } catch {
      // Nothing to restore.
    }
  }
  return collector;
}

/**
 * Empties `parts` (the task's array, which the task message still references after the handler
 * returns) of its shared views and collects when due. Call after the result no longer needs them.
 */
export function releaseSharedParts(parts: Uint8Array[]): void {
  let shared = 0;
  for (const p of parts) if (p.buffer instanceof SharedArrayBuffer) shared += p.byteLength;
  parts.length = 0;
  if (shared === 0) return;
  sinceMinor += shared;
  sinceMajor += shared;
  if (sinceMinor < SHARED_MINOR_GC_BYTES) return;
  const gc = getCollector();
  if (gc === null) return;
  if (sinceMajor >= SHARED_MAJOR_GC_BYTES) {
    sinceMajor = 0;
    gc({ type: 'major' });
  } else {
    gc({ type: 'minor' });
  }
  sinceMinor = 0;
}

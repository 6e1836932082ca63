/**
 * How a hashPart caller's bytes travel to a worker without being copied (the buffer rules
 * documented on HashPool):
 * - a view on a SharedArrayBuffer is shared with the worker, never copied or detached, and
 *   `result.data` is that same view object;
 * - a view covering its whole ArrayBuffer (byteOffset 0, byteLength == buffer.byteLength) is
 *   TRANSFERRED: from the call on, the caller's view is detached (byteLength 0); `result.data` is a
 *   new view over the same memory, moved back. If the call fails, the bytes are gone with it;
 * - any other view (for example a small Buffer sliced from Node's shared pool slab) cannot be
 *   transferred without taking bytes that are not the caller's, so it is copied once, at the call,
 *   into a buffer of its own that is transferred; the caller's view is left untouched. So is a
 *   buffer that cannot be transferred at all (a WebAssembly.Memory's). This is the only copy.
 */
import { InvalidPartDataError } from './errors.js';
import { MAX_PART_SIZE } from '../options.js';
import { describe } from './describe-value.js';

export interface TakenPart {
  /** What travels to the worker: the caller's shared view, or an exact-cover view we own. */
  sent: Uint8Array;
  shared: boolean;
}

/**
 * Checks the part and does the transfer or the one copy now, so the caller's view behaves the same
 * whenever the part actually leaves the queue.
 */
export function takePart(data: Uint8Array): TakenPart {
  if (!(data instanceof Uint8Array)) {
    throw new InvalidPartDataError(`hashPart expects the part's bytes as a Uint8Array (or Buffer); got ${describe(data)}.`);
  }
  if (data.byteLength > MAX_PART_SIZE) {
    throw new InvalidPartDataError(`A Glacier part is at most 4 GiB (4294967296 bytes); got ${data.byteLength} bytes.`);
  }
  const buf = data.buffer;
  if (buf instanceof SharedArrayBuffer) return { sent: data, shared: true };
  if (data.byteLength === 0 && isDetached(buf)) {
    throw new InvalidPartDataError(
      "hashPart was given a view whose ArrayBuffer is detached: it was transferred away (for example to an earlier hashPart call, whose result.data now holds the bytes). Pass result.data, or a SharedArrayBuffer-backed view to keep the buffer.",
    );
  }
  if (data.byteOffset === 0 && data.byteLength === buf.byteLength) {
    try {
      // Moves the memory to a new ArrayBuffer (no copy) and detaches the caller's, as postMessage would.
      const moved = structuredClone(buf, { transfer: [buf] });
      return { sent: new Uint8Array(moved), shared: false };
    } catch {
      // Not transferable (a WebAssembly.Memory buffer, or one Node marked untransferable): copy.
    }
  }
  return { sent: new Uint8Array(data), shared: false };
}

/** The buffers a task must transfer (not the shared ones, which the worker reads in place). */
export function transferList(parts: readonly TakenPart[]): ArrayBuffer[] {
  return parts.filter((p) => !p.shared).map((p) => p.sent.buffer as ArrayBuffer);
}

function isDetached(buf: ArrayBuffer): boolean {
  if (buf.byteLength !== 0) return false;
  try {
    new Uint8Array(buf);
    return false;
  } catch {
    return true;
  }
}

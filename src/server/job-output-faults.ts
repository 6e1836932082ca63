// Faults on a GetJobOutput body (TruncatedBody, FlippedByte, StalledBody): each acts at the middle
// of the bytes sent, so a client downloading in chunks sees exactly one bad chunk per fault.
import type { Delays } from './delays.js';
import type { FaultKind } from './types.js';

export const BODY_FAULTS: readonly FaultKind[] = ['TruncatedBody', 'FlippedByte', 'StalledBody'];

export async function* withBodyFault(
  source: AsyncIterable<Buffer>, total: number, kind: FaultKind, delays: Delays, delayMs: number,
): AsyncGenerator<Buffer> {
  const middle = Math.floor(total / 2);
  let offset = 0;
  for await (const chunk of source) {
    const start = offset;
    offset += chunk.length;
    if (offset <= middle || start > middle) {
      yield chunk;
      continue;
    }
    // This chunk holds the middle byte: split it there.
    const cut = middle - start;
    if (cut > 0) yield chunk.subarray(0, cut);
    if (kind === 'TruncatedBody') return;
    if (kind === 'StalledBody') await delays.wait(delayMs);
    const rest = Buffer.from(chunk.subarray(cut));
    if (kind === 'FlippedByte') rest[0] = rest[0]! ^ 0xff;
    yield rest;
  }
}

/** Worker side of hashPart: parts whose bytes travel with the task (transferred or shared). */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { nodeHashPart, type PartDigest } from './node-hash.js';
import type { PartsResult, PartsTask } from './protocol.js';
import { releaseSharedParts } from './shared-release.js';
import { loadCore, type HashCore } from './worker-core.js';

export function hashPartsTask(task: PartsTask): unknown {
  let digests: PartDigest[];
  if (task.engine === 'wasm') {
    const core = loadCore();
    if ('failure' in core) return core;
    digests = wasmHashParts(core, task.parts, task.linear);
  } else {
    digests = task.parts.map((p, i) => nodeHashPart(p, task.linear[i]!));
  }
  // Hand transferred buffers back (moved, not cloned); shared ones stay where they are.
  const back: (Uint8Array | null)[] = task.parts.map((p) => (p.buffer instanceof SharedArrayBuffer ? null : p));
  const transfer = back.filter((p): p is Uint8Array => p !== null).map((p) => p.buffer as ArrayBuffer);
  const value: PartsResult = { digests, parts: back };
  releaseSharedParts(task.parts);
  return move({
    get [transferableSymbol]() {
      return transfer;
    },
    get [valueSymbol]() {
      return value;
    },
  } as never);
}

/**
 * Hash parts with the WebAssembly core: all linear parts in one hashParts call, so up to four
 * linear hashes share the four SIMD lanes (the core streams each part through a fixed staging
 * area, so its memory stays bounded whatever the part size).
 */
export function wasmHashParts(core: HashCore, parts: readonly Uint8Array[], linear: readonly boolean[]): PartDigest[] {
  const out: PartDigest[] = new Array(parts.length);
  for (const wantLinear of [true, false]) {
    const idx: number[] = [];
    for (let i = 0; i < parts.length; i++) if (linear[i] === wantLinear) idx.push(i);
    if (idx.length === 0) continue;
    const hashes = core.hashParts(
      idx.map((i) => parts[i]!),
      { linear: wantLinear },
    );
    idx.forEach((i, k) => {
      const h = hashes[k]!;
      out[i] = wantLinear
        ? { treeHash: h.treeHash, sha256: h.sha256 ?? h.treeHash, size: h.size }
        : { treeHash: h.treeHash, size: h.size };
    });
  }
  return out;
}

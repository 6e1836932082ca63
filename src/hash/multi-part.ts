/**
 * hashParts of the WebAssembly core: several parts at once, keeping the four SIMD lanes full.
 */
import type { PartHash, WasmHashCore } from './core.js';
import { CTX_SIZE, describe, LANES, MiB } from './core-layout.js';
import { LeafStream } from './leaf-stream.js';
import { toHex, TreeCombiner } from './tree-combine.js';

const newCombiner = (core: WasmHashCore) => new TreeCombiner((l, r) => core.combinePair(l, r));

export function hashParts(core: WasmHashCore, parts: readonly Uint8Array[], opts?: { linear?: boolean }): PartHash[] {
  const linear = opts?.linear ?? true;
  if (typeof linear !== 'boolean') throw new TypeError(`hashParts option linear must be a boolean, got ${describe(linear)}`);
  const results: PartHash[] = new Array(parts.length);
  const big: number[] = [];
  if (!Array.isArray(parts)) throw new TypeError(`hashParts expects an array of Uint8Array parts, got ${describe(parts)}`);
  parts.forEach((p, i) => {
    if (!(p instanceof Uint8Array)) throw new TypeError(`hashParts: part ${i} must be a Uint8Array, got ${describe(p)}`);
  });
  if (!linear) return treeHashParts(core, parts);
  // Parts of at most 1 MiB are one leaf (tree hash == linear hash): equal-length ones (e.g. a
  // batch of 1 MiB parts) go four at a time through the lanes, the rest one by one.
  const small = new Map<number, number[]>();
  parts.forEach((p, i) => {
    if (p.length > MiB) big.push(i);
    else small.set(p.length, [...(small.get(p.length) ?? []), i]);
  });
  for (const [len, idx] of small) {
    let k = 0;
    for (; idx.length - k >= 2; k += LANES) {
      const group = idx.slice(k, k + LANES);
      const m = core.view();
      group.forEach((i, j) => m.set(parts[i]!, core.stage + j * MiB));
      const p = (j: number) => core.stage + (j < group.length ? j : 0) * MiB;
      core.x.hashX4(p(0), p(1), p(2), p(3), len, core.out, 0);
      group.forEach((i, j) => {
        const h = core.hexAt(core.out + 32 * j);
        results[i] = { treeHash: h, sha256: h, size: len };
      });
    }
    for (; k < idx.length; k++) {
      const h = core.sha256(parts[idx[k]!]!);
      results[idx[k]!] = { treeHash: h, sha256: h, size: len };
    }
  }
  for (let g = 0; g < big.length; g += LANES) {
    const group = big.slice(g, g + LANES);
    const hashes = hashLanes(core, group.map((i) => parts[i]!));
    group.forEach((i, k) => (results[i] = hashes[k]!));
  }
  return results;
}

/**
 * Tree hashes only: the full 1 MiB leaves of all parts, in order, four per 4-lane call whichever
 * part they belong to (so a batch of small parts still fills the lanes); each part's short last
 * leaf, if any, with one scalar call.
 */
function treeHashParts(core: WasmHashCore, parts: readonly Uint8Array[]): PartHash[] {
  const x = core.x;
  const stacks = parts.map(() => newCombiner(core));
  const pending: { part: number; chunk: number }[] = [];
  const flush = () => {
    const m = core.view();
    pending.forEach((l, k) => m.set(parts[l.part]!.subarray(l.chunk * MiB, (l.chunk + 1) * MiB), core.stage + k * MiB));
    const p = (k: number) => core.stage + (k < pending.length ? k : 0) * MiB;
    x.hashX4(p(0), p(1), p(2), p(3), MiB, core.out, 0);
    pending.forEach((l, k) => stacks[l.part]!.push(core.digestAt(core.out + 32 * k)));
    pending.length = 0;
  };
  parts.forEach((part, i) => {
    const full = Math.floor(part.length / MiB);
    for (let c = 0; c < full; c++) {
      pending.push({ part: i, chunk: c });
      if (pending.length === LANES) flush();
    }
  });
  if (pending.length > 0) flush();
  return parts.map((part, i) => {
    const done = Math.floor(part.length / MiB) * MiB;
    if (part.length === 0 || done < part.length) {
      core.view().set(part.subarray(done), core.stage);
      x.sha256(core.stage, part.length - done, core.out);
      stacks[i]!.push(core.digestAt(core.out));
    }
    return { treeHash: toHex(stacks[i]!.finish()), size: part.length };
  });
}

/**
 * Linear + tree hash of up to four parts (each > 1 MiB): chunk c of every part still holding a
 * full 1 MiB chunk c is copied into its lane's slot, then one call hashes the four leaves and
 * advances the four linear hashes from the same message schedule. When at most one part still
 * has full chunks, it finishes through a LeafStream (four of its own leaves per call) and the
 * others finish their short tails with scalar calls.
 */
function hashLanes(core: WasmHashCore, parts: Uint8Array[]): PartHash[] {
  const x = core.x;
  const n = parts.length;
  const full = parts.map((p) => Math.floor(p.length / MiB));
  const stacks = parts.map(() => newCombiner(core));
  const ctx = (j: number) => core.ctxs + j * CTX_SIZE;
  const slot = (j: number) => core.stage + j * MiB;
  x.initX4(core.lin4);
  let c = 0;
  let active: number[];
  for (;;) {
    active = [];
    for (let j = 0; j < n; j++) if (full[j]! > c) active.push(j);
    if (active.length < 2) break;
    const m = core.view();
    for (const j of active) m.set(parts[j]!.subarray(c * MiB, (c + 1) * MiB), slot(j));
    const p = (j: number) => slot(full[j]! > c ? j : active[0]!);
    x.hashX4(p(0), p(1), p(2), p(3), MiB, core.out, core.lin4);
    for (const j of active) {
      stacks[j]!.push(core.digestAt(core.out + 32 * j));
      if (full[j] === c + 1) x.ctxFromLane(ctx(j), core.lin4, j, BigInt((c + 1) * MiB));
    }
    c++;
  }
  const results: PartHash[] = new Array(n);
  const streamLane = active.length === 1 ? active[0]! : -1;
  for (let j = 0; j < n; j++) {
    if (j === streamLane) continue;
    // Every full chunk is done (lane state already in ctx(j)); hash the short tail, if any.
    const part = parts[j]!;
    const done = full[j]! * MiB;
    const rest = part.length - done;
    if (rest > 0) {
      core.view().set(part.subarray(done), slot(0));
      x.sha256(slot(0), rest, core.out);
      stacks[j]!.push(core.digestAt(core.out));
      x.ctxUpdate(ctx(j), slot(0), rest);
    }
    x.ctxFinal(ctx(j), core.out);
    results[j] = { treeHash: toHex(stacks[j]!.finish()), sha256: core.hexAt(core.out), size: part.length };
  }
  if (streamLane >= 0) {
    const j = streamLane;
    if (c === 0) x.ctxInit(ctx(j));
    else x.ctxFromLane(ctx(j), core.lin4, j, BigInt(c * MiB));
    const s = new LeafStream(core, core.stage, ctx(j), stacks[j]!, c * MiB);
    s.update(parts[j]!.subarray(c * MiB));
    const r = s.finish();
    results[j] = { treeHash: r.treeHash, sha256: r.sha256!, size: parts[j]!.length };
  }
  return results;
}


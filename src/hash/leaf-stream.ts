import type { WasmHashCore } from './core.js';
import { GROUP, LANES, MiB } from './core-layout.js';
import { toHex, TreeCombiner } from './tree-combine.js';

/**
 * Streams bytes through a 4 MiB staging area in WebAssembly memory: every full 4 MiB becomes four
 * tree-hash leaves in one 4-lane call, and optionally also feeds a running linear SHA-256.
 * Used by treeHash(), TreeHasher and the single-part path of hashParts().
 */
export class LeafStream {
  private fill = 0;
  private size: number;

  /**
   * @param stage start of a GROUP-byte staging area in the core's memory
   * @param ctx a scalar context (already started, possibly mid-stream) for the linear hash, or 0
   * @param offset bytes of the message already accounted for (in `stack` and `ctx`)
   */
  constructor(
    private readonly core: WasmHashCore,
    private readonly stage: number,
    private readonly ctx: number,
    private readonly stack: TreeCombiner = new TreeCombiner((l, r) => core.combinePair(l, r)),
    offset = 0,
  ) {
    this.size = offset;
  }

  get bytes(): number {
    return this.size;
  }

  update(data: Uint8Array): void {
    let off = 0;
    while (off < data.length) {
      const n = Math.min(GROUP - this.fill, data.length - off);
      this.core.view().set(data.subarray(off, off + n), this.stage + this.fill);
      this.fill += n;
      off += n;
      if (this.fill === GROUP) this.flushGroup();
    }
    this.size += data.length;
  }

  private flushGroup(): void {
    const { core, stage } = this;
    const x = core.x;
    x.hashX4(stage, stage + MiB, stage + 2 * MiB, stage + 3 * MiB, MiB, core.out, 0);
    for (let j = 0; j < LANES; j++) this.stack.push(core.digestAt(core.out + 32 * j));
    if (this.ctx) x.ctxUpdate(this.ctx, stage, GROUP);
    this.fill = 0;
  }

  /** Ends the stream: the tree hash, and the linear hash if a context was given. */
  finish(): { treeHash: string; sha256?: string } {
    const { core, stage, fill } = this;
    const x = core.x;
    let linear: string | undefined;
    if (this.ctx) {
      x.ctxUpdate(this.ctx, stage, fill);
      x.ctxFinal(this.ctx, core.out);
      linear = core.hexAt(core.out);
      // At most one leaf: the tree hash is the linear hash, no need to hash it twice.
      if (this.size <= MiB) return { treeHash: linear, sha256: linear };
    }
    if (this.size === 0) {
      x.sha256(stage, 0, core.out);
      return { treeHash: core.hexAt(core.out) };
    }
    const full = Math.floor(fill / MiB);
    const rest = fill - full * MiB;
    if (full >= 2) {
      // Unused lanes re-read leaf 0; their digests are ignored.
      const p = (j: number) => stage + (j < full ? j : 0) * MiB;
      x.hashX4(p(0), p(1), p(2), p(3), MiB, core.out, 0);
      for (let j = 0; j < full; j++) this.stack.push(core.digestAt(core.out + 32 * j));
    } else if (full === 1) {
      x.sha256(stage, MiB, core.out);
      this.stack.push(core.digestAt(core.out));
    }
    if (rest > 0) {
      x.sha256(stage + full * MiB, rest, core.out);
      this.stack.push(core.digestAt(core.out));
    }
    const tree = toHex(this.stack.finish());
    return linear === undefined ? { treeHash: tree } : { treeHash: tree, sha256: linear };
  }
}

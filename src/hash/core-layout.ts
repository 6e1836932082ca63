/** The WebAssembly core's memory layout and exports (assembly/index.ts), shared by core.ts and its helpers. */
/** Glacier's tree-hash leaf: 1 MiB. */
export const MiB = 1024 * 1024;
/** Leaves hashed per WebAssembly call (the four SIMD lanes). */
export const LANES = 4;
export const GROUP = LANES * MiB;
/** Byte size of a scalar SHA-256 context and of a 4-lane state (see assembly/index.ts). */
export const CTX_SIZE = 128;
export const STATE4_SIZE = 128;

/** The functions assembly/index.ts exports (addresses are byte offsets in its linear memory). */
export interface CoreExports {
  memory: { buffer: ArrayBuffer };
  heapBase(): number;
  simdBuild(): number;
  ensureMemory(bytes: number): number;
  ctxInit(ctx: number): void;
  ctxUpdate(ctx: number, src: number, len: number): void;
  ctxFinal(ctx: number, out: number): void;
  ctxFromLane(ctx: number, state4: number, lane: number, total: bigint): void;
  sha256(src: number, len: number, out: number): void;
  initX4(state4: number): void;
  hashX4(p0: number, p1: number, p2: number, p3: number, len: number, out: number, linear4: number): void;
}

/** Names what a caller passed, for TypeErrors. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  // 'u' is left out on purpose: a Uint8Array ("you"), but an Int8Array, an ArrayBuffer, an object.
  const article = (word: string) => (/^[aeio]/i.test(word) ? `an ${word}` : `a ${word}`);
  if (typeof value === 'object' || typeof value === 'function') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? article(name) : 'an object';
  }
  return `${article(typeof value)} (${String(value).slice(0, 40)})`;
}

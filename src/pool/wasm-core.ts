/**
 * The hashing core (src/hash/core.ts) as the pool's worker sees it. getCore() instantiates the
 * WebAssembly module once per thread (lazily, on the first wasm task) and reuses its memory.
 */
export { getCore, type HashCore, type PartHash as CorePartHash } from '../hash/core.js';

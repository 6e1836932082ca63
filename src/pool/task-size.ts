/** How many parts one worker task carries, for hashPart batches and hashFile tasks alike. */
import { MiB } from '../options.js';
import type { HashEngine } from './protocol.js';

/** SIMD lanes of the WebAssembly core: linear hashes of up to four parts run side by side. */
export const LANES = 4;
/** A hashPart batch stops growing at this many bytes (the core copies a batch into its memory). */
export const BATCH_BYTES = 256 * MiB;

/**
 * wasm: four parts, so their linear hashes share the SIMD lanes. node: one (node:crypto has no
 * lanes to fill, and a batch would make each part wait for the others) unless parts are small
 * enough that the per-task overhead dominates.
 */
export function partsPerTask(engine: HashEngine, partBytes: number): number {
  return engine === 'wasm' || partBytes <= 4 * MiB ? LANES : 1;
}

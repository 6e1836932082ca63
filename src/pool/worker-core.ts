/**
 * The worker's WebAssembly core, loaded once per thread on the first wasm task; a failure to load
 * travels back as a value (see protocol.ts).
 */
import type { WorkerFailure } from './protocol.js';
import { getCore, type HashCore } from '../hash/core.js';

export type { HashCore };

export function loadCore(): HashCore | WorkerFailure {
  try {
    return getCore();
  } catch (e) {
    return { failure: { code: 'WASM_ENGINE_UNAVAILABLE', message: e instanceof Error ? e.message : String(e) } };
  }
}

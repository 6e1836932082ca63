/**
 * The HashPool's Piscina worker (compiled to dist/src/pool/worker.js). One instance per thread;
 * the WebAssembly core is instantiated once per thread, on first use, and its memory reused.
 *
 * Tasks are synchronous on purpose: Piscina parks idle workers in Atomics.wait, so a task must not
 * leave asynchronous work behind. File parts are read with readSync into one buffer per thread.
 */
import type { WorkerTask } from './protocol.js';
import { calibrate } from './worker-calibrate.js';
import { hashFileTask } from './worker-file.js';
import { hashPartsTask } from './worker-parts.js';

export default function hashTask(task: WorkerTask): unknown {
  switch (task.kind) {
    case 'parts':
      return hashPartsTask(task);
    case 'file':
      return hashFileTask(task);
    case 'calibrate':
      return calibrate(task);
    default:
      throw new Error(`unknown hash task kind ${(task as { kind: unknown }).kind}`);
  }
}

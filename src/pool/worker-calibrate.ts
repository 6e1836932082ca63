/** Worker side of the engine calibration (see calibration.ts). */
import { readFileSync } from 'node:fs';
import { MiB, nodeHashPart } from './node-hash.js';
import type { CalibrateResult, CalibrateTask } from './protocol.js';
import { loadCore } from './worker-core.js';
import { wasmHashParts } from './worker-parts.js';

/**
 * Milliseconds this thread has spent runnable but waiting for a CPU (Linux: the second field of
 * /proc/thread-self/schedstat, brought up to date whenever the thread gets a CPU back, so exact
 * when read by the running thread); null where unavailable. Subtracting it from a wall-clock
 * interval removes the time other processes took the CPU, so the calibration holds on a busy
 * machine.
 */
function runQueueDelayMs(): number | null {
  try {
    const fields = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ');
    const ns = Number(fields[1]);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}

/**
 * Time both engines on identical parts, linear + tree (what an upload needs). SHA-256 takes the
 * same time whatever the bytes, so the parts are constant. Time waiting for a CPU does not count
 * (see runQueueDelayMs). Best of `rounds`, interleaved so what load remains hits both alike (the best also skips the WebAssembly's first call, which V8 runs
 * in its baseline tier, ~30% slower), and as many rounds again when the two come out within 15%.
 */
export function calibrate(task: CalibrateTask): CalibrateResult {
  const start = performance.now();
  const parts: Uint8Array[] = [];
  for (let i = 0; i < task.parts; i++) parts.push(new Uint8Array(task.partBytes).fill(0x5a));
  const linear = parts.map(() => true);
  const mib = (task.parts * task.partBytes) / MiB;

  const c = loadCore();
  const core = 'failure' in c ? null : c;
  const time = (fn: () => void): number => {
    const d0 = runQueueDelayMs();
    const t0 = performance.now();
    fn();
    const wall = performance.now() - t0;
    return d0 === null ? wall : wall - (runQueueDelayMs()! - d0);
  };
  const runNode = () => parts.forEach((p) => nodeHashPart(p, true));
  const runWasm = () => wasmHashParts(core!, parts, linear);

  let bestNode = Infinity;
  let bestWasm = Infinity;
  const measure = (rounds: number) => {
    for (let r = 0; r < rounds; r++) {
      bestNode = Math.min(bestNode, time(runNode));
      if (core !== null) bestWasm = Math.min(bestWasm, time(runWasm));
    }
  };
  measure(task.rounds);
  if (core !== null && bestNode / bestWasm > 1 / 1.15 && bestNode / bestWasm < 1.15) measure(task.rounds);
  return {
    node: mib / (bestNode / 1000),
    wasm: core === null ? null : mib / (bestWasm / 1000),
    wasmKind: core === null ? null : core.kind,
    wasmError: 'failure' in c ? c.failure.message : null,
    measureMs: performance.now() - start,
  };
}

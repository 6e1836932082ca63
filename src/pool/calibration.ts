/**
 * The 'auto' engine choice: both engines hash the same four parts (linear + tree, an upload's
 * work) on a worker and the faster wins. The CPU does not change while the process runs, so this
 * runs once per process, whichever pool asks first; the others share its result.
 */
import { MiB } from '../options.js';
import type { CalibrateResult, HashEngine } from './protocol.js';
import type { EngineCalibration } from './types.js';
import type { TaskRunner } from './worker-threads.js';

/** Four 2 MiB parts (both hashes needed, all four lanes full), best of two rounds (~60 ms of one thread). */
const CALIBRATION = { kind: 'calibrate', parts: 4, partBytes: 2 * MiB, rounds: 2 } as const;

/** `owner` identifies the pool whose threads measure (any object unique to that pool). */
let processCalibration: { promise: Promise<EngineCalibration>; owner: object } | undefined;

/**
 * The process's calibration, measured on `run`'s threads when none ran yet. If another pool's
 * measuring fails (e.g. that pool was destroyed), this pool measures on its own threads, unless
 * `isDestroyed()` says this one is gone too.
 */
export async function calibrateEngines(owner: object, run: TaskRunner, isDestroyed: () => boolean): Promise<EngineCalibration> {
  for (;;) {
    if (processCalibration === undefined) {
      const t0 = performance.now();
      const promise = run<CalibrateResult>({ ...CALIBRATION }, {}, 'the engine calibration').then((r) => {
        const chosen: HashEngine = r.wasm !== null && r.wasm > r.node ? 'wasm' : 'node';
        return { ...r, chosen, ms: performance.now() - t0 };
      });
      processCalibration = { promise, owner };
      promise.catch(() => {
        if (processCalibration?.promise === promise) processCalibration = undefined;
      });
    }
    const current = processCalibration;
    try {
      return await current.promise;
    } catch (e) {
      if (current.owner === owner || isDestroyed()) throw e;
    }
  }
}

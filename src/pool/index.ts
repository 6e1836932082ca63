// The hash pool layer: HashPool (Piscina worker threads) and its typed errors.
export { HashPool } from './pool.js';
export type {
  HashEngine,
  HashPoolOptions,
  HashPartOptions,
  HashFileOptions,
  PartHashResult,
  FilePartHash,
  FileHashResult,
  EngineCalibration,
} from './types.js';
// The part-size rule is Glacier's, shared with the uploader (src/limits.ts).
export { InvalidPartSizeError } from '../errors.js';
export {
  InvalidPoolOptionError,
  InvalidPartDataError,
  FileNotFoundError,
  FileIsDirectoryError,
  FileNotReadableError,
  FileChangedError,
  HashAbortedError,
  WorkerCrashedError,
  HashWorkerError,
  WasmEngineUnavailableError,
  PoolDestroyedError,
  PoolQueueFullError,
} from './errors.js';
